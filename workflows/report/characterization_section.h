#pragma once
// The cohort report's "table 1": the characterization of the population, the eligible and
// the selected, one column per group; counts from 1 to 4 show as "<5" with no percent or median.
#include <string>
#include <vector>

#include "cohort/characterization.h"

namespace molsieve::workflows {

std::string characterization_html(const std::vector<cohort::CharacteristicRow>& rows);

}  // namespace molsieve::workflows
