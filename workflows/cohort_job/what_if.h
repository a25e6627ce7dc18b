#pragma once
// What-if runs (`molsieve what-if`, docs/cohorts.md): the attrition and the selection of a
// cohort store re-evaluated from its patients' stored rule outcomes with rules switched off or
// on, without reading the population again. Needs a store written with --keep-all-indexed:
// a rule switched off lets in patients that only it removed.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cohort/eligibility.h"
#include "cohort/quota_selection.h"

namespace molsieve::workflows {

// What a what-if run reads of a cohort store, once for any number of runs.
struct StoredOutcomes {
  std::string store;
  std::vector<cohort::AttritionStep> attrition;  // as stored: population, 4 entry steps, the rules
  std::vector<std::string> rules;                // the definition's rule names, in bit order
  cohort::Quotas quotas;
  std::uint64_t size = 0;  // patients requested
  std::vector<std::uint8_t> entry_passed;
  std::vector<std::uint64_t> rule_passed;
  std::vector<cohort::SelectionCandidate> patients;  // score, strata, age and index day per row
  // The rows by strata cell (cells in order of first row), best score first: rules change who is
  // eligible, never a patient's cell or score, so a what-if run only walks each cell's best.
  std::vector<std::uint32_t> cell_of;
  std::vector<std::vector<std::uint32_t>> cells;
};
StoredOutcomes read_stored_outcomes(const std::string& store);

struct WhatIfOutcome {
  std::vector<cohort::AttritionStep> attrition;
  std::uint64_t eligible = 0;
  std::map<std::pair<int, std::string>, std::uint64_t> eligible_by_category;  // (dimension, category)
  std::vector<cohort::SelectionCandidate> chosen;  // best first
  cohort::Selection selection;
};

// Rules named as in the definition (and the attrition); `disable` switches a rule off,
// `enable` on (a candidate-aware rule the candidate did not apply, say). An unknown name, or
// one in both lists, is an error naming it.
WhatIfOutcome what_if(const StoredOutcomes& stored, const std::vector<std::string>& disable,
                      const std::vector<std::string>& enable, const cohort::SelectionOptions& options = {});

}  // namespace molsieve::workflows
