#pragma once
// Progress reporting without printing: long-running library calls report through
// this callback, and the command-line layer decides how to show it.
#include <cstdint>
#include <functional>

namespace molsieve {

struct Progress {
  std::uint64_t records_done = 0;
  std::uint64_t bytes_done = 0;   // input bytes consumed (for .gz: its text, or compressed bytes when the text size is unknown)
  std::uint64_t bytes_total = 0;  // 0 when unknown
};

using ProgressCallback = std::function<void(const Progress&)>;

}  // namespace molsieve
