#include "models/splits.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>

#include "core/csv_record.h"
#include "core/error.h"

namespace molsieve::models {

template <typename T>
void seeded_shuffle(std::vector<T>& values, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[engine() % i]);
}
template void seeded_shuffle(std::vector<std::size_t>&, std::uint64_t);
template void seeded_shuffle(std::vector<std::vector<std::size_t>>&, std::uint64_t);

Split read_split_file(const std::string& path, std::size_t rows) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open the split file");
  std::string line;
  // Python's csv module ends lines with \r\n.
  const auto next_line = [&](std::string& out) {
    if (!std::getline(in, out)) return false;
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
  };
  next_line(line);
  const auto header = split_csv_record(line, ',');
  const auto column = [&](const char* name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw Error(path + ":1: no column '" + name + "'");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t row_column = column("row"), part_column = column("part");
  Split split;
  for (std::size_t number = 2; next_line(line); ++number) {
    if (line.empty()) continue;
    const auto fields = split_csv_record(line, ',');
    const std::string where = path + ":" + std::to_string(number);
    if (fields.size() <= std::max(row_column, part_column)) throw Error(where + ": too few fields");
    char* end = nullptr;
    const unsigned long long row = std::strtoull(fields[row_column].c_str(), &end, 10);
    if (fields[row_column].empty() || *end != '\0' || row >= rows)
      throw Error(where + ": row '" + fields[row_column] + "' is not a data row (0.." + std::to_string(rows - 1) + ")");
    const std::string& part = fields[part_column];
    if (part == "train") split.train.push_back(row);
    else if (part == "validation") split.validation.push_back(row);
    else if (part == "test") split.test.push_back(row);
  }
  return split;
}

void check_split_sizes(const std::vector<double>& sizes) {
  double sum = 0;
  for (double s : sizes) {
    if (!(s >= 0 && s <= 1)) throw Error("--split-sizes: each fraction must be in [0, 1]");
    sum += s;
  }
  if (sizes.size() != 3 || std::abs(sum - 1.0) > 1e-6 || sizes[0] <= 0)
    throw Error("--split-sizes: give train,validation,test fractions summing to 1 (e.g. 0.8,0.1,0.1)");
}

Split random_split(const std::vector<std::size_t>& rows, const std::vector<double>& sizes,
                   std::uint64_t seed) {
  check_split_sizes(sizes);
  std::vector<std::size_t> order = rows;
  seeded_shuffle(order, seed);
  const auto train_end = static_cast<std::size_t>(sizes[0] * static_cast<double>(order.size()));
  const auto validation_end =
      sizes[2] == 0 ? order.size()
                    : static_cast<std::size_t>((sizes[0] + sizes[1]) * static_cast<double>(order.size()));
  Split split;
  split.train.assign(order.begin(), order.begin() + train_end);
  split.validation.assign(order.begin() + train_end, order.begin() + validation_end);
  split.test.assign(order.begin() + validation_end, order.end());
  return split;
}

Split scaffold_split(const std::vector<std::size_t>& rows, const std::vector<std::string>& scaffolds,
                     const std::vector<double>& sizes, std::uint64_t seed) {
  check_split_sizes(sizes);
  const double n = static_cast<double>(rows.size());
  const auto train_size = static_cast<std::size_t>(sizes[0] * n);
  // No test part asked for (a shipped model's 90/10/0): nothing lands there, not even the
  // row or two that rounding leaves over (a 1-molecule test part gave meaningless metrics).
  const bool no_test = sizes[2] == 0;
  const auto validation_size =
      no_test ? rows.size() - train_size : static_cast<std::size_t>(sizes[1] * n);
  const auto test_size = rows.size() - train_size - validation_size;
  std::map<std::string, std::vector<std::size_t>> by_scaffold;
  for (std::size_t i = 0; i < rows.size(); ++i) by_scaffold[scaffolds[i]].push_back(rows[i]);
  std::vector<std::vector<std::size_t>> big, small;
  for (auto& [scaffold, members] : by_scaffold) {
    const bool is_big = members.size() > validation_size / 2 || members.size() > test_size / 2;
    (is_big ? big : small).push_back(std::move(members));
  }
  seeded_shuffle(big, seed);
  seeded_shuffle(small, seed + 1);
  Split split;
  auto place = [&](const std::vector<std::size_t>& set) {
    auto& part = split.train.size() + set.size() <= train_size                  ? split.train
                 : no_test || split.validation.size() + set.size() <= validation_size ? split.validation
                                                                                      : split.test;
    part.insert(part.end(), set.begin(), set.end());
  };
  for (const auto& set : big) place(set);
  for (const auto& set : small) place(set);
  return split;
}

}  // namespace molsieve::models
