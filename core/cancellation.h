#pragma once
// A request to stop a running job, made from another thread (a service's cancel button) or a
// signal handler (Ctrl-C, a scheduler's SIGTERM): a lock-free atomic store, which is
// async-signal-safe. Jobs check it between units of work and stop with a molsieve::Error
// that says what was kept.
#include <atomic>

namespace molsieve {

class CancellationToken {
 public:
  void cancel() noexcept { requested_.store(true); }
  bool cancelled() const noexcept { return requested_.load(); }

 private:
  std::atomic<bool> requested_{false};
};

}  // namespace molsieve
