#pragma once
// Internal to the CPU backend: c = popcount(query & row) for a run of rows, with the
// widest popcount the processor has (AVX-512 VPOPCNTQ, POPCNT, or portable code),
// chosen once at run time.
#include <cstddef>
#include <cstdint>

namespace molsieve::kernels::cpu {

using CommonBitsFunction = void (*)(const std::uint64_t* query, const std::uint64_t* rows,
                                    std::size_t count, std::size_t words, std::uint32_t* common);

CommonBitsFunction common_bits_function(std::size_t words);

}  // namespace molsieve::kernels::cpu
