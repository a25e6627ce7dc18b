#include "workflows/results/query.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <tuple>

#include "core/error.h"
#include "kernels/similarity_metric.h"
#include "models/molecule_set.h"
#include "workflows/results/query_expression.h"
#include "workflows/results/results_store.h"

namespace molsieve::workflows {
namespace {

constexpr std::uint64_t kBlockRows = 65536;  // rows read at a time when gathering output rows

// The ordering column and direction: "COL" (descending) or "COL:asc" / "COL:desc".
std::pair<std::string, bool> parse_order(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return {text, false};
  const std::string direction = text.substr(colon + 1);
  if (direction != "asc" && direction != "desc")
    throw Error("--order-by: '" + direction + "' must be asc or desc");
  return {text.substr(0, colon), direction == "asc"};
}

// Rows of the results at `rows` (any order), in the order given: all columns, or `names`.
ResultTable gather_rows(const hdf5::File& file, const std::string& group, const std::vector<std::uint64_t>& rows,
                        const std::vector<std::string>& names = {}) {
  std::vector<std::size_t> by_row(rows.size());
  std::iota(by_row.begin(), by_row.end(), 0);
  std::sort(by_row.begin(), by_row.end(), [&](std::size_t a, std::size_t b) { return rows[a] < rows[b]; });
  const std::uint64_t total = table_rows(file, group);
  ResultTable out;
  for (const auto& [name, kind] : table_columns(file, group))
    if (names.empty() || std::find(names.begin(), names.end(), name) != names.end())
      out.add(name, kind).reserve(rows.size());
  std::vector<std::size_t> order;  // positions in `rows` of the gathered rows, in gathered order
  for (std::size_t k = 0; k < by_row.size();) {
    const std::uint64_t first = rows[by_row[k]] / kBlockRows * kBlockRows;
    const ResultTable block = read_table(file, group, first, std::min(kBlockRows, total - first), names);
    for (; k < by_row.size() && rows[by_row[k]] < first + kBlockRows; ++k) {
      const std::size_t r = rows[by_row[k]] - first;
      order.push_back(by_row[k]);
      for (std::size_t c = 0; c < block.columns().size(); ++c) out.columns()[c].append_row_of(block.columns()[c], r);
    }
  }
  // Back to the requested order.
  std::vector<std::size_t> position(rows.size());
  for (std::size_t g = 0; g < order.size(); ++g) position[order[g]] = g;
  for (Column& c : out.columns()) {
    auto reorder = [&](auto& values) {
      auto copy = values;
      for (std::size_t i = 0; i < rows.size(); ++i) values[i] = copy[position[i]];
    };
    switch (c.kind) {
      case ColumnKind::Number: reorder(c.numbers); break;
      case ColumnKind::Integer: reorder(c.integers); break;
      case ColumnKind::Flag: reorder(c.flags); break;
      case ColumnKind::Text: reorder(c.texts); break;
    }
  }
  return out;
}

// Greedy diverse picking down the ordered candidates: a molecule is kept when its Tanimoto
// similarity to every kept one is at most `threshold`. Fingerprints are made from the stored
// SMILES, a batch at a time, only as far down the list as needed.
std::vector<std::uint64_t> diversify(const hdf5::File& file, const std::string& group,
                                     const std::vector<std::uint64_t>& ordered, double threshold, std::size_t wanted) {
  const models::MoleculeFeaturizer featurizer(chem::FeaturizerOptions{}.fingerprints_only());
  std::vector<std::uint64_t> kept;
  std::vector<std::vector<std::uint64_t>> kept_fps;
  constexpr std::size_t kBatch = 512;
  for (std::size_t start = 0; start < ordered.size() && (wanted == 0 || kept.size() < wanted); start += kBatch) {
    std::vector<chem::InputRecord> records;
    const std::size_t end = std::min(ordered.size(), start + kBatch);
    const ResultTable batch =
        gather_rows(file, group, std::vector<std::uint64_t>(ordered.begin() + start, ordered.begin() + end), {"smiles"});
    for (std::size_t k = start; k < end; ++k) {
      chem::InputRecord record;
      record.row = k;
      record.text = batch.at("smiles").texts[k - start];
      records.push_back(std::move(record));
    }
    const models::MoleculeSet set = featurizer.featurize(std::move(records));
    const unsigned words = set.fingerprint_words;
    for (std::size_t k = start; k < end && (wanted == 0 || kept.size() < wanted); ++k) {
      if (!set.valid(k - start)) continue;
      const std::uint64_t* fp = set.fingerprints.data() + (k - start) * words;
      const bool distinct = std::all_of(kept_fps.begin(), kept_fps.end(), [&](const auto& other) {
        return kernels::pair_similarity(kernels::Metric{}, fp, other.data(), words) <= threshold;
      });
      if (distinct) {
        kept.push_back(ordered[k]);
        kept_fps.emplace_back(fp, fp + words);
      }
    }
  }
  return kept;
}

}  // namespace

TableQueryResult run_table_query(const hdf5::File& file, const std::string& group, const TableQuery& query,
                                 const std::string& store) {
  if (query.diverse < 0 || query.diverse > 1) throw Error("--diverse: " + std::to_string(query.diverse) + " is not in [0, 1]");
  TableQueryResult result;
  bool ascending = false;
  if (!query.order_by.empty()) std::tie(result.order_column, ascending) = parse_order(query.order_by);
  std::unique_ptr<QueryExpression> where;
  if (!result.order_column.empty()) result.columns.push_back(result.order_column);
  if (!query.where.empty()) {
    where = std::make_unique<QueryExpression>(query.where);
    for (const auto& c : where->columns())
      if (std::find(result.columns.begin(), result.columns.end(), c) == result.columns.end()) result.columns.push_back(c);
  }
  const std::uint64_t rows = table_rows(file, group);
  const auto stored = table_columns(file, group);
  for (const auto& name : result.columns)
    if (std::none_of(stored.begin(), stored.end(), [&](const auto& c) { return c.first == name; })) {
      std::string known;
      for (const auto& c : stored) known += (known.empty() ? "" : ", ") + c.first;
      throw Error(store + ": no column '" + name + "' in " + group.substr(1) + " (columns: " + known + ")");
    }
  const ResultTable table = read_table(file, group, 0, rows, result.columns);
  std::vector<char> keep(rows, 1);
  if (where) keep = where->evaluate(table);
  if (query.skip_copies && std::any_of(stored.begin(), stored.end(), [](const auto& c) { return c.first == kDuplicateColumn; })) {
    const ResultTable copies = read_table(file, group, 0, rows, {kDuplicateColumn});
    const auto& duplicate = copies.at(kDuplicateColumn).flags;
    for (std::uint64_t i = 0; i < rows; ++i) keep[i] = keep[i] && duplicate[i] != 1;
  }
  std::vector<std::uint64_t> ordered;
  for (std::uint64_t i = 0; i < rows; ++i)
    if (keep[i]) ordered.push_back(i);
  if (!result.order_column.empty()) {
    const Column& key = table.at(result.order_column);
    if (key.kind == ColumnKind::Text) throw Error("--order-by: column '" + result.order_column + "' holds text");
    // Missing values last; ties by stored row.
    auto before = [&](std::uint64_t a, std::uint64_t b) {
      const double x = key.number(a), y = key.number(b);
      if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
      if (x != y && !std::isnan(x)) return ascending ? x < y : x > y;
      return a < b;
    };
    if (query.top > 0 && query.diverse == 0 && query.top < ordered.size()) {
      std::partial_sort(ordered.begin(), ordered.begin() + query.top, ordered.end(), before);
      ordered.resize(query.top);
    } else {
      std::sort(ordered.begin(), ordered.end(), before);
    }
  }
  if (query.diverse > 0) ordered = diversify(file, group, ordered, query.diverse, query.top);
  if (query.top > 0 && ordered.size() > query.top) ordered.resize(query.top);
  result.rows = gather_rows(file, group, ordered);
  return result;
}

}  // namespace molsieve::workflows
