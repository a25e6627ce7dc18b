#include "workflows/cohort_job/characterization_table.h"

#include <nlohmann/json.hpp>

#include "workflows/results/result_table.h"

namespace molsieve::workflows {

nlohmann::json characterization_group_json(const cohort::CharacterizationGroup& g) {
  return {{"patients", g.patients}, {"categories", g.categories}, {"ages", g.ages},
          {"lab_values", g.lab_values}, {"record_counts", g.record_counts}, {"lab_units", g.lab_units}};
}

cohort::CharacterizationGroup characterization_group_from_json(const nlohmann::json& j) {
  cohort::CharacterizationGroup g;
  g.patients = j.at("patients");
  j.at("categories").get_to(g.categories);
  j.at("ages").get_to(g.ages);
  j.at("lab_values").get_to(g.lab_values);
  j.at("record_counts").get_to(g.record_counts);
  j.at("lab_units").get_to(g.lab_units);
  return g;
}

std::array<cohort::CharacterizationGroup, 2> eligible_and_selected(const PatientRows& rows,
                                                                   const std::vector<std::int64_t>& rank,
                                                                   const cohort::CharacterizationItems& items) {
  std::array<cohort::CharacterizationGroup, 2> groups;
  // Groups start empty of labs and records: add() sizes them, so a group of no patient has none.
  for (auto& g : groups) {
    g.lab_values.resize(items.labs.size());
    g.record_counts.resize(items.records.size(), 0);
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::array<std::string, 3> demographics = {rows.strata[i][0], rows.strata[i][1], rows.strata[i][2]};
    const double* labs = rows.lab_values.data() + i * rows.labs;
    const std::uint8_t* records = rows.record_flags.data() + i * rows.records;
    if (rows.eligible[i]) groups[0].add(demographics, rows.age[i], labs, records, items);
    if (rank[i] > 0) groups[1].add(demographics, rows.age[i], labs, records, items);
  }
  return groups;
}

void write_characterization_table(hdf5::File& file, const std::vector<cohort::CharacteristicRow>& rows) {
  ResultTable t;
  auto& section = t.add("section", ColumnKind::Text).texts;
  auto& characteristic = t.add("characteristic", ColumnKind::Text).texts;
  auto& group = t.add("group", ColumnKind::Text).texts;
  auto& count = t.add("count", ColumnKind::Integer).integers;
  auto& percent = t.add("percent", ColumnKind::Number).numbers;
  auto& median = t.add("median", ColumnKind::Number).numbers;
  auto& q1 = t.add("q1", ColumnKind::Number).numbers;
  auto& q3 = t.add("q3", ColumnKind::Number).numbers;
  for (const auto& r : rows) {
    section.push_back(r.section);
    characteristic.push_back(r.characteristic);
    group.push_back(r.group);
    count.push_back(static_cast<std::int64_t>(r.count));
    percent.push_back(r.percent);
    median.push_back(r.median);
    q1.push_back(r.q1);
    q3.push_back(r.q3);
  }
  write_table(file, "/characterization", t);
}

}  // namespace molsieve::workflows
