#pragma once
// The cohort report's "table 1": the characterization of the population, the eligible and
// the selected, one column per group; counts as the run's CountPlan shows them, a hidden count
// with no percent or median.
#include <string>
#include <vector>

#include "cohort/characterization.h"
#include "workflows/cohort_job/disclosure.h"

namespace molsieve::workflows {

std::string characterization_html(const std::vector<cohort::CharacteristicRow>& rows, const CountPlan& plan);

}  // namespace molsieve::workflows
