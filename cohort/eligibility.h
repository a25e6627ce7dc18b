#pragma once
// Evaluates a cohort definition over a population slice: each patient's index day, the
// outcome of every step (index event, observation, age, sex, then each rule in order),
// the attrition counts and the expected-benefit score of the eligible. Patients are
// independent, so slices evaluated apart give counts that add up to the whole population's.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cohort/cohort_definition.h"
#include "cohort/population.h"
#include "kernels/backend.h"

namespace molsieve::cohort {

struct AttritionStep {
  std::string name;
  std::string kind;            // index, observation, age, sex, inclusion, exclusion
  bool applied = true;         // false: a candidate-aware rule the candidate did not switch on
  std::string activation;      // why a candidate-aware rule is or is not applied
  std::uint64_t remaining = 0;      // patients left after this step and all before it
  std::uint64_t removed = 0;        // patients this step removed from those left by the steps before
  std::uint64_t removed_alone = 0;  // patients with an index event that this step alone would remove
  // Patients reaching this step for whom `if_missing` decided a criterion of the rule (no
  // value, no reference range for an "x ULN" test, no genotype, a concept never recorded).
  std::uint64_t decided_if_missing = 0;
  std::vector<std::string> warnings;  // concepts or genes the population never records
};

// Which model's "<model>_in_domain" flag goes with each prediction column, from a results
// store's columns in their order: a model writes its predictions (each with a "_std"
// column), then "<model>_similarity" and "<model>_in_domain"; columns named "<model>_..." are
// that model's too.
std::map<std::string, std::string> prediction_domains(const std::vector<std::string>& columns);

// Adds `from`'s counts into `into` (same definition, another slice of patients).
void add_attrition(std::vector<AttritionStep>& into, const std::vector<AttritionStep>& from);

struct EligibilityResult {
  std::vector<AttritionStep> attrition;  // population first, then one step per criterion
  std::vector<std::uint8_t> eligible;    // per patient of the slice
  std::vector<std::int32_t> index_day;   // kernels::kNoIndexDay without an index event
  std::vector<int> age;                  // at the index day
  std::vector<double> score;             // expected benefit (eligible patients; NaN otherwise)
  // Every patient's own outcomes, for the cohort store's patients table and what-if runs.
  // entry_passed: bit k = entry step k passed (index event, observation, age, sex).
  // rule_passed: bit r = the criterion of rule r passed (exclusions: the patient does not meet
  // it), evaluated even when the candidate did not apply the rule, as Circe's inclusion masks.
  // score_parts: weight x value per ranking term (patients x terms, row-major; patients with an
  // index event), summed in term order into `score`.
  std::vector<std::uint8_t> entry_passed;
  std::vector<std::uint64_t> rule_passed;
  std::vector<double> score_parts;
};

// Rules a patient's rule_passed mask can hold.
constexpr std::size_t kMaxMaskedRules = 64;

class EligibilityEvaluator {
 public:
  // `predictions`: the candidate's predicted values by results-store column, or null when no
  // candidate is given (candidate-aware rules then apply: an unknown risk is not a low one).
  // `domains`: each prediction's "<model>_in_domain" column (prediction_domains); without
  // it, a condition names its own or the results have a single one. Concept sets with
  // descendants must be resolved (resolve_vocabulary).
  EligibilityEvaluator(const CohortDefinition& definition, const std::map<std::string, double>* predictions,
                       kernels::Backend backend, const std::map<std::string, std::string>* domains = nullptr);
  EligibilityResult evaluate(const Population& slice) const;
  // The rules' activation as decided from the predictions (for reports).
  const std::vector<AttritionStep>& steps() const { return steps_; }

 private:
  const CohortDefinition& definition_;
  kernels::Backend backend_;
  std::vector<AttritionStep> steps_;  // the attrition template: names, kinds, activation
};

}  // namespace molsieve::cohort
