#include "kernels/cpu/common_bits.h"

#include <immintrin.h>

namespace molsieve::kernels::cpu {
namespace {

__attribute__((always_inline)) inline void common_bits_scalar(const std::uint64_t* query,
                                                              const std::uint64_t* rows,
                                                              std::size_t count, std::size_t words,
                                                              std::uint32_t* common) {
  for (std::size_t r = 0; r < count; ++r) {
    const std::uint64_t* row = rows + r * words;
    std::uint32_t c = 0;
    for (std::size_t w = 0; w < words; ++w) c += __builtin_popcountll(query[w] & row[w]);
    common[r] = c;
  }
}

__attribute__((target("popcnt"))) void common_bits_popcnt(const std::uint64_t* query,
                                                          const std::uint64_t* rows,
                                                          std::size_t count, std::size_t words,
                                                          std::uint32_t* common) {
  common_bits_scalar(query, rows, count, words, common);
}

void common_bits_portable(const std::uint64_t* query, const std::uint64_t* rows,
                          std::size_t count, std::size_t words, std::uint32_t* common) {
  common_bits_scalar(query, rows, count, words, common);
}

// Words a multiple of 8: one 512-bit AND and VPOPCNTQ per 8 words. 2048-bit fingerprints
// (the default) keep the whole query in four registers.
__attribute__((target("avx512f,avx512vpopcntdq"))) void common_bits_avx512(
    const std::uint64_t* query, const std::uint64_t* rows, std::size_t count, std::size_t words,
    std::uint32_t* common) {
  const std::size_t vectors = words / 8;
  if (vectors == 4) {
    const __m512i q0 = _mm512_loadu_si512(query), q1 = _mm512_loadu_si512(query + 8),
                  q2 = _mm512_loadu_si512(query + 16), q3 = _mm512_loadu_si512(query + 24);
    for (std::size_t r = 0; r < count; ++r) {
      const std::uint64_t* row = rows + r * 32;
      __m512i sum = _mm512_popcnt_epi64(_mm512_and_si512(q0, _mm512_loadu_si512(row)));
      sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(_mm512_and_si512(q1, _mm512_loadu_si512(row + 8))));
      sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(_mm512_and_si512(q2, _mm512_loadu_si512(row + 16))));
      sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(_mm512_and_si512(q3, _mm512_loadu_si512(row + 24))));
      common[r] = static_cast<std::uint32_t>(_mm512_reduce_add_epi64(sum));
    }
    return;
  }
  for (std::size_t r = 0; r < count; ++r) {
    const std::uint64_t* row = rows + r * words;
    __m512i sum = _mm512_setzero_si512();
    for (std::size_t v = 0; v < vectors; ++v)
      sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(_mm512_and_si512(
                                      _mm512_loadu_si512(query + 8 * v), _mm512_loadu_si512(row + 8 * v))));
    common[r] = static_cast<std::uint32_t>(_mm512_reduce_add_epi64(sum));
  }
}

}  // namespace

CommonBitsFunction common_bits_function(std::size_t words) {
  static const bool has_avx512_popcount =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_avx512_popcount && words % 8 == 0) return common_bits_avx512;
  if (has_popcnt) return common_bits_popcnt;
  return common_bits_portable;
}

}  // namespace molsieve::kernels::cpu
