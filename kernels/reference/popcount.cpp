// Reference backend: bit by bit, obviously correct, the oracle for the others.
#include "kernels/popcount.h"

namespace molsieve::kernels {

void popcount_rows_reference(const std::uint64_t* fingerprints, std::size_t rows,
                             std::size_t words, std::uint32_t* counts) {
  for (std::size_t r = 0; r < rows; ++r) {
    std::uint32_t count = 0;
    for (std::size_t w = 0; w < words; ++w)
      for (int bit = 0; bit < 64; ++bit) count += (fingerprints[r * words + w] >> bit) & 1u;
    counts[r] = count;
  }
}

}  // namespace molsieve::kernels
