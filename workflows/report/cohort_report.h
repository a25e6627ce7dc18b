#pragma once
// The cohort report: one self-contained HTML page (attrition, candidate-aware rules, strata
// and quotas, the characterization, provenance) with its counts as the run's CountPlan shows
// them. It lists patients (person ids, demographics, index dates) only when asked, and then
// says that it holds patient-level data.
#include <string>

#include "workflows/cohort_job/cohort_selection.h"

namespace molsieve::workflows {

std::string cohort_report_html(const CohortRequest& request, const CohortOutcome& outcome, const CountPlan& plan,
                               bool show_person_ids);

}  // namespace molsieve::workflows
