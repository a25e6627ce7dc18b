#include "models/thread_scope.h"

#include <torch/torch.h>

#include "models/model.h"

namespace molsieve::models {

ModelThreadScope::ModelThreadScope(unsigned requested)
    : ThreadScope(requested), previous_torch_threads_(torch::get_num_threads()) {
  set_compute_threads(count());
}

ModelThreadScope::~ModelThreadScope() { torch::set_num_threads(previous_torch_threads_); }

}  // namespace molsieve::models
