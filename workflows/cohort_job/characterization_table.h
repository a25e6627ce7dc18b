#pragma once
// The cohort store's /characterization table ("table 1", docs/cohorts.md): one row per
// characteristic and group (population, eligible, selected), counts exact; queries and reports
// show them through the run's CountPlan (disclosure.h).
#include <nlohmann/json_fwd.hpp>

#include <vector>

#include "cohort/characterization.h"
#include "core/hdf5_file.h"
#include "workflows/cohort_job/patients_table.h"

namespace molsieve::workflows {

// Between ranks.
nlohmann::json characterization_group_json(const cohort::CharacterizationGroup& group);
cohort::CharacterizationGroup characterization_group_from_json(const nlohmann::json& j);

// The eligible and the selected (rank > 0) of the patients table, as characterization groups.
std::array<cohort::CharacterizationGroup, 2> eligible_and_selected(const PatientRows& rows,
                                                                   const std::vector<std::int64_t>& rank,
                                                                   const cohort::CharacterizationItems& items);

void write_characterization_table(hdf5::File& file, const std::vector<cohort::CharacteristicRow>& rows);

}  // namespace molsieve::workflows
