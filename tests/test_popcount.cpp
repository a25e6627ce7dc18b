// Every popcount backend against the bit-by-bit reference.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "kernels/cuda_status.h"
#include "kernels/popcount.h"

namespace molsieve::kernels {
namespace {

std::vector<std::uint64_t> random_fingerprints(std::size_t rows, std::size_t words,
                                               std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> fps(rows * words);
  for (auto& w : fps) w = rng() & rng();  // about a quarter of the bits set
  if (!fps.empty()) {
    fps[0] = ~std::uint64_t{0};
    fps.back() = 0;
  }
  return fps;
}

void expect_matches_reference(Backend backend, std::size_t rows, std::size_t words) {
  const std::uint64_t seed = 1234 + rows * 31 + words;
  auto fps = random_fingerprints(rows, words, seed);
  std::vector<std::uint32_t> expected(rows), actual(rows, 0xdeadbeef);
  popcount_rows_reference(fps.data(), rows, words, expected.data());
  popcount_rows(backend, fps.data(), rows, words, actual.data());
  EXPECT_EQ(actual, expected) << backend_name(backend) << " rows " << rows << " words " << words
                              << " seed " << seed;
}

TEST(Popcount, ReferenceCountsKnownRows) {
  std::vector<std::uint64_t> fps = {0, 0, 1, 0x8000000000000000ULL, ~0ULL, 0xF0F0};
  std::vector<std::uint32_t> counts(3);
  popcount_rows_reference(fps.data(), 3, 2, counts.data());
  EXPECT_EQ(counts, (std::vector<std::uint32_t>{0, 2, 72}));
}

TEST(Popcount, CpuMatchesReference) {
  for (std::size_t rows : {0, 1, 7, 4097, 20000})
    for (std::size_t words : {1, 16, 32}) expect_matches_reference(Backend::Cpu, rows, words);
}

TEST(Popcount, CudaMatchesReference) {
  const CudaStatus& cuda = cuda_status();
  if (!cuda.available) {
    std::printf("skipping the CUDA comparison: %s\n", cuda.reason.c_str());
    GTEST_SKIP() << "CUDA unavailable: " << cuda.reason;
  }
  // Sizes that are not multiples of the block (8 rows) or the warp (32 words).
  for (std::size_t rows : {1, 7, 9, 4097, 100003})
    for (std::size_t words : {1, 16, 32, 33, 70}) expect_matches_reference(Backend::Cuda, rows, words);
}

}  // namespace
}  // namespace molsieve::kernels
