// molsieve query: filter, order, take the top, diversify and export a results store.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "core/csv_writer.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cohort_job/cohort_selection.h"
#include "workflows/cohort_job/cohort_tables.h"
#include "workflows/results/export.h"
#include "workflows/results/query.h"
#include "workflows/results/result_table.h"
#include "workflows/results/results_store.h"

namespace molsieve::workflows {
namespace {

struct QueryValues {
  std::string store;
  std::size_t top = 0;
  std::string where;
  std::string order_by;  // default: score for screening results, stored order for cohort tables
  std::string table;
  bool exact_counts = false;
  bool all_copies = false;
  double diverse = 0;
  std::string format = "table";
  std::string output;
  bool overwrite = false;
  bool quiet = false;
};

void run(const QueryValues& v) {
  if (!v.output.empty()) refuse_existing_outputs({v.output}, v.overwrite);
  if (v.format != "table" && v.format != "csv" && v.format != "sdf" && v.format != "json")
    throw Error("--format: unknown format '" + v.format + "' (table, csv, sdf or json)");
  const bool screening = !is_cohort_store(v.store);
  TableQuery query;
  query.where = v.where;
  query.order_by = v.order_by.empty() && screening ? "score" : v.order_by;
  query.top = v.top;
  query.diverse = v.diverse;
  query.skip_copies = screening && !v.all_copies;
  std::optional<ResultsStore> results;
  TableQueryResult found;
  if (screening) {
    if (!v.table.empty() && v.table != "results")
      throw Error("--table: a results store has one table, results (cohort, attrition, strata, patients and "
                  "characterization are in cohort stores)");
    results.emplace(v.store);
    found = run_table_query(results->file(), ResultsStore::results_group(), query, v.store);
  } else {
    const std::string table = v.table.empty() ? "cohort" : v.table;
    check_cohort_table(table);
    if (v.format == "sdf") throw Error(v.store + ": a cohort store holds patients, not molecules (no --diverse, no sdf)");
    found = query_cohort_table(v.store, table, query, v.exact_counts);
    if (is_patient_level_table(table))  // said even with -q: it is about the data, not progress
      std::fprintf(stderr, "%s: the %s table is patient-level data (one row per patient, person ids): not for sharing\n",
                   v.store.c_str(), table.c_str());
  }
  ResultTable& selected = found.rows;
  if (v.format == "csv") {
    write_results_csv(v.output.empty() ? "-" : v.output, selected, screening);
  } else if (v.format == "json") {
    write_whole_file(v.output, results_json(selected, screening));
  } else if (v.format == "sdf") {
    write_whole_file(v.output, results_sdf(selected));
  } else {
    std::vector<std::string> extra;
    for (const auto& c : found.columns)
      if (c != "score") extra.push_back(c);
    if (screening) {
      const std::vector<std::string> inputs = results->input_columns();
      extra.insert(extra.end(), inputs.begin(), inputs.end());
      const Column* copies = selected.find(kCopiesColumn);
      if (copies && std::any_of(copies->texts.begin(), copies->texts.end(), [](const auto& t) { return !t.empty(); }))
        extra.push_back(kCopiesColumn);
    }
    write_whole_file(v.output,
                     results_text_table(selected, extra, screening, screening ? results->score_terms() : std::vector<ScoreTerm>{}));
  }
  if (selected.rows() == 0 && !v.quiet) std::fprintf(stderr, "query: no rows match\n");
}

}  // namespace

void add_query_command(CLI::App& app) {
  auto values = std::make_shared<QueryValues>();
  CLI::App* c = app.add_subcommand(
      "query",
      "Filter, order, diversify and export a results store (--where 'pIC50 > 7 and tox21_max < 0.3 and not pains') "
      "or a cohort store's cohort, attrition, strata, patients and characterization tables");
  c->add_option("store", values->store, "Results store (.h5) from molsieve screen, or cohort store from molsieve cohort")
      ->required();
  c->add_option("--table", values->table, "Cohort stores: cohort (default), attrition, strata, patients or characterization");
  c->add_flag("--exact-counts", values->exact_counts,
              "Cohort stores: show every count of the attrition, strata and characterization tables as it is, and "
              "allow --where and --order-by on them (by default small counts and those that would give them away read 'suppressed'); "
              "the output's counts column says 'exact'");
  c->add_flag("--all-copies", values->all_copies,
              "Screening results: list every copy of a structure (by default a structure shows once, at its first "
              "occurrence, with its copies' ids in the copies column)");
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
