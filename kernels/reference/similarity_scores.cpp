// Reference backend: bit by bit.
#include "kernels/similarity_scores.h"

namespace molsieve::kernels {

void similarity_scores_reference(const SearchLibrary& library, const std::uint64_t* query,
                                 const Metric& metric, double* scores) {
  const std::size_t words = library.words();
  std::uint32_t a = 0;
  for (std::size_t w = 0; w < words; ++w)
    for (int bit = 0; bit < 64; ++bit) a += (query[w] >> bit) & 1u;
  for (std::size_t i = 0; i < library.size(); ++i) {
    const std::uint64_t* fp = library.fingerprint(i);
    std::uint32_t b = 0, c = 0;
    for (std::size_t w = 0; w < words; ++w)
      for (int bit = 0; bit < 64; ++bit) {
        b += (fp[w] >> bit) & 1u;
        c += ((fp[w] & query[w]) >> bit) & 1u;
      }
    scores[i] = similarity(metric, a, b, c);
  }
}

}  // namespace molsieve::kernels
