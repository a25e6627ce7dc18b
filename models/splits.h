#pragma once
// Training, validation and test splits: random, or by Bemis-Murcko scaffold so that no
// scaffold is shared between the parts (Chemprop's balanced scaffold split).
#include <cstdint>
#include <string>
#include <vector>

namespace molsieve::models {

struct Split {
  std::vector<std::size_t> train, validation, test;
};

// `sizes`: three fractions summing to 1. The same seed gives the same split on every platform.
Split random_split(const std::vector<std::size_t>& rows, const std::vector<double>& sizes,
                   std::uint64_t seed);

// `scaffolds[i]` is the scaffold of rows[i]. Scaffold sets larger than half the validation
// or test size go first (to training, as far as they fit), then the rest in seeded random
// order; each set goes whole to the first part it fits in.
Split scaffold_split(const std::vector<std::size_t>& rows, const std::vector<std::string>& scaffolds,
                     const std::vector<double>& sizes, std::uint64_t seed);

// A split written by `molsieve train --split-output` (or by hand): a CSV with the columns
// `row` (0-based data row) and `part` (train, validation, test; other values leave the row
// out). Throws molsieve::Error naming the file and line of a bad entry or a row >= rows.
Split read_split_file(const std::string& path, std::size_t rows);

// Checks three fractions in [0, 1] summing to 1 with a training part; throws molsieve::Error.
void check_split_sizes(const std::vector<double>& sizes);

// A seeded Fisher-Yates shuffle with the same result on every platform.
template <typename T>
void seeded_shuffle(std::vector<T>& values, std::uint64_t seed);

}  // namespace molsieve::models
