// molsieve what-if and export-cohort: work on a finished cohort store (docs/cohorts.md).
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <numeric>

#include "core/csv_writer.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cohort_job/cohort_selection.h"
#include "workflows/cohort_job/what_if.h"
#include "workflows/results/result_table.h"

namespace molsieve::workflows {
namespace {

struct WhatIfValues {
  std::string store;
  std::vector<std::string> disable, enable;
  double solver_seconds = 60;
  bool exact_counts = false;
  bool quiet = false;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The what-if run's shared counts. With nothing switched the run is the stored one: its counts
// are shown as the store's outputs show them (one plan), characterization included.
CountPlan what_if_plan(const WhatIfValues& v, const CohortOutcome& shown, std::uint64_t requested) {
  if (v.disable.empty() && v.enable.empty())
    return CountPlan(read_cohort_counts(hdf5::File(v.store, hdf5::File::Mode::ReadOnly)), v.exact_counts);
  return CountPlan(cohort_counts(shown, requested), v.exact_counts);
}

// The attrition and the selection on stdout, counts as the run's CountPlan shows them;
// warnings and timings on stderr.
void run_what_if(const WhatIfValues& v) {
  const auto started = std::chrono::steady_clock::now();
  const StoredOutcomes stored = read_stored_outcomes(v.store);
  const double read = seconds_since(started);
  const auto evaluated = std::chrono::steady_clock::now();
  cohort::SelectionOptions options;
  options.solver_seconds = v.solver_seconds;
  const WhatIfOutcome o = what_if(stored, v.disable, v.enable, options);
  const double seconds = seconds_since(evaluated);
  CohortOutcome shown;
  shown.attrition = o.attrition;
  shown.eligible = o.eligible;
  shown.chosen = o.chosen;
  shown.selection = o.selection;
  shown.strata = strata_of(o.eligible_by_category, shown);
  const CountPlan plan = what_if_plan(v, shown, stored.size);
  if (plan.exact()) std::printf("EXACT COUNTS (--exact-counts): counts from 1 to 4 are shown; not for sharing\n");
  std::printf("%-4s %-58s %10s %10s %12s\n", "step", "criterion", "remaining", "removed", "alone");
  for (std::size_t k = 0; k < o.attrition.size(); ++k) {
    const auto& s = o.attrition[k];
    std::string name = s.name.size() > 58 ? s.name.substr(0, 55) + "..." : s.name;
    std::printf("%-4zu %-58s %10s %10s %12s%s\n", k, name.c_str(), plan.attrition(k, 0).c_str(),
                plan.attrition(k, 1).c_str(), plan.attrition(k, 2).c_str(), s.applied ? "" : "  (not applied)");
  }
  std::printf("selected %s of %s eligible (requested %llu); total score %.6g; %s\n", plan.selected().c_str(),
              plan.eligible().c_str(), static_cast<unsigned long long>(stored.size), o.selection.total_score,
              o.selection.solver.c_str());
  for (const auto& w : cohort_warnings(shown, plan)) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (!v.quiet)
    std::fprintf(stderr, "read %zu patients in %.3f s; re-evaluated and selected in %.3f s\n", stored.patients.size(),
                 read, seconds);
}

struct ExportValues {
  std::string store, output, end = "observation";
  std::int64_t definition_id = 0;
  bool overwrite = false;
  bool quiet = false;
};

// The OMOP CDM `cohort` table of the selected patients, in rank order.
void run_export(const ExportValues& v) {
  if (v.end != "observation" && v.end != "index")
    throw Error("--end: '" + v.end + "' is not observation or index");
  refuse_existing_outputs({v.output}, v.overwrite);
  if (!is_cohort_store(v.store)) throw Error(v.store + ": not a cohort store");
  const hdf5::File file(v.store, hdf5::File::Mode::ReadOnly);
  if (!file.exists("/patients")) throw Error(v.store + ": has no /patients table (written by an older molsieve)");
  const ResultTable p = read_table(file, "/patients", 0, table_rows(file, "/patients"),
                                   {"person_id", "rank", "index_date", "observation_end"});
  const auto& rank = p.at("rank").integers;
  std::vector<std::size_t> selected;
  for (std::size_t i = 0; i < p.rows(); ++i)
    if (rank[i] > 0) selected.push_back(i);
  std::sort(selected.begin(), selected.end(), [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });
  // Person ids are patient-level data: the file is readable by its owner only, as the cohort
  // store is (the mask applies while the file is created, so it is never readable by others).
  const mode_t mask = umask(077);
  CsvWriter csv(v.output, {"cohort_definition_id", "subject_id", "cohort_start_date", "cohort_end_date"});
  umask(mask);
  for (std::size_t i : selected) {
    csv.field(std::to_string(v.definition_id)).field(std::to_string(p.at("person_id").integers[i]));
    csv.field(p.at("index_date").texts[i]).field(p.at(v.end == "index" ? "index_date" : "observation_end").texts[i]);
    csv.end_row();
  }
  csv.close();
  if (!v.quiet)
    std::fprintf(stderr, "export-cohort: wrote %zu selected patients to %s (patient-level data, mode 0600)\n",
                 selected.size(), v.output.c_str());
}

}  // namespace

void add_cohort_store_commands(CLI::App& app) {
  auto w = std::make_shared<WhatIfValues>();
  CLI::App* c = app.add_subcommand(
      "what-if",
      "Re-evaluate a cohort store's attrition and selection with rules switched off or on, from the stored rule "
      "outcomes (needs a store written with cohort --keep-all-indexed; the population is not read)");
  c->add_option("store", w->store, "Cohort store (.h5) from molsieve cohort --keep-all-indexed")->required();
  c->add_option("--disable", w->disable, "A rule to switch off, named as in the definition (repeatable)");
  c->add_option("--enable", w->enable,
                "A rule to switch on, e.g. a candidate-aware rule the candidate did not apply (repeatable)");
  c->add_option("--solver-seconds", w->solver_seconds, "Time limit of the exact selection")->capture_default_str();
  c->add_flag("--exact-counts", w->exact_counts,
              "Show every count as it is (by default counts from 1 to 4, and those that would give them away, read "
              "'suppressed'); the output says so and is not for sharing");
  add_quiet_flag(*c, w->quiet, "No timing line (warnings still show; the attrition and selection are the output)");
  c->callback([w] { run_what_if(*w); });

  auto e = std::make_shared<ExportValues>();
  CLI::App* x = app.add_subcommand(
      "export-cohort", "Write a cohort store's selected patients as the OMOP CDM cohort table (CSV)");
  x->add_option("store", e->store, "Cohort store (.h5) from molsieve cohort")->required();
  x->add_option("--cohort-definition-id", e->definition_id, "The cohort_definition_id column's value")->required();
  x->add_option("-o,--output", e->output, "CSV file to write")->required();
  x->add_option("--end", e->end,
                "cohort_end_date: observation (the end of the observation period holding the index date) or index")
      ->capture_default_str();
  add_overwrite_flag(*x, e->overwrite);
  add_quiet_flag(*x, e->quiet);
  x->callback([e] { run_export(*e); });
}

}  // namespace molsieve::workflows
