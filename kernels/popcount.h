#pragma once
// Number of set bits in each row of a packed fingerprint matrix (rows x words uint64,
// row-major): the bit counts that bound Tanimoto similarity before any comparison.
#include <cstddef>
#include <cstdint>

#include "kernels/backend.h"

namespace molsieve::kernels {

void popcount_rows(Backend backend, const std::uint64_t* fingerprints, std::size_t rows,
                   std::size_t words, std::uint32_t* counts);

// The backends, for tests that compare them.
void popcount_rows_reference(const std::uint64_t* fingerprints, std::size_t rows,
                             std::size_t words, std::uint32_t* counts);
void popcount_rows_cpu(const std::uint64_t* fingerprints, std::size_t rows, std::size_t words,
                       std::uint32_t* counts);
void popcount_rows_cuda(const std::uint64_t* fingerprints, std::size_t rows, std::size_t words,
                        std::uint32_t* counts);

}  // namespace molsieve::kernels
