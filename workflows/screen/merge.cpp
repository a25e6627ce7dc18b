#include "workflows/screen/merge.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "chem/library_store.h"
#include "core/error.h"
#include "kernels/similarity_metric.h"

namespace molsieve::workflows {
namespace {

using ScoredRow = std::pair<double, std::uint64_t>;

// Best score first; ties by library row, so the order never depends on who computed what.
bool better(const ScoredRow& a, const ScoredRow& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
}

// The copies of structures in the library: for each valid row, the first row (in library
// order) with the same standardized SMILES.
struct Copies {
  std::vector<std::int64_t> first;  // per row: the first occurrence, -1 for none
  std::unordered_map<std::uint64_t, std::string> ids;  // per first occurrence: its copies' ids
  std::int64_t count = 0;
};

// The library's own columns over every part: in the order they first appear, and whether
// every part read them as numbers.
struct InputColumns {
  std::vector<std::string> names;
  std::vector<bool> numeric;

  void add(const PartInputColumns& part) {
    for (const auto& name : part.names) {
      const bool is_numeric = std::find(part.numeric.begin(), part.numeric.end(), name) != part.numeric.end();
      const auto at = std::find(names.begin(), names.end(), name);
      if (at == names.end()) {
        names.push_back(name);
        numeric.push_back(is_numeric);
      } else {
        numeric[at - names.begin()] = numeric[at - names.begin()] && is_numeric;
      }
    }
  }
};

// Appends the copy columns of rows [first, first + n) to a part's table.
void add_copy_columns(ResultTable& t, const Copies& copies, std::uint64_t first) {
  const std::uint64_t n = t.rows();
  const auto& valid = t.at("valid").flags;
  auto& duplicate = t.add(kDuplicateColumn, ColumnKind::Flag).flags;
  auto& duplicate_of = t.add(kDuplicateOfColumn, ColumnKind::Integer).integers;
  auto& ids = t.add(kCopiesColumn, ColumnKind::Text).texts;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::int64_t of = copies.first[first + i];
    duplicate.push_back(valid[i] == 1 ? of >= 0 : -1);
    duplicate_of.push_back(of);
    const auto listed = copies.ids.find(first + i);
    ids.push_back(listed == copies.ids.end() ? std::string() : listed->second);
  }
}

// Appends the library's own columns of a part (`read`) under their stored names: every
// column of the library, as numbers where the whole column reads as numbers.
void add_input_columns(ResultTable& t, const ResultTable& read, const InputColumns& inputs,
                       const std::vector<std::string>& stored) {
  const std::size_t n = t.rows();
  for (std::size_t k = 0; k < inputs.names.size(); ++k) {
    const Column* from = read.find(inputs.names[k]);
    if (!inputs.numeric[k]) {
      t.add(stored[k], ColumnKind::Text).texts = from ? from->texts : std::vector<std::string>(n);
      continue;
    }
    auto& values = t.add(stored[k], ColumnKind::Number).numbers;
    values.assign(n, std::numeric_limits<double>::quiet_NaN());
    if (from)
      for (std::size_t i = 0; i < n; ++i) parse_input_number(from->texts[i], values[i]);
  }
}

}  // namespace

MergeOutcome merge_parts(const ScreenJob& job, const PartsFolder& parts, std::uint64_t chunks,
                         unsigned words, const std::vector<ScoreTerm>& terms,
                         const ResultsProvenance& provenance, const std::string& output) {
  for (std::uint64_t c = 0; c < chunks; ++c)
    if (!parts.has(c))
      throw Error(output + ": chunk " + std::to_string(c) + " has no part in " + parts.dir() +
                  " (run again with --resume to compute it)");
  MergeOutcome outcome;
  ResultsCounts& counts = outcome.counts;
  // Copies are ranked and selected through their first occurrence: only those are scored here.
  std::vector<ScoredRow> scored;  // 16 bytes per scored structure
  Copies copies;                  // 8 bytes per row, 16 per structure
  chem::StructureIndex structures;
  InputColumns inputs;
  std::uint64_t rows = 0;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const ResultTable t = parts.read_results(c, {"id", "smiles", "valid", "passes_filters", "score"});
    const auto& score = t.at("score").numbers;
    for (std::uint64_t i = 0; i < t.rows(); ++i) {
      const std::uint64_t row = rows + i;
      const bool valid = t.at("valid").flags[i] == 1;
      const std::int64_t first = valid ? structures.first_row(t.at("smiles").texts[i], static_cast<std::int64_t>(row)) : -1;
      copies.first.push_back(first);
      if (first >= 0) {
        std::string& ids = copies.ids[static_cast<std::uint64_t>(first)];
        ids += (ids.empty() ? "" : ";") + t.at("id").texts[i];
        ++copies.count;
      }
      if (!std::isnan(score[i])) {
        ++outcome.scored;
        if (first < 0) scored.emplace_back(score[i], row);
      }
      counts.valid += valid;
      counts.passed_filters += t.at("passes_filters").flags[i] == 1;
    }
    inputs.add(parts.read_input_columns(c));
    rows += t.rows();
  }
  std::sort(scored.begin(), scored.end(), better);
  std::vector<std::int64_t> rank(rows, 0);
  for (std::size_t r = 0; r < scored.size(); ++r) rank[scored[r].second] = static_cast<std::int64_t>(r + 1);
  for (std::uint64_t row = 0; row < rows; ++row)
    if (copies.first[row] >= 0) rank[row] = rank[copies.first[row]];

  // Diverse selection: best first among the selectable rows (the union of the parts' pools
  // holds the best `pool` of them), skipping copies and molecules too similar to one already kept.
  std::vector<ScoredRow> candidates;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> fingerprints;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const ChunkPool pool = parts.read_pool(c);
    for (std::size_t k = 0; k < pool.rows.size(); ++k) {
      if (copies.first[pool.rows[k]] >= 0) continue;
      candidates.emplace_back(scored[static_cast<std::size_t>(rank[pool.rows[k]] - 1)].first, pool.rows[k]);
      fingerprints[pool.rows[k]].assign(pool.fingerprints.begin() + k * words, pool.fingerprints.begin() + (k + 1) * words);
    }
  }
  std::sort(candidates.begin(), candidates.end(), better);
  const std::size_t pool = std::min<std::size_t>(job.pool, candidates.size());
  outcome.scored = scored.size();
  outcome.any_selectable = !candidates.empty();
  std::vector<std::int64_t> selection;
  std::vector<double> selection_score;
  for (std::size_t r = 0; r < pool && selection.size() < job.keep; ++r) {
    if (!(candidates[r].first > 0)) break;  // a zero desirability makes a molecule unacceptable
    const auto& fp = fingerprints.at(candidates[r].second);
    const bool distinct = job.diversity >= 1.0 ||
        std::all_of(selection.begin(), selection.end(), [&](std::int64_t kept) {
          return kernels::pair_similarity(kernels::Metric{}, fp.data(), fingerprints.at(kept).data(), words) <=
                 job.diversity;
        });
    if (distinct) {
      selection.push_back(static_cast<std::int64_t>(candidates[r].second));
      selection_score.push_back(candidates[r].first);
    }
  }
  std::vector<std::int64_t> selection_rank(rows, 0);
  for (std::size_t k = 0; k < selection.size(); ++k) selection_rank[selection[k]] = static_cast<std::int64_t>(k + 1);
  counts.rows = static_cast<std::int64_t>(rows);
  counts.selected = static_cast<std::int64_t>(selection.size());
  counts.copies = copies.count;
  counts.selection_rule = job.require_in_domain ? "scored and inside every affinity model's applicability domain"
                                                : "scored";

  ResultsWriter out(output);
  std::vector<std::string> stored_inputs;  // decided on the first part, whose columns every part has
  for (std::uint64_t c = 0, first = 0; c < chunks; ++c) {
    ResultTable t = parts.read_results(c);
    const std::uint64_t n = t.rows();
    t.add("rank", ColumnKind::Integer).integers.assign(rank.begin() + first, rank.begin() + first + n);
    t.add("selection_rank", ColumnKind::Integer)
        .integers.assign(selection_rank.begin() + first, selection_rank.begin() + first + n);
    add_copy_columns(t, copies, first);
    if (c == 0) {
      std::vector<std::string> molsieve_columns;
      for (const Column& column : t.columns()) molsieve_columns.push_back(column.name);
      stored_inputs = stored_input_names(inputs.names, molsieve_columns, output);
    }
    add_input_columns(t, parts.read_inputs(c), inputs, stored_inputs);
    out.append_results(t);
    first += n;
  }
  out.write_input_columns(stored_inputs, inputs.names);
  out.write_selection(selection, selection_score);
  out.write_score_terms(terms);
  out.write_provenance(provenance);
  out.commit(counts);
  return outcome;
}

}  // namespace molsieve::workflows
