// molsieve cohort: eligible, ranked, quota-balanced patient cohorts for a candidate compound.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cluster/cluster.h"
#include "core/csv_writer.h"
#include "core/error.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/interrupt.h"
#include "workflows/cli/progress_bar.h"
#include "workflows/cli/run_log.h"
#include "workflows/cohort_job/cohort_selection.h"
#include "workflows/report/cohort_report.h"

namespace molsieve::workflows {
namespace {

struct CohortValues {
  CohortRequest request;
  std::string attrition_csv, report;
  unsigned threads = 0;
  bool overwrite = false;
  bool quiet = false;
  LogValues log;
  bool show_person_ids = false;
};

// The eligibility kernel has CPU and reference backends only: auto means the CPU here, and
// reference (not a device) is a choice of this command alone. A bad value is a usage error.
kernels::Backend eligibility_backend(const std::string& text) {
  if (text == "reference") return kernels::Backend::Reference;
  if (parse_device_option(text).kind == kernels::DeviceChoice::Kind::Cuda)
    throw CLI::ValidationError("--device " + text + ": the eligibility kernel has no CUDA backend (auto, cpu or reference)");
  return kernels::Backend::Cpu;
}

// The cohort store's /attrition table, same column names and order, counts as the plan shows
// them, and a last column `counts` saying "suppressed" or "exact" on every row.
void write_attrition_csv(const std::string& path, const CohortOutcome& o, const CountPlan& plan) {
  CsvWriter csv(path, {"step", "name", "kind", "applied", "activation", "remaining", "removed", "removed_alone",
                       "decided_if_missing", "warnings", "counts"});
  for (std::size_t k = 0; k < o.attrition.size(); ++k) {
    const auto& s = o.attrition[k];
    csv.field(k).field(s.name).field(s.kind).field(std::string(s.applied ? "1" : "0")).field(s.activation);
    for (int column = 0; column < CountPlan::kAttritionCounts; ++column) csv.field(plan.attrition(k, column));
    std::string warnings;
    for (const std::string& w : s.warnings) warnings += (warnings.empty() ? "" : "; ") + w;
    csv.field(warnings).field(std::string(plan.exact() ? "exact" : "suppressed"));
    csv.end_row();
  }
  csv.close();
}

// `text` cut to `width` characters, so that the columns after it stay aligned.
std::string fit(const std::string& text, std::size_t width) {
  return text.size() > width ? text.substr(0, width - 3) + "..." : text;
}

void print_summary(const CohortValues& v, const CohortOutcome& o, const CountPlan& plan) {
  std::fprintf(stderr, "%s%s\n", o.synthetic ? "SYNTHETIC population: " : "population: ", o.population_source.c_str());
  if (plan.exact()) std::fprintf(stderr, "EXACT COUNTS (--exact-counts): counts from 1 to 4 are shown; not for sharing\n");
  std::fprintf(stderr, "%-4s %-58s %10s %10s %10s\n", "step", "criterion", "remaining", "removed", "alone");
  for (std::size_t k = 0; k < o.attrition.size(); ++k) {
    const auto& s = o.attrition[k];
    const std::string name = fit((s.applied ? "" : "(not applied) ") + s.name, 58);
    std::fprintf(stderr, "%-4zu %-58s %10s %10s %10s\n", k, name.c_str(), plan.attrition(k, 0).c_str(),
                 plan.attrition(k, 1).c_str(), plan.attrition(k, 2).c_str());
  }
  for (const auto& s : o.attrition)
    if (!s.activation.empty()) std::fprintf(stderr, "candidate rule: %s: %s\n", s.name.c_str(), s.activation.c_str());
  std::fprintf(stderr, "selected %s of %s eligible (requested %llu); total score %.4g; %s\n", plan.selected().c_str(),
               plan.eligible().c_str(), static_cast<unsigned long long>(v.request.size), o.selection.total_score,
               o.selection.solver.c_str());
  if (!plan.exact() && plan.suppressed() > 0)
    std::fprintf(stderr, "counts suppressed: %zu (counts from 1 to 4 and those that would give them away)\n",
                 plan.suppressed());
  if (!o.selection.quotas.empty() && o.selection.quotas_met) std::fprintf(stderr, "all quotas met\n");
  std::fprintf(stderr, "wrote %s (patient-level data, readable by its owner alone) in %.2f s\n",
               v.request.output.c_str(), o.seconds);
}

void run(CohortValues& v) {
  refuse_existing_outputs({v.attrition_csv, v.report}, v.overwrite);
  v.request.overwrite = v.overwrite;
  v.request.cancel = &interrupt_token();
  v.request.threads = v.threads;
  v.request.world = &cluster::world();
  RunLog& log = RunLog::get();
  log.open("cohort", v.log, v.request.world->rank(), v.request.world->size());
  if (v.request.world->rank() != 0) {  // under MPI: evaluate slices; rank 0 selects, writes and reports
    run_cohort_selection(v.request, {});
    return;
  }
  log.event("start", {{"population", v.request.population}, {"definition", v.request.definition},
                      {"output", v.request.output}, {"ranks", v.request.world->size()}});
  ProgressBar bar("cohort", "patients", &log);
  Progress read;
  // The exact selection would be silent while it solves: the bar says how it is doing.
  if (!v.quiet)
    v.request.solver_status = [&](const cohort::SolverStatus& s) {
      char detail[160];
      std::snprintf(detail, sizeof detail, "selecting (%s), %.0f s: best found %.6g, best possible %.6g",
                    s.phase == cohort::SolverPhase::Quotas ? "least quota shortfall" : "best score", s.seconds,
                    s.found, s.bound);
      bar.update(read, detail);
    };
  const CohortOutcome o = run_cohort_selection(v.request, [&](const Progress& p) {
    read = p;
    if (!v.quiet) bar.update(p);
  });
  if (!v.quiet) bar.finish();
  const CountPlan plan(cohort_counts(o, v.request.size), v.request.exact_counts);
  if (!v.attrition_csv.empty()) write_attrition_csv(v.attrition_csv, o, plan);
  if (!v.report.empty()) write_whole_file(v.report, cohort_report_html(v.request, o, plan, v.show_person_ids));
  if (!v.quiet) print_summary(v, o, plan);
  for (const auto& warning : cohort_warnings(o, plan)) log.warning(warning, "warning: ");
  log.event("finish", {{"output", v.request.output}, {"selected", o.chosen.size()}, {"seconds", o.seconds}});
}

}  // namespace

void add_cohort_command(CLI::App& app) {
  auto values = std::make_shared<CohortValues>();
  CohortRequest& r = values->request;
  CLI::App* c = app.add_subcommand(
      "cohort",
      "Select an eligible, ranked, quota-balanced patient cohort for a candidate compound from a population store "
      "(docs/cohorts.md). Under mpirun or srun the ranks share the population's slices; rank 0 writes the store");
  c->add_option("--population", r.population, "Population store (.h5) from import-population or synth-population")
      ->required();
  c->add_option("--definition", r.definition, "Cohort definition (JSON)")->required();
  c->add_option("--quotas", r.quotas, "Quotas (JSON): minimum and maximum shares per sex, race, ethnicity, age group");
  c->add_option("--candidates", r.candidates, "Results store of a screen, for candidate-aware rules");
  c->add_option("--candidate-id", r.candidate_id, "The candidate's id in the results store");
  c->add_option("--size", r.size, "Patients to select")->capture_default_str();
  c->add_option("-o,--output", r.output, "Cohort store to write (.h5)")->required();
  c->add_flag("--keep-all-indexed", r.keep_all_indexed,
              "The patients table keeps every patient with an index event, not only the eligible (what-if needs it)");
  c->add_option("--attrition-csv", values->attrition_csv,
                 "Also write the attrition table as CSV (counts from 1 to 4, and those that would give them away, "
                 "read 'suppressed')");
  c->add_option("--report", values->report, "Also write a self-contained HTML report (counts suppressed as in the CSV)");
  c->add_flag("--exact-counts", r.exact_counts,
              "Show every count exactly in the report, the attrition CSV and the summary (each says so, as does the "
              "store); such outputs are not for sharing");
  c->add_flag("--show-person-ids", values->show_person_ids,
              "List the selected patients (person ids, demographics, index dates) in the report, which then says it "
              "holds patient-level data");
  c->add_option("--solver-seconds", r.solver_seconds,
                 "Time limit of the exact selection; then the best cohort found is used, with a warning saying how far "
                 "from the best it may be")
      ->capture_default_str();
  c->add_option("--slice", r.slice_persons, "Patients evaluated at a time (memory bound)")->capture_default_str();
  c->add_option_function<std::string>(
       "--device,--backend", [&r](const std::string& text) { r.backend = eligibility_backend(text); },
       "Eligibility kernel: auto or cpu (the CPU kernel), or reference (plain loops); --backend is its former name")
      ->type_name("DEVICE")
      ->default_str("auto");
  add_threads_option(*c, values->threads);
  add_overwrite_flag(*c, values->overwrite);
  add_quiet_flag(*c, values->quiet);
  add_log_options(*c, values->log);
  c->callback([values] { run(*values); });
}

}  // namespace molsieve::workflows
