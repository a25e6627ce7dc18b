#pragma once
// The threads a run may use, for as long as it runs. It lives in core, below everything that
// runs in parallel, so the commands and the benchmarks share one rule; core cannot see
// LibTorch, so models::ModelThreadScope adds LibTorch's compute threads for code that runs
// models.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

namespace molsieve {

class ThreadScope {
 public:
  // Caps oneTBB at `requested` threads (0: all cores) until the scope ends.
  explicit ThreadScope(unsigned requested)
      : count_(resolve(requested)), limit_(tbb::global_control::max_allowed_parallelism, count_) {}
  // The count a scope of `requested` threads runs with.
  static unsigned resolve(unsigned requested) {
    return requested ? requested : static_cast<unsigned>(tbb::info::default_concurrency());
  }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

  // The threads in use (for the summaries).
  unsigned count() const { return count_; }

 private:
  unsigned count_;
  tbb::global_control limit_;
};

}  // namespace molsieve
