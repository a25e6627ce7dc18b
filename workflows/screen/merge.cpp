#include "workflows/screen/merge.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"
#include "kernels/similarity_metric.h"

namespace molsieve::workflows {
namespace {

using ScoredRow = std::pair<double, std::uint64_t>;

// Best score first; ties by library row, so the order never depends on who computed what.
bool better(const ScoredRow& a, const ScoredRow& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
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
  std::vector<ScoredRow> scored;  // 16 bytes per scored molecule
  std::uint64_t rows = 0;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const ResultTable t = parts.read_results(c, {"valid", "passes_filters", "score"});
    const auto& score = t.at("score").numbers;
    for (std::uint64_t i = 0; i < t.rows(); ++i) {
      if (!std::isnan(score[i])) scored.emplace_back(score[i], rows + i);
      counts.valid += t.at("valid").flags[i] == 1;
      counts.passed_filters += t.at("passes_filters").flags[i] == 1;
    }
    rows += t.rows();
  }
  std::sort(scored.begin(), scored.end(), better);
  std::vector<std::int64_t> rank(rows, 0);
  for (std::size_t r = 0; r < scored.size(); ++r) rank[scored[r].second] = static_cast<std::int64_t>(r + 1);

  // Diverse selection: best first among the selectable rows (the union of the parts' pools
  // holds the best `pool` of them), skipping molecules too similar to one already kept.
  std::vector<ScoredRow> candidates;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> fingerprints;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const ChunkPool pool = parts.read_pool(c);
    for (std::size_t k = 0; k < pool.rows.size(); ++k) {
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
  counts.selection_rule = job.require_in_domain ? "scored and inside every affinity model's applicability domain"
                                                : "scored";

  ResultsWriter out(output);
  for (std::uint64_t c = 0, first = 0; c < chunks; ++c) {
    ResultTable t = parts.read_results(c);
    const std::uint64_t n = t.rows();
    t.add("rank", ColumnKind::Integer).integers.assign(rank.begin() + first, rank.begin() + first + n);
    t.add("selection_rank", ColumnKind::Integer)
        .integers.assign(selection_rank.begin() + first, selection_rank.begin() + first + n);
    out.append_results(t);
    first += n;
  }
  out.write_selection(selection, selection_score);
  out.write_score_terms(terms);
  out.write_provenance(provenance);
  out.commit(counts);
  return outcome;
}

}  // namespace molsieve::workflows
