// Every popcount backend on hand-counted rows, and against the bit-by-bit reference.
#include <gtest/gtest.h>

#include <random>

#include "backend_suite.h"
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

using Popcount = test::BackendTest;
MOLSIEVE_INSTANTIATE_BACKEND_SUITE(Popcount);

TEST_P(Popcount, CountsKnownRows) {
  std::vector<std::uint64_t> fps = {0, 0, 1, 0x8000000000000000ULL, ~0ULL, 0xF0F0};
  std::vector<std::uint32_t> counts(3, 0xdeadbeef);
  popcount_rows(backend(), fps.data(), 3, 2, counts.data());
  EXPECT_EQ(counts, (std::vector<std::uint32_t>{0, 2, 72}));
}

using PopcountAgainstReference = test::BackendTest;
MOLSIEVE_INSTANTIATE_PRUNING_BACKEND_SUITE(PopcountAgainstReference);

TEST_P(PopcountAgainstReference, MatchesOnRandomRows) {
  // Sizes that are not multiples of the CUDA block (8 rows) or warp (32 words), and none.
  for (std::size_t rows : {0, 1, 7, 9, 4097, 20000, 100003})
    for (std::size_t words : {1, 16, 32, 33, 70}) expect_matches_reference(backend(), rows, words);
}

}  // namespace
}  // namespace molsieve::kernels
