#pragma once
// A read-only view of packed fingerprints: `rows` fingerprints of `words` uint64 each,
// row-major (bit i of a fingerprint is bit i % 64 of word i / 64, as in the library store).
#include <cstddef>
#include <cstdint>

namespace molsieve::kernels {

struct FingerprintMatrix {
  const std::uint64_t* data = nullptr;
  std::size_t rows = 0;
  std::size_t words = 0;
  const std::uint64_t* row(std::size_t r) const { return data + r * words; }
};

}  // namespace molsieve::kernels
