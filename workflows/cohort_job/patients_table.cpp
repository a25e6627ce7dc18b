#include "workflows/cohort_job/patients_table.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>
#include <unordered_map>

#include "cohort/calendar.h"
#include "kernels/patient_events.h"
#include "workflows/results/result_table.h"

namespace molsieve::workflows {
namespace {

template <typename To, typename From>
To same_bits(From from) {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

template <typename T>
void append_all(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::vector<std::uint64_t> bits_of(const std::vector<double>& values) {
  std::vector<std::uint64_t> bits(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) bits[i] = same_bits<std::uint64_t>(values[i]);
  return bits;
}

std::vector<double> doubles_of(const nlohmann::json& bits) {
  std::vector<double> values;
  for (const auto& b : bits) values.push_back(same_bits<double>(b.get<std::uint64_t>()));
  return values;
}

}  // namespace

const char* const kEntrySteps[4] = {"index", "observation", "age", "sex"};

void PatientRows::append(const PatientRows& m) {
  if (size() == 0) {
    terms = m.terms;
    labs = m.labs;
    records = m.records;
  }
  append_all(person_id, m.person_id);
  append_all(eligible, m.eligible);
  append_all(entry_passed, m.entry_passed);
  append_all(rule_passed, m.rule_passed);
  append_all(score, m.score);
  append_all(score_parts, m.score_parts);
  append_all(strata, m.strata);
  append_all(age, m.age);
  append_all(index_day, m.index_day);
  append_all(observation_end, m.observation_end);
  append_all(lab_values, m.lab_values);
  append_all(record_flags, m.record_flags);
}

cohort::SelectionCandidate PatientRows::candidate(std::size_t row) const {
  return {person_id[row], score[row], strata[row], age[row], index_day[row]};
}

PatientRows patient_rows(const cohort::Population& p, const cohort::EligibilityResult& result,
                         const cohort::CharacterizationItems& items, const cohort::PatientFeatures& features,
                         const cohort::Quotas& quotas, bool all_indexed) {
  PatientRows rows;
  rows.terms = p.persons() ? result.score_parts.size() / p.persons() : 0;
  rows.labs = items.labs.size();
  rows.records = items.records.size();
  for (std::size_t i = 0; i < p.persons(); ++i) {
    const std::int32_t index = result.index_day[i];
    if (!result.eligible[i] && !(all_indexed && index != kernels::kNoIndexDay)) continue;
    rows.person_id.push_back(p.person_id[i]);
    rows.eligible.push_back(result.eligible[i]);
    rows.entry_passed.push_back(result.entry_passed[i]);
    rows.rule_passed.push_back(result.rule_passed[i]);
    double score = 0;  // the parts summed in order, as the eligibility score is
    for (std::size_t t = 0; t < rows.terms; ++t) {
      rows.score_parts.push_back(result.score_parts[i * rows.terms + t]);
      score += rows.score_parts.back();
    }
    rows.score.push_back(score);
    rows.strata.push_back({cohort::sex_category(p.gender_concept_id[i]), cohort::race_category(p.race_concept_id[i]),
                           cohort::ethnicity_category(p.ethnicity_concept_id[i]),
                           cohort::age_category(quotas.age_groups, result.age[i])});
    rows.age.push_back(result.age[i]);
    rows.index_day.push_back(index);
    std::int32_t end = index;
    for (std::uint64_t r = p.observation_period.offsets[i]; r < p.observation_period.offsets[i + 1]; ++r)
      if (p.observation_period.start[r] <= index && index <= p.observation_period.end[r]) end = p.observation_period.end[r];
    rows.observation_end.push_back(end);
    rows.lab_values.insert(rows.lab_values.end(), features.labs.begin() + i * rows.labs,
                           features.labs.begin() + (i + 1) * rows.labs);
    rows.record_flags.insert(rows.record_flags.end(), features.records.begin() + i * rows.records,
                             features.records.begin() + (i + 1) * rows.records);
  }
  return rows;
}

nlohmann::json patient_rows_json(const PatientRows& r) {
  return {{"terms", r.terms},
          {"labs", r.labs},
          {"records", r.records},
          {"person_id", r.person_id},
          {"eligible", r.eligible},
          {"entry_passed", r.entry_passed},
          {"rule_passed", r.rule_passed},
          {"score", bits_of(r.score)},
          {"score_parts", bits_of(r.score_parts)},
          {"strata", r.strata},
          {"age", r.age},
          {"index_day", r.index_day},
          {"observation_end", r.observation_end},
          {"lab_values", bits_of(r.lab_values)},
          {"record_flags", r.record_flags}};
}

PatientRows patient_rows_from_json(const nlohmann::json& j) {
  PatientRows r;
  r.terms = j.at("terms");
  r.labs = j.at("labs");
  r.records = j.at("records");
  j.at("person_id").get_to(r.person_id);
  j.at("eligible").get_to(r.eligible);
  j.at("entry_passed").get_to(r.entry_passed);
  j.at("rule_passed").get_to(r.rule_passed);
  r.score = doubles_of(j.at("score"));
  r.score_parts = doubles_of(j.at("score_parts"));
  j.at("strata").get_to(r.strata);
  j.at("age").get_to(r.age);
  j.at("index_day").get_to(r.index_day);
  j.at("observation_end").get_to(r.observation_end);
  r.lab_values = doubles_of(j.at("lab_values"));
  j.at("record_flags").get_to(r.record_flags);
  return r;
}

PatientStatus patient_status(const PatientRows& rows, const std::vector<std::int64_t>& chosen,
                             const std::vector<std::string>& step_names, const std::vector<bool>& applied) {
  std::unordered_map<std::int64_t, std::int64_t> rank_of;
  for (std::size_t k = 0; k < chosen.size(); ++k) rank_of[chosen[k]] = static_cast<std::int64_t>(k + 1);
  // The cut: the lowest score selected. An eligible patient above it was displaced by a quota.
  double cut = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rank_of.count(rows.person_id[i])) cut = std::min(cut, rows.score[i]);
  PatientStatus s;
  s.rank.assign(rows.size(), 0);
  s.status.resize(rows.size());
  s.reason.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto found = rank_of.find(rows.person_id[i]);
    if (found != rank_of.end()) {
      s.rank[i] = found->second;
      s.status[i] = "selected";
    } else if (rows.eligible[i]) {
      s.status[i] = "eligible";
      s.reason[i] = rows.score[i] > cut ? "quota cell full" : "below the cut";
    } else {
      s.status[i] = "not eligible";
      std::size_t step = 0;
      while (step < 4 && (rows.entry_passed[i] >> step & 1)) ++step;
      if (step == 4)
        for (std::size_t r = 0; r < applied.size(); ++r, ++step)
          if (applied[r] && !(rows.rule_passed[i] >> r & 1)) break;
      s.reason[i] = step < step_names.size() ? "removed by " + step_names[step] : "";
    }
  }
  return s;
}

void write_patients_table(hdf5::File& file, const PatientRows& rows, const PatientStatus& status,
                          const std::string& scope, const std::vector<std::string>& rule_names,
                          const std::vector<std::string>& term_labels) {
  ResultTable t;
  t.add("person_id", ColumnKind::Integer).integers = rows.person_id;
  t.add("status", ColumnKind::Text).texts = status.status;
  t.add("reason", ColumnKind::Text).texts = status.reason;
  t.add("rank", ColumnKind::Integer).integers = status.rank;
  t.add("score", ColumnKind::Number).numbers = rows.score;
  for (std::size_t k = 0; k < rows.terms; ++k) {
    auto& part = t.add("score_" + term_labels[k], ColumnKind::Number).numbers;
    for (std::size_t i = 0; i < rows.size(); ++i) part.push_back(rows.score_parts[i * rows.terms + k]);
  }
  auto& entry = t.add("entry_passed", ColumnKind::Integer).integers;
  auto& rule = t.add("rule_passed", ColumnKind::Integer).integers;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    entry.push_back(rows.entry_passed[i]);
    rule.push_back(same_bits<std::int64_t>(rows.rule_passed[i]));
  }
  for (int d = 0; d < cohort::kDimensions; ++d) {
    auto& column = t.add(cohort::kDimensionNames[d], ColumnKind::Text).texts;
    for (const auto& s : rows.strata) column.push_back(s[d]);
  }
  auto& age = t.add("age", ColumnKind::Integer).integers;
  auto& index_date = t.add("index_date", ColumnKind::Text).texts;
  auto& observation_end = t.add("observation_end", ColumnKind::Text).texts;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    age.push_back(rows.age[i]);
    index_date.push_back(cohort::format_date(rows.index_day[i]));
    observation_end.push_back(cohort::format_date(rows.observation_end[i]));
  }
  write_table(file, "/patients", t);
  file.set_attribute("/patients", "scope", scope);
  file.set_attribute("/patients", "rules", rule_names);
  file.set_attribute("/patients", "entry_steps", std::vector<std::string>(kEntrySteps, kEntrySteps + 4));
  file.set_attribute("/patients", "score_terms", term_labels);
}

}  // namespace molsieve::workflows
