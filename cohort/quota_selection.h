#pragma once
// Quota-balanced selection: the N eligible patients with the highest total expected
// benefit, subject to minimum and maximum shares per sex, race, ethnicity and age group.
// Solved exactly as a small mixed-integer program (GLPK) over the strata cells; when the
// quotas cannot all be met, the selection misses them by the least total number of
// patients, and says which it missed and by how much. docs/cohorts.md has the proof that
// the reduction to cells loses nothing.
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace molsieve::cohort {

// The four stratification dimensions, in this order.
constexpr int kDimensions = 4;
extern const char* const kDimensionNames[kDimensions];  // sex, race, ethnicity, age_group

struct AgeGroup {
  std::string label;
  int min = 0, max = 0;  // inclusive ages at the index day
};

struct QuotaBound {
  int dimension = 0;
  std::string category;
  double min_share = 0, max_share = 1;
  std::string path;  // JSON path, for messages
};

struct Quotas {
  std::vector<AgeGroup> age_groups;
  std::vector<QuotaBound> bounds;
};

// Parses a quotas file (docs/cohorts.md); errors name the JSON path.
Quotas parse_quotas(const std::string& json_text, const std::string& where);
Quotas read_quotas(const std::string& path);

// The categories patients fall into (labels for reports and quota keys).
std::string sex_category(std::int32_t gender_concept_id);
std::string race_category(std::int32_t race_concept_id);
std::string ethnicity_category(std::int32_t ethnicity_concept_id);
std::string age_category(const std::vector<AgeGroup>& groups, int age);
// The categories a quota may name in `dimension` ("" means any label is accepted: age groups
// come from the quotas file itself).
std::vector<std::string> known_categories(int dimension);

struct SelectionCandidate {
  std::int64_t person_id = 0;
  double score = 0;
  std::array<std::string, kDimensions> strata;
  int age = 0;                 // at the index day
  std::int32_t index_day = 0;  // days since 1970-01-01
};

struct QuotaOutcome {
  QuotaBound bound;
  std::uint64_t min_count = 0, max_count = 0;  // the shares turned into patients of the cohort
  std::uint64_t eligible = 0;                  // eligible patients in the category
  std::uint64_t selected = 0;
  std::uint64_t shortfall = 0;  // below min_count, or above max_count
};

struct Selection {
  std::vector<std::size_t> chosen;  // positions in the candidates, best score first
  std::uint64_t requested = 0;
  double total_score = 0;
  std::vector<QuotaOutcome> quotas;
  bool quotas_met = true;
  std::uint64_t total_shortfall = 0;
  std::string solver;  // how the selection was found ("greedy: no quotas", "GLPK MIP: optimal")
  bool optimal = true;  // false when the solver stopped at its time limit
  // Quotas that cannot all be met (found before solving), and a solver stopped at its time
  // limit with how far from the best its answer may be.
  std::vector<std::string> warnings;
};

// The two phases of the exact selection: the least total quota shortfall, then the best
// total score with that shortfall.
enum class SolverPhase { Quotas, Score };

// How the solver is doing, while it runs.
struct SolverStatus {
  SolverPhase phase = SolverPhase::Quotas;
  double seconds = 0;     // since the selection started solving
  double found = NAN;     // the phase's objective in the best selection found so far (NaN: none yet)
  double bound = NAN;     // the best objective proven possible so far (NaN: none yet)
};

struct SelectionOptions {
  // Both phases together; past it the best selection found is used, with a warning saying how
  // far from the best possible it may be.
  double solver_seconds = 60;
  double status_seconds = 5;  // on_status is called at most this often
  std::function<void(const SolverStatus&)> on_status;
  // Asked while solving; when it returns true the solver stops and select_cohort throws
  // molsieve::Interrupted.
  std::function<bool()> cancelled;
  // One program column per run of equal scores in a cell (false: one per patient, the
  // formulation the merge is checked against).
  bool merge_equal_scores = true;
};

// The warning for a phase stopped at the time limit: what it found (a shortfall in patients, or
// a total score) and the proven bound (NaN when none was proven).
std::string time_limit_warning(SolverPhase phase, double limit_seconds, double found, double bound);

// Keeps, of every strata cell, the `size` best candidates: an optimal selection of `size`
// never needs more (docs/cohorts.md). Slices of a population can be reduced so and then
// concatenated: the selection over the concatenation is the selection over the whole.
std::vector<SelectionCandidate> keep_cell_leaders(std::vector<SelectionCandidate> candidates, std::uint64_t size);

// Chooses `size` candidates (all of them when fewer are eligible).
Selection select_cohort(const std::vector<SelectionCandidate>& candidates, std::uint64_t size, const Quotas& quotas,
                        const SelectionOptions& options = {});

}  // namespace molsieve::cohort
