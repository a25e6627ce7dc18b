#pragma once
// Internal to cluster/: the counter behind WorkQueue, the same with and without MPI. Hands
// out 0, 1, 2, ... skipping finished indices, up to the end once it is known. Thread-safe:
// under MPI rank 0's pipeline and its server thread share it.
#include <cstdint>
#include <mutex>
#include <optional>

#include "cluster/cluster.h"

namespace molsieve::cluster {

class WorkCounter {
 public:
  WorkCounter(WorkQueue::Finished finished, std::optional<std::uint64_t> end, WorkQueue::Granted granted)
      : finished_(std::move(finished)), granted_(std::move(granted)), end_(end) {}

  std::optional<std::uint64_t> take(int rank) {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!end_ || next_ < *end_) {
      const std::uint64_t index = next_++;
      if (finished_ && finished_(index)) continue;
      if (granted_) granted_(index, rank);
      ++handed_out_;
      return index;
    }
    return std::nullopt;
  }
  void set_end(std::uint64_t items) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!end_ || items < *end_) end_ = items;
  }
  std::optional<std::uint64_t> end() {
    std::lock_guard<std::mutex> lock(mutex_);
    return end_;
  }
  std::uint64_t handed_out() {
    std::lock_guard<std::mutex> lock(mutex_);
    return handed_out_;
  }

 private:
  WorkQueue::Finished finished_;
  WorkQueue::Granted granted_;
  std::mutex mutex_;
  std::uint64_t next_ = 0;
  std::uint64_t handed_out_ = 0;
  std::optional<std::uint64_t> end_;
};

}  // namespace molsieve::cluster
