#pragma once
// The cohort job behind `molsieve cohort`: evaluates a definition over a population store
// slice by slice (counts add, selections merge), selects a quota-balanced ranked cohort,
// and writes the cohort store (docs/cohorts.md).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "cohort/characterization.h"
#include "cohort/eligibility.h"
#include "cohort/quota_selection.h"
#include "core/cancellation.h"
#include "core/hdf5_file.h"
#include "core/progress.h"
#include "kernels/backend.h"
#include "workflows/cohort_job/disclosure.h"
#include "workflows/cohort_job/patients_table.h"
#include "workflows/results/result_table.h"

namespace molsieve::workflows {

struct CohortRequest {
  std::string population, definition, quotas, candidates, candidate_id, output;
  std::uint64_t size = 100;
  std::uint64_t slice_persons = 262144;  // persons read and evaluated at a time
  kernels::Backend backend = kernels::Backend::Cpu;
  unsigned threads = 0;    // CPU threads (0: all cores)
  bool overwrite = false;  // replace an existing cohort store (else: refused before any work)
  // The patients table keeps every patient with an index event (else the eligible only);
  // what-if runs need it.
  bool keep_all_indexed = false;
  // The run's shared outputs (report, attrition CSV, summary) show every count exactly: the
  // store records it (root attribute `exact_counts`).
  bool exact_counts = false;
  // When set and cancelled, the selection stops at the next slice and writes nothing.
  const CancellationToken* cancel = nullptr;
  // The exact selection's time limit, after which the best cohort found is used with a warning
  // saying how far from the best it may be; solver_status hears how the solver is doing every
  // few seconds while it runs.
  double solver_seconds = 60;
  std::function<void(const cohort::SolverStatus&)> solver_status;
  // The ranks that share the population's slices (every rank calls run_cohort_selection;
  // rank 0 selects and writes the store); null: this process alone.
  cluster::World* world = nullptr;
};

struct CohortOutcome {
  std::uint64_t persons = 0, eligible = 0;
  std::vector<cohort::AttritionStep> attrition;
  std::vector<cohort::SelectionCandidate> chosen;  // best first
  cohort::Selection selection;
  // Per dimension and category met among the eligible: counts and the category's quota.
  struct Stratum {
    int dimension = 0;
    std::string category;
    std::uint64_t eligible = 0, selected = 0;
    std::uint64_t quota_min = 0, quota_max = 0;  // without a quota: 0 and the cohort's size
    bool has_quota = false;
    std::uint64_t shortfall = 0;
  };
  std::vector<Stratum> strata;
  std::map<std::string, double> predictions;  // the candidate's, when given
  bool synthetic = false;
  std::string population_source;
  // What a trial designer must not miss: fewer patients than requested, missed quotas; with
  // exact counts (as the store keeps them; shared outputs use cohort_warnings).
  std::vector<std::string> warnings;
  // The definition's warnings (concepts the vocabulary knows but the population never
  // records): no counts, shown as they are.
  std::vector<std::string> definition_warnings;
  double seconds = 0;
  // The patients table (population order) with each row's selection status, and "table 1".
  PatientRows patients;
  PatientStatus patient_status;
  std::vector<cohort::CharacteristicRow> characterization;
};

CohortOutcome run_cohort_selection(const CohortRequest& request, const ProgressCallback& progress);

// The strata rows of a selection (`outcome`'s chosen patients and quotas): per dimension and
// category met among the eligible (`eligible_by_category`) or named by a quota.
std::vector<CohortOutcome::Stratum> strata_of(std::map<std::pair<int, std::string>, std::uint64_t> eligible_by_category,
                                              const CohortOutcome& outcome);

// The counts a run shares (`requested`: --size), for CountPlan.
CohortCounts cohort_counts(const CohortOutcome& outcome, std::uint64_t requested);
// The same counts read back from a cohort store, so that `molsieve query` shows what the
// run's report showed.
CohortCounts read_cohort_counts(const hdf5::File& store);

// The outcome's warnings (fewer patients than requested, quotas that conflict or were missed,
// the solver's time limit) with their counts as `plan` shows them.
std::vector<std::string> cohort_warnings(const CohortOutcome& outcome, const CountPlan& plan);

// The count columns of rows of a cohort store's /attrition, /strata or /characterization table
// (`group`), as `plan` shows them (text; a characterization's percent, median and quartiles
// NaN where they would tell a hidden count), and a `counts` column saying "suppressed" or
// "exact".
void show_counts(const CountPlan& plan, const std::string& group, ResultTable& table);

// Opens a cohort store for reading; throws molsieve::Error naming `path` when it is not one.
bool is_cohort_store(const std::string& path);

}  // namespace molsieve::workflows
