// molsieve query: filter, order, take the top, diversify and export a results store.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <optional>
#include <tuple>

#include "core/csv_writer.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "kernels/similarity_metric.h"
#include "models/molecule_set.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/search_options.h"
#include "workflows/cohort_job/cohort_selection.h"
#include "workflows/results/export.h"
#include "workflows/results/query_expression.h"
#include "workflows/results/result_table.h"
#include "workflows/results/results_store.h"
#include "workflows/cli/common_options.h"

namespace molsieve::workflows {
namespace {

struct QueryValues {
  std::string store;
  std::size_t top = 0;
  std::string where;
  std::string order_by;  // default: score for screening results, stored order for cohort tables
  std::string table;
  bool exact_counts = false;
  double diverse = 0;
  std::string format = "table";
  std::string output;
  bool overwrite = false;
  bool quiet = false;
};

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
      for (std::size_t c = 0; c < block.columns().size(); ++c) {
        const Column& from = block.columns()[c];
        Column& to = out.columns()[c];
        switch (from.kind) {
          case ColumnKind::Number: to.numbers.push_back(from.numbers[r]); break;
          case ColumnKind::Integer: to.integers.push_back(from.integers[r]); break;
          case ColumnKind::Flag: to.flags.push_back(from.flags[r]); break;
          case ColumnKind::Text: to.texts.push_back(from.texts[r]); break;
        }
      }
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
std::vector<std::uint64_t> diversify(const hdf5::File& file, const std::vector<std::uint64_t>& ordered,
                                     double threshold, std::size_t wanted) {
  const models::MoleculeFeaturizer featurizer(chem::FeaturizerOptions{}.fingerprints_only());
  std::vector<std::uint64_t> kept;
  std::vector<std::vector<std::uint64_t>> kept_fps;
  constexpr std::size_t kBatch = 512;
  for (std::size_t start = 0; start < ordered.size() && (wanted == 0 || kept.size() < wanted); start += kBatch) {
    std::vector<chem::InputRecord> records;
    const std::size_t end = std::min(ordered.size(), start + kBatch);
    const ResultTable batch =
        gather_rows(file, ResultsStore::results_group(), std::vector<std::uint64_t>(ordered.begin() + start, ordered.begin() + end), {"smiles"});
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

// Patient counts from 1 to 4 become "<5" (small cells identify people): the count columns a
// cohort table names in its `counts` attribute turn into text.
void suppress_small_counts(const hdf5::File& file, const std::string& group, ResultTable& t) {
  if (!file.has_attribute(group, "counts")) return;
  for (const auto& name : file.string_list_attribute(group, "counts")) {
    auto column = std::find_if(t.columns().begin(), t.columns().end(), [&](const Column& c) { return c.name == name; });
    if (column == t.columns().end() || column->kind != ColumnKind::Integer) continue;
    for (std::int64_t n : column->integers) column->texts.push_back(suppressed_count(static_cast<std::uint64_t>(n)));
    column->integers.clear();
    column->kind = ColumnKind::Text;
  }
}

void run(const QueryValues& v) {
  if (!v.output.empty()) refuse_existing_outputs({v.output}, v.overwrite);
  if (v.format != "table" && v.format != "csv" && v.format != "sdf" && v.format != "json")
    throw Error("--format: unknown format '" + v.format + "' (table, csv, sdf or json)");
  if (v.diverse < 0 || v.diverse > 1) throw Error("--diverse: " + std::to_string(v.diverse) + " is not in [0, 1]");
  const bool screening = !is_cohort_store(v.store);
  std::string group = ResultsStore::results_group();
  if (screening) {
    if (!v.table.empty() && v.table != "results")
      throw Error("--table: a results store has one table, results (cohort, attrition and strata are in cohort stores)");
  } else {
    const std::string table = v.table.empty() ? "cohort" : v.table;
    if (table != "cohort" && table != "attrition" && table != "strata")
      throw Error("--table: '" + table + "' is not cohort, attrition or strata");
    if (v.diverse > 0 || v.format == "sdf") throw Error(v.store + ": a cohort store holds patients, not molecules (no --diverse, no sdf)");
    group = "/" + table;
  }
  std::optional<ResultsStore> results;
  std::optional<hdf5::File> cohort_store;
  if (screening) {
    results.emplace(v.store);
  } else {
    cohort_store.emplace(v.store, hdf5::File::Mode::ReadOnly);
    if (!cohort_store->has_attribute("/", "complete") || cohort_store->int_attribute("/", "complete") != 1)
      throw Error(v.store + ": the cohort store is incomplete");
  }
  const hdf5::File& file = screening ? results->file() : *cohort_store;

  const std::string order_by = v.order_by.empty() && screening ? "score" : v.order_by;
  std::string order_column;
  bool ascending = false;
  if (!order_by.empty()) std::tie(order_column, ascending) = parse_order(order_by);
  std::unique_ptr<QueryExpression> where;
  std::vector<std::string> needed;
  if (!order_column.empty()) needed.push_back(order_column);
  if (!v.where.empty()) {
    where = std::make_unique<QueryExpression>(v.where);
    for (const auto& c : where->columns())
      if (std::find(needed.begin(), needed.end(), c) == needed.end()) needed.push_back(c);
  }
  const std::uint64_t rows = table_rows(file, group);
  const auto stored = table_columns(file, group);
  for (const auto& name : needed)
    if (std::none_of(stored.begin(), stored.end(), [&](const auto& c) { return c.first == name; })) {
      std::string known;
      for (const auto& c : stored) known += (known.empty() ? "" : ", ") + c.first;
      throw Error(v.store + ": no column '" + name + "' in " + group.substr(1) + " (columns: " + known + ")");
    }
  const ResultTable table = read_table(file, group, 0, rows, needed);
  std::vector<char> keep(rows, 1);
  if (where) keep = where->evaluate(table);
  std::vector<std::uint64_t> ordered;
  for (std::uint64_t i = 0; i < rows; ++i)
    if (keep[i]) ordered.push_back(i);
  if (!order_column.empty()) {
    const Column& key = table.at(order_column);
    if (key.kind == ColumnKind::Text) throw Error("--order-by: column '" + order_column + "' holds text");
    // Missing values last; ties by stored row.
    auto before = [&](std::uint64_t a, std::uint64_t b) {
      const double x = key.number(a), y = key.number(b);
      if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
      if (x != y && !std::isnan(x)) return ascending ? x < y : x > y;
      return a < b;
    };
    if (v.top > 0 && v.diverse == 0 && v.top < ordered.size()) {
      std::partial_sort(ordered.begin(), ordered.begin() + v.top, ordered.end(), before);
      ordered.resize(v.top);
    } else {
      std::sort(ordered.begin(), ordered.end(), before);
    }
  }
  if (v.diverse > 0) ordered = diversify(file, ordered, v.diverse, v.top);
  if (v.top > 0 && ordered.size() > v.top) ordered.resize(v.top);

  ResultTable selected = gather_rows(file, group, ordered);
  if (!screening && !v.exact_counts) suppress_small_counts(file, group, selected);
  if (v.format == "csv") {
    write_results_csv(v.output.empty() ? "-" : v.output, selected, screening);
  } else if (v.format == "json") {
    write_whole_file(v.output, results_json(selected, screening));
  } else if (v.format == "sdf") {
    write_whole_file(v.output, results_sdf(selected));
  } else {
    std::vector<std::string> extra;
    if (!order_column.empty() && order_column != "score") extra.push_back(order_column);
    if (where)
      for (const auto& c : where->columns()) extra.push_back(c);
    write_whole_file(v.output,
                     results_text_table(selected, extra, screening, screening ? results->score_terms() : std::vector<ScoreTerm>{}));
  }
  if (ordered.empty() && !v.quiet) std::fprintf(stderr, "query: no rows match\n");
}

}  // namespace

void add_query_command(CLI::App& app) {
  auto values = std::make_shared<QueryValues>();
  CLI::App* c = app.add_subcommand(
      "query",
      "Filter, order, diversify and export a results store (--where 'pIC50 > 7 and tox21_max < 0.3 and not pains') "
      "or a cohort store's cohort, attrition and strata tables");
  c->add_option("store", values->store, "Results store (.h5) from molsieve screen, or cohort store from molsieve cohort")
      ->required();
  c->add_option("--table", values->table, "Cohort stores: cohort (default), attrition or strata");
  c->add_flag("--exact-counts", values->exact_counts,
              "Cohort stores: show patient counts from 1 to 4 as they are (by default they read <5)");
  c->add_option("--top", values->top, "Keep the first N rows after ordering (0: all)")->capture_default_str();
  c->add_option("--where", values->where,
                "Filter: comparisons (< <= > >= == !=) of columns with numbers or 'strings', and/or/not, "
                "parentheses; a bare column is true when non-zero");
  c->add_option("--order-by", values->order_by,
                "Column to order by, descending; COL:asc for ascending (default: score for screening results, "
                "stored order for cohort tables)");
  c->add_option("--diverse", values->diverse,
                "Keep only molecules whose Tanimoto similarity to every better-ranked kept one is at most T")
      ->capture_default_str();
  c->add_option("--format", values->format, "table, csv, sdf or json")->capture_default_str();
  c->add_option("-o,--output", values->output, "File to write (default: standard output)");
  add_overwrite_flag(*c, values->overwrite);
  add_quiet_flag(*c, values->quiet, "No notice on stderr when no row matches");
  c->callback([values] { run(*values); });
}

}  // namespace molsieve::workflows
