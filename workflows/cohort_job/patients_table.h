#pragma once
// The cohort store's /patients table: every eligible patient (or, with --keep-all-indexed,
// every patient with an index event) with each entry step's and rule's outcome as bit masks
// (as OHDSI Circe stores inclusion rules), the score and its parts, and the selection status
// (docs/cohorts.md). Rows follow the population store's order, whatever the slices or ranks.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cohort/characterization.h"
#include "cohort/eligibility.h"
#include "cohort/population.h"
#include "cohort/quota_selection.h"
#include "core/hdf5_file.h"

namespace molsieve::workflows {

// Patients of the table, column by column; labs and records are what the characterization
// reads of them (not stored).
struct PatientRows {
  std::size_t terms = 0, labs = 0, records = 0;  // per patient: score parts, lab values, record flags
  std::vector<std::int64_t> person_id;
  std::vector<std::uint8_t> eligible, entry_passed;
  std::vector<std::uint64_t> rule_passed;
  std::vector<double> score, score_parts;
  std::vector<std::array<std::string, cohort::kDimensions>> strata;
  std::vector<int> age;
  std::vector<std::int32_t> index_day, observation_end;
  std::vector<double> lab_values;
  std::vector<std::uint8_t> record_flags;

  std::size_t size() const { return person_id.size(); }
  void append(const PatientRows& more);
  cohort::SelectionCandidate candidate(std::size_t row) const;
};

// The rows of one evaluated slice: its eligible patients, or with `all_indexed` every patient
// with an index event. The observation end is that of the period holding the index day.
PatientRows patient_rows(const cohort::Population& slice, const cohort::EligibilityResult& result,
                         const cohort::CharacterizationItems& items, const cohort::PatientFeatures& features,
                         const cohort::Quotas& quotas, bool all_indexed);

// Between ranks (doubles by their bits: NaN and every digit survive).
nlohmann::json patient_rows_json(const PatientRows& rows);
PatientRows patient_rows_from_json(const nlohmann::json& j);

// The entry steps a patient's entry mask holds, bit 0 first.
extern const char* const kEntrySteps[4];  // index, observation, age, sex
constexpr std::uint8_t kAllEntrySteps = 0xF;

// Selection status of each row: rank (0: not selected), status and reason.
struct PatientStatus {
  std::vector<std::int64_t> rank;
  std::vector<std::string> status, reason;
};
// `chosen`: the selected person ids, best first; `step_names`: the attrition's steps after
// "population" (entry steps then rules), for the step that removed a patient; `applied`: per rule.
PatientStatus patient_status(const PatientRows& rows, const std::vector<std::int64_t>& chosen,
                             const std::vector<std::string>& step_names, const std::vector<bool>& applied);

// Writes /patients with its `scope` (eligible or indexed), `rules`, `entry_steps` and
// `score_terms` attributes.
void write_patients_table(hdf5::File& file, const PatientRows& rows, const PatientStatus& status,
                          const std::string& scope, const std::vector<std::string>& rule_names,
                          const std::vector<std::string>& term_labels);

}  // namespace molsieve::workflows
