// The cohort store's patients and characterization tables, what-if runs and the OMOP cohort
// export, through the molsieve executable and checked against the population itself.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "cohort/calendar.h"
#include "cohort/cohort_definition.h"
#include "cohort/eligibility.h"
#include "cohort/population.h"
#include "core/hdf5_file.h"
#include "test_support.h"
#include "workflows/cohort_job/what_if.h"
#include "workflows/results/result_table.h"

namespace molsieve {
namespace {

using test::CommandRun;
using test::molsieve;

const std::string kSource = MOLSIEVE_SOURCE_DIR;
const std::string kExample = kSource + "/datasets/cohorts/example.json";
const std::string kQuotas = kSource + "/datasets/cohorts/example_quotas.json";
constexpr std::int32_t kLiverDisease = 194984;
constexpr std::size_t kLiverDiseaseRule = 9;  // 8 inclusion rules, then heart failure, liver disease

workflows::ResultTable table(const std::string& store, const std::string& group) {
  const hdf5::File file(store, hdf5::File::Mode::ReadOnly);
  return workflows::read_table(file, group, 0, workflows::table_rows(file, group));
}

class CohortPatients : public test::SharedRunSuite<CohortPatients> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    run_ = molsieve(*dir_, "synth-population --size 60000 --seed 3 -o " + dir_->file("pop.h5") + " -q");
    if (run_.status == 0) run_ = cohort(kExample, "all.h5", "--keep-all-indexed");
    if (run_.status == 0) run_ = cohort(kExample, "eligible.h5", "");
  }
  static CommandRun cohort(const std::string& definition, const std::string& store, const std::string& extra) {
    return molsieve(*dir_, "cohort --population " + dir_->file("pop.h5") + " --definition " + definition +
                               " --quotas " + kQuotas + " --size 40 -q --overwrite " + extra + " -o " + dir_->file(store));
  }
  static std::string file(const std::string& name) { return dir_->file(name); }
  // The example definition without the rule named so.
  static std::string without_rule(const std::string& name) {
    nlohmann::json d = nlohmann::json::parse(test::read_text(kExample));
    for (const char* kind : {"inclusion_rules", "exclusion_rules"}) {
      auto& rules = d[kind];
      rules.erase(std::remove_if(rules.begin(), rules.end(), [&](const nlohmann::json& r) { return r["name"] == name; }),
                  rules.end());
    }
    const std::string path = file("without-" + std::to_string(std::hash<std::string>{}(name)) + ".json");
    test::write_text(path, d.dump());
    return path;
  }
};

TEST_F(CohortPatients, PatientsTableHoldsTheEligibleWithStatusScorePartsAndAllRulesPassed) {
  const auto patients = table(file("eligible.h5"), "/patients");
  const auto attrition = table(file("eligible.h5"), "/attrition");
  const auto cohort = table(file("eligible.h5"), "/cohort");
  ASSERT_EQ(patients.rows(), static_cast<std::size_t>(attrition.at("remaining").integers.back()));
  ASSERT_GT(patients.rows(), 100u);
  const std::uint64_t all_rules = (std::uint64_t{1} << 14) - 1;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranked;  // rank, person_id
  double lowest_selected = INFINITY;
  for (std::size_t i = 0; i < patients.rows(); ++i) {
    EXPECT_EQ(patients.at("entry_passed").integers[i], 15);
    EXPECT_EQ(static_cast<std::uint64_t>(patients.at("rule_passed").integers[i]), all_rules);
    EXPECT_EQ(patients.at("score").numbers[i],
              patients.at("score_TARGET_EXPRESSION").numbers[i] + patients.at("score_MMSE").numbers[i]);
    if (patients.at("status").texts[i] == "selected") {
      ranked.push_back({patients.at("rank").integers[i], patients.at("person_id").integers[i]});
      lowest_selected = std::min(lowest_selected, patients.at("score").numbers[i]);
    } else {
      EXPECT_EQ(patients.at("status").texts[i], "eligible");
      EXPECT_EQ(patients.at("rank").integers[i], 0);
    }
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::int64_t> selected;
  for (const auto& r : ranked) selected.push_back(r.second);
  EXPECT_EQ(selected, cohort.at("person_id").integers);
  std::map<std::string, int> reasons;
  for (std::size_t i = 0; i < patients.rows(); ++i) {
    const std::string& reason = patients.at("reason").texts[i];
    if (patients.at("status").texts[i] != "eligible") continue;
    ++reasons[reason];
    if (reason == "below the cut") EXPECT_LE(patients.at("score").numbers[i], lowest_selected);
    else EXPECT_EQ(reason, "quota cell full") << "row " << i;
    if (reason == "quota cell full") EXPECT_GT(patients.at("score").numbers[i], lowest_selected);
  }
  EXPECT_GT(reasons["below the cut"], 0);
  EXPECT_GT(reasons["quota cell full"], 0) << "the example quotas displace better-scored patients";
}

TEST_F(CohortPatients, RuleBitsAgreeWithThePopulationAndTheFirstFailedStepIsTheReason) {
  const auto patients = table(file("all.h5"), "/patients");
  const auto attrition = table(file("all.h5"), "/attrition");
  EXPECT_EQ(patients.rows(), static_cast<std::size_t>(attrition.at("remaining").integers[1]));
  const hdf5::File store(file("all.h5"), hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(store.string_attribute("/patients", "scope"), "indexed");
  EXPECT_EQ(store.string_list_attribute("/patients", "rules")[kLiverDiseaseRule], "liver disease");
  const cohort::Population p = cohort::read_population(file("pop.h5"), 0, 60000);
  std::map<std::int64_t, std::size_t> row_of;
  for (std::size_t i = 0; i < p.persons(); ++i) row_of[p.person_id[i]] = i;
  int with_liver_disease = 0;
  for (std::size_t k = 0; k < patients.rows(); ++k) {
    const std::size_t i = row_of.at(patients.at("person_id").integers[k]);
    cohort::Day index = 0;
    ASSERT_TRUE(cohort::parse_date(patients.at("index_date").texts[k], &index));
    bool liver = false;
    for (std::uint64_t r = p.condition.offsets[i]; r < p.condition.offsets[i + 1]; ++r)
      liver = liver || (p.condition.concept_id[r] == kLiverDisease && p.condition.start[r] <= index);
    with_liver_disease += liver;
    const std::uint64_t bits = static_cast<std::uint64_t>(patients.at("rule_passed").integers[k]);
    EXPECT_EQ(bits >> kLiverDiseaseRule & 1, liver ? 0u : 1u) << "person " << p.person_id[i];
    // The reason names the first step the patient failed: entry steps, then rules in order.
    if (patients.at("status").texts[k] != "not eligible") continue;
    const std::int64_t entry = patients.at("entry_passed").integers[k];
    std::size_t step = 1;
    while (step < 5 && (entry >> (step - 1) & 1)) ++step;
    if (step == 5)
      while (bits >> (step - 5) & 1) ++step;
    EXPECT_EQ(patients.at("reason").texts[k], "removed by " + attrition.at("name").texts[step]);
  }
  EXPECT_GT(with_liver_disease, 5);
}

TEST_F(CohortPatients, QueryFiltersThePatientsTable) {
  const CommandRun run = molsieve(*dir_, "query " + file("all.h5") + " --table patients --format csv --where \"reason == "
                                             "'removed by liver disease'\" -o " + file("liver.csv") + " --overwrite");
  ASSERT_EQ(run.status, 0) << run.err;
  const auto rows = test::read_csv(file("liver.csv"));
  ASSERT_GT(rows.size(), 1u);
  const auto attrition = table(file("all.h5"), "/attrition");
  EXPECT_EQ(static_cast<std::int64_t>(rows.size() - 1), attrition.at("removed").integers[5 + kLiverDiseaseRule]);
}

TEST_F(CohortPatients, WhatIfWithARuleOffEqualsARunWithoutIt) {
  const workflows::StoredOutcomes stored = workflows::read_stored_outcomes(file("all.h5"));
  for (const std::string rule : {"liver disease", "eGFR >= 30 mL/min/1.73m2", "CYP2D6 poor metabolizer"}) {
    SCOPED_TRACE(rule);
    const workflows::WhatIfOutcome o = workflows::what_if(stored, {rule}, {});
    const std::string store = "without-" + std::to_string(std::hash<std::string>{}(rule)) + ".h5";
    const CommandRun run = cohort(without_rule(rule), store, "");
    ASSERT_EQ(run.status, 0) << run.err;
    const auto real = table(file(store), "/attrition");
    std::size_t k = 0;
    for (const auto& step : o.attrition) {
      if (step.name == rule) {
        EXPECT_FALSE(step.applied);
        EXPECT_EQ(step.removed, 0u);
        continue;
      }
      ASSERT_LT(k, real.rows());
      EXPECT_EQ(step.name, real.at("name").texts[k]);
      EXPECT_EQ(step.remaining, static_cast<std::uint64_t>(real.at("remaining").integers[k])) << step.name;
      EXPECT_EQ(step.removed, static_cast<std::uint64_t>(real.at("removed").integers[k])) << step.name;
      EXPECT_EQ(step.removed_alone, static_cast<std::uint64_t>(real.at("removed_alone").integers[k])) << step.name;
      ++k;
    }
    EXPECT_EQ(k, real.rows());
    std::vector<std::int64_t> chosen;
    for (const auto& c : o.chosen) chosen.push_back(c.person_id);
    EXPECT_EQ(chosen, table(file(store), "/cohort").at("person_id").integers);
    const hdf5::File real_store(file(store), hdf5::File::Mode::ReadOnly);
    EXPECT_DOUBLE_EQ(o.selection.total_score, real_store.double_attribute("/provenance", "total_score"));
  }
}

TEST_F(CohortPatients, WhatIfWithNothingSwitchedIsTheStoredRunAndEnablingUndoesDisabling) {
  const workflows::StoredOutcomes stored = workflows::read_stored_outcomes(file("all.h5"));
  const workflows::WhatIfOutcome same = workflows::what_if(stored, {}, {});
  const auto attrition = table(file("all.h5"), "/attrition");
  for (std::size_t k = 0; k < same.attrition.size(); ++k) {
    EXPECT_EQ(same.attrition[k].remaining, static_cast<std::uint64_t>(attrition.at("remaining").integers[k]));
    EXPECT_EQ(same.attrition[k].removed_alone, static_cast<std::uint64_t>(attrition.at("removed_alone").integers[k]));
  }
  std::vector<std::int64_t> chosen;
  for (const auto& c : same.chosen) chosen.push_back(c.person_id);
  EXPECT_EQ(chosen, table(file("all.h5"), "/cohort").at("person_id").integers);
  // A store in which the rule was not applied (as a candidate can leave it): --enable restores the run.
  workflows::StoredOutcomes off = stored;
  off.attrition = workflows::what_if(stored, {"liver disease"}, {}).attrition;
  const workflows::WhatIfOutcome on = workflows::what_if(off, {}, {"liver disease"});
  for (std::size_t k = 0; k < on.attrition.size(); ++k) EXPECT_EQ(on.attrition[k].remaining, same.attrition[k].remaining);
  EXPECT_EQ(on.selection.total_score, same.selection.total_score);
}

TEST_F(CohortPatients, WhatIfNamesAnUnknownRuleAndRefusesAStoreOfTheEligibleOnly) {
  const workflows::StoredOutcomes stored = workflows::read_stored_outcomes(file("all.h5"));
  const std::string unknown = test::error_of([&] { workflows::what_if(stored, {"liver diseases"}, {}); });
  EXPECT_NE(unknown.find("--disable \"liver diseases\""), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("\"liver disease\""), std::string::npos) << unknown;
  const std::string eligible = test::error_of([&] { workflows::read_stored_outcomes(file("eligible.h5")); });
  EXPECT_NE(eligible.find("--keep-all-indexed"), std::string::npos) << eligible;
  const CommandRun run = molsieve(*dir_, "what-if " + file("all.h5") + " --disable \"liver disease\"");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("(not applied)"), std::string::npos) << run.out;
}

TEST_F(CohortPatients, OmopCohortExportIsTheSelectionWithIndexAndObservationEnd) {
  for (const char* end : {"observation", "index"}) {
    SCOPED_TRACE(end);
    const CommandRun run = molsieve(*dir_, "export-cohort " + file("eligible.h5") + " --cohort-definition-id 17 --end " +
                                               end + " -o " + file("omop-cohort.csv") + " --overwrite");
    ASSERT_EQ(run.status, 0) << run.err;
    struct stat st {};
    ASSERT_EQ(stat(file("omop-cohort.csv").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "person ids are patient-level data";
    const auto rows = test::read_csv(file("omop-cohort.csv"));
    const auto cohort = table(file("eligible.h5"), "/cohort");
    ASSERT_EQ(rows.size(), cohort.rows() + 1);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"cohort_definition_id", "subject_id", "cohort_start_date",
                                                 "cohort_end_date"}));
    const cohort::Population p = cohort::read_population(file("pop.h5"), 0, 60000);
    for (std::size_t k = 0; k < cohort.rows(); ++k) {
      const auto& row = rows[k + 1];
      EXPECT_EQ(row[0], "17");
      EXPECT_EQ(row[1], std::to_string(cohort.at("person_id").integers[k]));
      EXPECT_EQ(row[2], cohort.at("index_date").texts[k]);
      const auto i = static_cast<std::size_t>(
          std::find(p.person_id.begin(), p.person_id.end(), cohort.at("person_id").integers[k]) - p.person_id.begin());
      cohort::Day index = 0, expected_end = 0;
      ASSERT_TRUE(cohort::parse_date(row[2], &index));
      expected_end = index;
      if (std::string(end) == "observation")
        for (std::uint64_t r = p.observation_period.offsets[i]; r < p.observation_period.offsets[i + 1]; ++r)
          if (p.observation_period.start[r] <= index && index <= p.observation_period.end[r])
            expected_end = p.observation_period.end[r];
      EXPECT_EQ(row[3], cohort::format_date(expected_end));
    }
  }
}

TEST_F(CohortPatients, CharacterizationCountsAndMediansFollowThePatients) {
  const auto t = table(file("eligible.h5"), "/characterization");
  const auto patients = table(file("eligible.h5"), "/patients");
  auto row = [&](const std::string& section, const std::string& characteristic, const std::string& group) {
    for (std::size_t k = 0; k < t.rows(); ++k)
      if (t.at("section").texts[k] == section && t.at("characteristic").texts[k] == characteristic &&
          t.at("group").texts[k] == group)
        return k;
    ADD_FAILURE() << section << " " << characteristic << " " << group;
    return std::size_t{0};
  };
  EXPECT_EQ(t.at("count").integers[row("patients", "all", "population")], 60000);
  EXPECT_EQ(t.at("count").integers[row("patients", "all", "eligible")], static_cast<std::int64_t>(patients.rows()));
  EXPECT_EQ(t.at("count").integers[row("patients", "all", "selected")], 40);
  const cohort::Population p = cohort::read_population(file("pop.h5"), 0, 60000);
  EXPECT_EQ(t.at("count").integers[row("sex", "female", "population")],
            std::count(p.gender_concept_id.begin(), p.gender_concept_id.end(), 8532));
  std::int64_t eligible_female = 0, selected_female = 0;
  std::vector<double> selected_ages;
  for (std::size_t i = 0; i < patients.rows(); ++i) {
    const bool female = patients.at("sex").texts[i] == "female";
    eligible_female += female;
    if (patients.at("rank").integers[i] > 0) {
      selected_female += female;
      selected_ages.push_back(static_cast<double>(patients.at("age").integers[i]));
    }
  }
  EXPECT_EQ(t.at("count").integers[row("sex", "female", "eligible")], eligible_female);
  EXPECT_EQ(t.at("count").integers[row("sex", "female", "selected")], selected_female);
  std::sort(selected_ages.begin(), selected_ages.end());
  const std::size_t age = row("age", "age at reference day (years)", "selected");
  EXPECT_DOUBLE_EQ(t.at("median").numbers[age], (selected_ages[19] + selected_ages[20]) / 2);
  EXPECT_DOUBLE_EQ(t.at("percent").numbers[row("sex", "female", "selected")], 100.0 * selected_female / 40);
  // Everyone eligible has the index condition: 100%.
  EXPECT_DOUBLE_EQ(t.at("percent").numbers[row("condition", "Alzheimer's disease", "eligible")], 100);
  // A count from 1 to 4 comes with no percent or median.
  int small = 0;
  for (std::size_t k = 0; k < t.rows(); ++k) {
    const std::int64_t n = t.at("count").integers[k];
    if (n < 1 || n > 4) continue;
    ++small;
    EXPECT_TRUE(std::isnan(t.at("percent").numbers[k])) << t.at("characteristic").texts[k];
    EXPECT_TRUE(std::isnan(t.at("median").numbers[k])) << t.at("characteristic").texts[k];
  }
  EXPECT_GT(small, 0);
}

TEST_F(CohortPatients, ReportShowsTheCharacterizationOfTheThreeGroups) {
  ASSERT_EQ(cohort(kExample, "reported.h5", "--report " + file("report.html")).status, 0);
  const std::string html = test::read_text(file("report.html"));
  const auto at = html.find("<h2>Characterization</h2>");
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(html.find("<th>population</th><th>eligible</th><th>selected</th>", at), std::string::npos);
  EXPECT_NE(html.find("<td>patients</td><td>all</td><td>60,000 (100.0%)</td>", at), std::string::npos);
  EXPECT_NE(html.find("<td>40 (100.0%)</td></tr>", at), std::string::npos) << "the selected group's patients";
  EXPECT_NE(html.find("eGFR (mL/min/1.73m2)</td>", at), std::string::npos);
  EXPECT_NE(html.find("<td><i>suppressed</i></td>", at), std::string::npos) << "small counts are suppressed";
}

TEST_F(CohortPatients, SlicesWriteTheSamePatientsAndCharacterization) {
  ASSERT_EQ(cohort(kExample, "sliced.h5", "--keep-all-indexed --slice 7777").status, 0);
  for (const char* group : {"/patients", "/characterization"}) {
    SCOPED_TRACE(group);
    const auto a = table(file("all.h5"), group), b = table(file("sliced.h5"), group);
    ASSERT_EQ(a.rows(), b.rows());
    ASSERT_EQ(a.columns().size(), b.columns().size());
    for (std::size_t c = 0; c < a.columns().size(); ++c) {
      const auto& x = a.columns()[c];
      const auto& y = b.columns()[c];
      EXPECT_EQ(x.integers, y.integers) << x.name;
      EXPECT_EQ(x.texts, y.texts) << x.name;
      ASSERT_EQ(x.numbers.size(), y.numbers.size());
      for (std::size_t i = 0; i < x.numbers.size(); ++i)
        if (!(std::isnan(x.numbers[i]) && std::isnan(y.numbers[i]))) EXPECT_EQ(x.numbers[i], y.numbers[i]) << x.name;
    }
  }
}

TEST(CohortRuleMasks, MoreRulesThanAMaskHoldsIsAnErrorNamingTheLimit) {
  std::string rules;
  for (int r = 0; r < 65; ++r)
    rules += std::string(r ? "," : "") + R"({"name": "r)" + std::to_string(r) +
             R"(", "condition": {"concepts": [194984]}})";
  const cohort::CohortDefinition definition = cohort::parse_cohort_definition(
      R"({"name": "t", "index": {"date": "2025-06-30"}, "exclusion_rules": [)" + rules + "]}", "many.json");
  ASSERT_EQ(definition.rules.size(), 65u);
  const std::string error =
      test::error_of([&] { cohort::EligibilityEvaluator(definition, nullptr, kernels::Backend::Cpu); });
  EXPECT_NE(error.find("65 rules; a patient's rule outcomes hold at most 64"), std::string::npos) << error;
}

}  // namespace
}  // namespace molsieve
