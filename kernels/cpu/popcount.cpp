// CPU backend: hardware POPCNT where the processor has it, rows split across threads.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "kernels/popcount.h"

namespace molsieve::kernels {
namespace {

// Inlined into both callers, so the popcnt-target copy compiles to the POPCNT instruction.
__attribute__((always_inline)) inline void count_range(const std::uint64_t* fps,
                                                       std::size_t begin, std::size_t end,
                                                       std::size_t words, std::uint32_t* counts) {
  for (std::size_t r = begin; r < end; ++r) {
    std::uint32_t count = 0;
    for (std::size_t w = 0; w < words; ++w) count += __builtin_popcountll(fps[r * words + w]);
    counts[r] = count;
  }
}

__attribute__((target("popcnt"))) void count_range_popcnt(const std::uint64_t* fps,
                                                          std::size_t begin, std::size_t end,
                                                          std::size_t words,
                                                          std::uint32_t* counts) {
  count_range(fps, begin, end, words, counts);
}

void count_range_portable(const std::uint64_t* fps, std::size_t begin, std::size_t end,
                          std::size_t words, std::uint32_t* counts) {
  count_range(fps, begin, end, words, counts);
}

}  // namespace

void popcount_rows_cpu(const std::uint64_t* fingerprints, std::size_t rows, std::size_t words,
                       std::uint32_t* counts) {
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, rows, 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      if (has_popcnt)
                        count_range_popcnt(fingerprints, range.begin(), range.end(), words, counts);
                      else
                        count_range_portable(fingerprints, range.begin(), range.end(), words,
                                             counts);
                    });
}

}  // namespace molsieve::kernels
