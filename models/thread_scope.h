#pragma once
// The thread scope of code that runs models: oneTBB (featurization, the CPU kernels) and
// LibTorch's compute threads, both at the same count. Free of LibTorch headers.
#include "core/thread_scope.h"

namespace molsieve::models {

class ModelThreadScope : public ThreadScope {
 public:
  // Caps oneTBB and sets LibTorch's intra-op threads to `requested` (0: all cores).
  explicit ModelThreadScope(unsigned requested);
  // Gives LibTorch back the thread count it had.
  ~ModelThreadScope();

 private:
  int previous_torch_threads_;
};

}  // namespace molsieve::models
