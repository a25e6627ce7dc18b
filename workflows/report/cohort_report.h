#pragma once
// The cohort report: one self-contained HTML page (attrition, candidate-aware rules, strata
// and quotas, the characterization, the ranked cohort, provenance). Patient counts from 1 to 4 show as "<5".
#include <string>

#include "workflows/cohort_job/cohort_selection.h"

namespace molsieve::workflows {

std::string cohort_report_html(const CohortRequest& request, const CohortOutcome& outcome);

}  // namespace molsieve::workflows
