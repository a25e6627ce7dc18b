#include "workflows/screen/merge.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <unordered_map>

#include <filesystem>

#include "chem/library_store.h"
#include "core/error.h"
#include "kernels/similarity_metric.h"
#include "workflows/screen/shards.h"

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


// What a merge reads, piece by piece in library order: the chunks' parts of one screen, or
// blocks of rows of a campaign's shard stores.
class Pieces {
 public:
  virtual ~Pieces() = default;
  virtual std::uint64_t count() const = 0;
  // id, smiles, valid, passes_filters and score of the piece's rows.
  virtual ResultTable keys(std::uint64_t piece) const = 0;
  // The piece's candidates for the selection (its best `pool` selectable rows), as library rows.
  virtual ChunkPool pool(std::uint64_t piece) const = 0;
  virtual PartInputColumns input_columns(std::uint64_t piece) const = 0;
  // The columns a chunk computes (rows numbered in the whole library), without the merge's.
  virtual ResultTable results(std::uint64_t piece) const = 0;
  // Appends the piece's library columns, read by the last results(), under their stored names.
  virtual void add_inputs(ResultTable& t, std::uint64_t piece, const InputColumns& inputs,
                          const std::vector<std::string>& stored) const = 0;
};

struct SelectionRule {
  std::size_t keep = 0;
  std::size_t pool = 0;
  double diversity = 1;
  std::string text;  // which scored rows the selection could take
};

const std::vector<std::string>& key_columns() {
  static const std::vector<std::string> keys = {"id", "smiles", "valid", "passes_filters", "score"};
  return keys;
}

MergeOutcome merge(const Pieces& pieces, const SelectionRule& rule, unsigned words, const std::vector<ScoreTerm>& terms,
                   const ResultsProvenance& provenance, const std::string& output) {
  MergeOutcome outcome;
  ResultsCounts& counts = outcome.counts;
  // Copies are ranked and selected through their first occurrence: only those are scored here.
  std::vector<ScoredRow> scored;  // 16 bytes per scored structure
  Copies copies;                  // 8 bytes per row, 16 per structure
  chem::StructureIndex structures;
  InputColumns inputs;
  std::uint64_t rows = 0;
  for (std::uint64_t c = 0; c < pieces.count(); ++c) {
    const ResultTable t = pieces.keys(c);
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
    inputs.add(pieces.input_columns(c));
    rows += t.rows();
  }
  std::sort(scored.begin(), scored.end(), better);
  std::vector<std::int64_t> rank(rows, 0);
  for (std::size_t r = 0; r < scored.size(); ++r) rank[scored[r].second] = static_cast<std::int64_t>(r + 1);
  for (std::uint64_t row = 0; row < rows; ++row)
    if (copies.first[row] >= 0) rank[row] = rank[copies.first[row]];

  // Diverse selection: best first among the selectable rows (the union of the pieces' pools
  // holds the best `pool` of them), skipping copies and molecules too similar to one already kept.
  // A copy in a piece's pool stands for its first occurrence, which scores the same from an
  // earlier row: it too is in the union, or its own piece kept `pool` better ones. So copies
  // never push a row of the best `pool` out of the union, whether the pieces are chunks or shards.
  std::vector<ScoredRow> candidates;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> fingerprints;
  for (std::uint64_t c = 0; c < pieces.count(); ++c) {
    const ChunkPool pool = pieces.pool(c);
    for (std::size_t k = 0; k < pool.rows.size(); ++k) {
      if (copies.first[pool.rows[k]] >= 0) continue;
      candidates.emplace_back(scored[static_cast<std::size_t>(rank[pool.rows[k]] - 1)].first, pool.rows[k]);
      fingerprints[pool.rows[k]].assign(pool.fingerprints.begin() + k * words, pool.fingerprints.begin() + (k + 1) * words);
    }
  }
  std::sort(candidates.begin(), candidates.end(), better);
  const std::size_t pool = std::min<std::size_t>(rule.pool, candidates.size());
  outcome.scored = scored.size();
  outcome.any_selectable = !candidates.empty();
  std::vector<std::int64_t> selection;
  std::vector<double> selection_score;
  for (std::size_t r = 0; r < pool && selection.size() < rule.keep; ++r) {
    if (!(candidates[r].first > 0)) break;  // a zero desirability makes a molecule unacceptable
    const auto& fp = fingerprints.at(candidates[r].second);
    const bool distinct = rule.diversity >= 1.0 ||
        std::all_of(selection.begin(), selection.end(), [&](std::int64_t kept) {
          return kernels::pair_similarity(kernels::Metric{}, fp.data(), fingerprints.at(kept).data(), words) <=
                 rule.diversity;
        });
    if (distinct) {
      selection.push_back(static_cast<std::int64_t>(candidates[r].second));
      selection_score.push_back(candidates[r].first);
    }
  }
  SelectionPool kept{{}, {}, words, rule.keep, rule.pool, rule.diversity};
  for (std::size_t r = 0; r < pool; ++r) {
    kept.rows.push_back(candidates[r].second);
    const auto& fp = fingerprints.at(candidates[r].second);
    kept.fingerprints.insert(kept.fingerprints.end(), fp.begin(), fp.end());
  }
  std::vector<std::int64_t> selection_rank(rows, 0);
  for (std::size_t k = 0; k < selection.size(); ++k) selection_rank[selection[k]] = static_cast<std::int64_t>(k + 1);
  counts.rows = static_cast<std::int64_t>(rows);
  counts.selected = static_cast<std::int64_t>(selection.size());
  counts.copies = copies.count;
  counts.selection_rule = rule.text;

  ResultsWriter out(output);
  std::vector<std::string> stored_inputs;  // decided on the first piece, whose columns every piece has
  for (std::uint64_t c = 0, first = 0; c < pieces.count(); ++c) {
    ResultTable t = pieces.results(c);
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
    pieces.add_inputs(t, c, inputs, stored_inputs);
    out.append_results(t);
    first += n;
  }
  out.write_input_columns(stored_inputs, inputs.names);
  out.write_selection(selection, selection_score);
  out.write_pool(kept);
  out.write_score_terms(terms);
  out.write_provenance(provenance);
  out.commit(counts);
  return outcome;
}

class PartPieces : public Pieces {
 public:
  PartPieces(const PartsFolder& parts, std::uint64_t chunks) : parts_(parts), chunks_(chunks) {}
  std::uint64_t count() const override { return chunks_; }
  ResultTable keys(std::uint64_t c) const override { return parts_.read_results(c, key_columns()); }
  ChunkPool pool(std::uint64_t c) const override { return parts_.read_pool(c); }
  PartInputColumns input_columns(std::uint64_t c) const override { return parts_.read_input_columns(c); }
  ResultTable results(std::uint64_t c) const override { return parts_.read_results(c); }
  void add_inputs(ResultTable& t, std::uint64_t c, const InputColumns& inputs,
                  const std::vector<std::string>& stored) const override {
    add_input_columns(t, parts_.read_inputs(c), inputs, stored);
  }

 private:
  const PartsFolder& parts_;
  std::uint64_t chunks_;
};

// The shard stores of a campaign, in shard order, read in blocks of rows.
class ShardPieces : public Pieces {
 public:
  static constexpr std::uint64_t kBlockRows = 1 << 18;

  explicit ShardPieces(const std::vector<std::pair<std::string, std::uint64_t>>& stores) {
    for (const auto& [path, first_row] : stores) {
      stores_.push_back(std::make_unique<ResultsStore>(path));
      const ResultsStore& store = *stores_.back();
      const std::size_t s = stores_.size() - 1;
      for (std::uint64_t first = 0; first == 0 || first < store.rows(); first += kBlockRows)
        blocks_.push_back({s, first, std::min(kBlockRows, store.rows() - first), first_row});
      const std::vector<std::string> stored = store.input_columns();
      PartInputColumns columns;
      columns.names = store.input_column_sources();
      std::vector<std::pair<std::string, ColumnKind>> kinds = store.columns();
      for (std::size_t k = 0; k < stored.size(); ++k)
        for (const auto& [name, kind] : kinds)
          if (name == stored[k] && kind == ColumnKind::Number) columns.numeric.push_back(columns.names[k]);
      inputs_.push_back(columns);
    }
  }
  std::uint64_t count() const override { return blocks_.size(); }
  ResultTable keys(std::uint64_t b) const override { return read(b, key_columns()); }
  ChunkPool pool(std::uint64_t b) const override {
    ChunkPool out;
    if (blocks_[b].first != 0) return out;  // a store's pool comes with its first block
    SelectionPool pool = stores_[blocks_[b].store]->pool();
    for (std::uint64_t& row : pool.rows) row += blocks_[b].library_row;
    out.rows = std::move(pool.rows);
    out.fingerprints = std::move(pool.fingerprints);
    return out;
  }
  PartInputColumns input_columns(std::uint64_t b) const override { return inputs_[blocks_[b].store]; }
  ResultTable results(std::uint64_t b) const override {
    const ResultsStore& store = *stores_[blocks_[b].store];
    const std::vector<std::string> stored = store.input_columns();
    std::vector<std::string> computed;
    for (const auto& [name, kind] : store.columns())
      if (!merge_column(name) && std::find(stored.begin(), stored.end(), name) == stored.end()) computed.push_back(name);
    ResultTable t = read(b, computed);
    for (std::int64_t& index : t.find("index")->integers) index += static_cast<std::int64_t>(blocks_[b].library_row);
    last_inputs_ = stored.empty() ? ResultTable() : read(b, stored);
    return t;
  }
  void add_inputs(ResultTable& t, std::uint64_t b, const InputColumns& inputs,
                  const std::vector<std::string>& stored) const override {
    const ResultsStore& store = *stores_[blocks_[b].store];
    const std::vector<std::string> sources = store.input_column_sources(), names = store.input_columns();
    for (std::size_t k = 0; k < inputs.names.size(); ++k) {
      const auto at = std::find(sources.begin(), sources.end(), inputs.names[k]);
      const Column* from = at == sources.end() ? nullptr : last_inputs_.find(names[at - sources.begin()]);
      const ColumnKind kind = inputs.numeric[k] ? ColumnKind::Number : ColumnKind::Text;
      if (from && from->kind != kind)
        throw Error(store.path() + ": the library column '" + inputs.names[k] +
                    "' reads as numbers in some shards but not in others; the merge keeps no text for its numbers");
      Column& column = t.add(stored[k], kind);
      if (from) {
        column.numbers = from->numbers;
        column.texts = from->texts;
      } else if (kind == ColumnKind::Number) {
        column.numbers.assign(t.rows(), std::numeric_limits<double>::quiet_NaN());
      } else {
        column.texts.assign(t.rows(), std::string());
      }
    }
  }

 private:
  struct Block {
    std::size_t store;
    std::uint64_t first, rows;
    std::uint64_t library_row;  // the store's first row in the whole library
  };
  // The columns every merge writes anew.
  static bool merge_column(const std::string& name) {
    return name == "rank" || name == "selection_rank" || name == kDuplicateColumn || name == kDuplicateOfColumn ||
           name == kCopiesColumn;
  }
  ResultTable read(std::uint64_t b, const std::vector<std::string>& names) const {
    return stores_[blocks_[b].store]->read(blocks_[b].first, blocks_[b].rows, names);
  }

  std::vector<std::unique_ptr<ResultsStore>> stores_;
  std::vector<Block> blocks_;
  std::vector<PartInputColumns> inputs_;
  mutable ResultTable last_inputs_;
};

std::string selection_rule_text(bool require_in_domain) {
  return require_in_domain ? "scored and inside the applicability domain of every model it is ranked by (affinity and property terms)" : "scored";
}

}  // namespace

MergeOutcome merge_parts(const ScreenJob& job, const PartsFolder& parts, std::uint64_t chunks,
                         unsigned words, const std::vector<ScoreTerm>& terms,
                         const ResultsProvenance& provenance, const std::string& output) {
  for (std::uint64_t c = 0; c < chunks; ++c)
    if (!parts.has(c))
      throw Error(output + ": chunk " + std::to_string(c) + " has no part in " + parts.dir() +
                  " (run again with --resume to compute it)");
  const SelectionRule rule{job.keep, job.pool, job.diversity, selection_rule_text(job.require_in_domain)};
  return merge(PartPieces(parts, chunks), rule, words, terms, provenance, output);
}

MergeOutcome merge_shard_stores(const std::vector<std::string>& stores, const std::string& manifest_path,
                                const std::string& output) {
  if (stores.empty()) throw Error("merge: no results stores given");
  std::vector<ResultsProvenance> provenance;
  for (const std::string& path : stores) provenance.push_back(ResultsStore(path).provenance());
  std::string where = manifest_path;
  if (where.empty()) {
    if (provenance[0].library.size() != 1)
      throw Error(stores[0] + ": screened " + std::to_string(provenance[0].library.size()) +
                  " library inputs, not one shard's library store");
    where = (std::filesystem::path(provenance[0].library[0]).parent_path() / "manifest.json").string();
  }
  const ShardManifest manifest = read_shard_manifest(where);
  std::vector<int> store_of(manifest.shards.size(), -1);
  for (std::size_t k = 0; k < stores.size(); ++k) {
    const ResultsProvenance& p = provenance[k];
    if (p.campaign_sha256.empty())
      throw Error(stores[k] + ": records no campaign fingerprint (written before shards existed); screen it again");
    if (p.campaign_sha256 != provenance[0].campaign_sha256)
      throw Error(stores[k] + ": made by another job than " + stores[0] +
                  " (their job files, models or references differ); a campaign merges the screens of one job");
    const int shard = p.library_sha256.size() == 1 ? manifest.find(p.library_sha256[0]) : -1;
    if (shard < 0)
      throw Error(stores[k] + ": its library (" + (p.library.empty() ? std::string("none") : p.library[0]) +
                  ") is no shard of " + manifest.path);
    if (store_of[shard] >= 0)
      throw Error(stores[k] + " and " + stores[store_of[shard]] + " are both screens of " + manifest.describe(shard) +
                  "; give one store per shard");
    store_of[shard] = static_cast<int>(k);
  }
  std::string missing;
  for (std::size_t s = 0; s < manifest.shards.size(); ++s)
    if (store_of[s] < 0) missing += (missing.empty() ? "" : ", ") + manifest.describe(s);
  if (!missing.empty())
    throw Error(output + ": no results store for " + missing + " of " + manifest.path +
                "; screen the missing shards (submit --array --resume reruns only those) and merge again");

  std::vector<std::pair<std::string, std::uint64_t>> ordered;
  for (std::size_t s = 0; s < manifest.shards.size(); ++s)
    ordered.emplace_back(stores[store_of[s]], manifest.shards[s].first_row);
  const ResultsStore first(ordered[0].first);
  const SelectionPool pool = first.pool();
  // The selection's parameters travel with the store's pool.
  const SelectionRule rule{pool.keep, pool.size, pool.diversity, first.counts().selection_rule};
  ResultsProvenance merged = first.provenance();
  merged.library = {manifest.source};
  merged.library_sha256 = {manifest.source_sha256};
  merged.job_sha256 = job_digest(merged.campaign_sha256, merged.library_sha256);
  return merge(ShardPieces(ordered), rule, pool.words, first.score_terms(), merged, output);
}

}  // namespace molsieve::workflows
