// CPU backend: tiles of the library in parallel, common bits with the widest popcount.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <vector>

#include "kernels/cpu/common_bits.h"
#include "kernels/popcount.h"
#include "kernels/similarity_scores.h"

namespace molsieve::kernels {

void similarity_scores_cpu(const SearchLibrary& library, const std::uint64_t* query,
                           const Metric& metric, double* scores) {
  const std::size_t words = library.words();
  const cpu::CommonBitsFunction common_bits = cpu::common_bits_function(words);
  std::uint32_t a = 0;
  popcount_rows_cpu(query, 1, words, &a);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, library.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      std::vector<std::uint32_t> common(range.size());
                      common_bits(query, library.fingerprint(range.begin()), range.size(), words,
                                  common.data());
                      for (std::size_t i = range.begin(); i < range.end(); ++i)
                        scores[i] = similarity(metric, a, library.popcounts()[i],
                                               common[i - range.begin()]);
                    });
}

}  // namespace molsieve::kernels
