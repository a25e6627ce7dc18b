// Patients and eligibility: the calendar, the synthetic population, each rule type against a
// plain count over the raw tables, backends and slices against each other (quota selection:
// test_quota_selection.cpp; definition errors: test_cohort_definition.cpp; OMOP CSV:
// test_omop_csv.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "cohort/calendar.h"
#include "cohort/cohort_definition.h"
#include "cohort/eligibility.h"
#include "cohort/quota_selection.h"
#include "cohort/synthetic_population.h"
#include "cohort/vocabulary.h"
#include "core/error.h"
#include "cohort_test_support.h"
#include "test_support.h"

namespace molsieve::cohort {
namespace {

namespace c = concepts;
using test::one_rule;
using test::population;
// Patients the rule keeps, by the evaluator.
std::vector<std::uint8_t> kept(const std::string& json, kernels::Backend backend = kernels::Backend::Cpu) {
  const CohortDefinition d = parse_cohort_definition(json, "test.json");
  const EligibilityEvaluator evaluator(d, nullptr, backend);
  return evaluator.evaluate(population()).eligible;
}

std::uint64_t count(const std::vector<std::uint8_t>& flags) { return std::accumulate(flags.begin(), flags.end(), 0ull); }

const Day kIndex = day_from_civil(2025, 6, 30);

TEST(Calendar, DaysRoundTripAndInvalidDatesAreRefused) {
  EXPECT_EQ(day_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(day_from_civil(2000, 3, 1) - day_from_civil(2000, 2, 28), 2);  // 2000 is a leap year
  EXPECT_EQ(format_date(day_from_civil(2024, 2, 29)), "2024-02-29");
  Day d;
  EXPECT_TRUE(parse_date("2025-06-30 00:00:00", &d));
  EXPECT_EQ(d, kIndex);
  EXPECT_FALSE(parse_date("2023-02-29", &d));
  EXPECT_FALSE(parse_date("2023-13-01", &d));
  EXPECT_FALSE(parse_date("30/06/2025", &d));
}

TEST(SyntheticPopulation, SameSeedSamePatientsWhateverTheSlicing) {
  const Population whole = synthesize_population(5, 0, 300);
  Population pieces = synthesize_population(5, 0, 120);
  append_population(pieces, synthesize_population(5, 120, 180));
  EXPECT_EQ(whole.person_id, pieces.person_id);
  EXPECT_EQ(whole.year_of_birth, pieces.year_of_birth);
  EXPECT_EQ(whole.condition.concept_id, pieces.condition.concept_id);
  EXPECT_EQ(whole.condition.offsets, pieces.condition.offsets);
  EXPECT_EQ(whole.measurement.value, pieces.measurement.value);
  EXPECT_EQ(whole.drug.start, pieces.drug.start);
  const Population other = synthesize_population(6, 0, 300);
  EXPECT_NE(whole.measurement.value, other.measurement.value);
}

TEST(SyntheticPopulation, PrevalenceAndLabsFollowTheDocumentedDistributions) {
  const Population& p = population();
  std::uint64_t female = 0, diabetes = 0, ckd_patients = 0;
  double egfr_ckd = 0, egfr_other = 0;
  std::uint64_t n_ckd = 0, n_other = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    female += p.gender_concept_id[i] == c::kFemale;
    bool has_ckd = false;
    for (auto r = p.condition.offsets[i]; r < p.condition.offsets[i + 1]; ++r) {
      diabetes += p.condition.concept_id[r] == c::kType2Diabetes;
      has_ckd = has_ckd || p.condition.concept_id[r] == c::kChronicKidneyDisease;
    }
    ckd_patients += has_ckd;
    for (auto r = p.measurement.offsets[i]; r < p.measurement.offsets[i + 1]; ++r)
      if (p.measurement.concept_id[r] == c::kEgfr) {
        (has_ckd ? egfr_ckd : egfr_other) += p.measurement.value[r];
        ++(has_ckd ? n_ckd : n_other);
      }
  }
  EXPECT_NEAR(female / 20000.0, 0.505, 0.015);
  EXPECT_GT(diabetes / 20000.0, 0.07);  // US adults: about 11%
  EXPECT_LT(diabetes / 20000.0, 0.16);
  EXPECT_LT(egfr_ckd / n_ckd, egfr_other / n_other - 20);  // CKD lowers eGFR
}

// --- each rule type against a plain count over the raw tables ---------------------------

TEST(Eligibility, ConditionInWindowMatchesPlainCount) {
  const auto flags = kept(one_rule(R"({"condition": {"concepts": [316139], "window": {"start": -730, "end": 0}}})"));
  const Population& p = population();
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    bool any = false;
    for (auto r = p.condition.offsets[i]; r < p.condition.offsets[i + 1]; ++r)
      any = any || (p.condition.concept_id[r] == c::kHeartFailure && p.condition.start[r] >= kIndex - 730 &&
                    p.condition.start[r] <= kIndex);
    expected += any;
    ASSERT_EQ(flags[i], any) << "person " << p.person_id[i];
  }
  EXPECT_GT(expected, 20u);
}

TEST(Eligibility, DrugExclusionByOverlapMatchesPlainCount) {
  const auto flags = kept(
      one_rule(R"({"drug": {"concepts": [1750500, 985708, 1703653, 1748921], "window": {"start": -30, "end": 0}}})",
               "exclusion_rules"));
  const Population& p = population();
  const std::vector<std::int32_t> inhibitors{c::kClarithromycin, c::kKetoconazole, c::kItraconazole, c::kRitonavir};
  std::uint64_t removed = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    bool exposed = false;
    for (auto r = p.drug.offsets[i]; r < p.drug.offsets[i + 1]; ++r)
      exposed = exposed || (std::count(inhibitors.begin(), inhibitors.end(), p.drug.concept_id[r]) &&
                            p.drug.start[r] <= kIndex && p.drug.end[r] >= kIndex - 30);
    removed += exposed;
    ASSERT_EQ(flags[i], !exposed) << "person " << p.person_id[i];
  }
  EXPECT_GT(removed, 5u);
}

TEST(Eligibility, LatestMeasurementRelativeToUpperLimitMatchesPlainCount) {
  const auto flags = kept(one_rule(
      R"({"measurement": {"concepts": [3006923], "window": {"start": -365, "end": 0}, "op": "<=", "value": 1.5, "unit": "x ULN"}})"));
  const Population& p = population();
  const MeasurementTable& m = p.measurement;
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    Day latest = -1000000;
    double ratio = NAN;
    for (auto r = m.offsets[i]; r < m.offsets[i + 1]; ++r)
      if (m.concept_id[r] == c::kAlt && m.date[r] >= kIndex - 365 && m.date[r] <= kIndex && m.date[r] >= latest) {
        latest = m.date[r];
        ratio = m.value[r] / m.range_high[r];
      }
    const bool holds = !std::isnan(ratio) && ratio <= 1.5;
    expected += holds;
    ASSERT_EQ(flags[i], holds) << "person " << p.person_id[i];
  }
  EXPECT_GT(expected, 1000u);
  EXPECT_LT(expected, p.persons());
}

TEST(Eligibility, CreatinineThresholdInMicromolesIsConvertedFromTheStoredUnit) {
  // The store keeps creatinine in mg/dL; 1 mg/dL = 88.42 umol/L.
  const auto flags = kept(one_rule(
      R"({"measurement": {"concepts": [3016723], "occurrence": "any", "op": "<", "value": 97.262, "unit": "µmol/L"}})"));
  const Population& p = population();
  const MeasurementTable& m = p.measurement;
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    bool any = false;
    for (auto r = m.offsets[i]; r < m.offsets[i + 1]; ++r)
      any = any || (m.concept_id[r] == c::kCreatinine && m.date[r] <= kIndex && m.value[r] * 88.42 < 97.262);
    expected += any;
    ASSERT_EQ(flags[i], any) << "person " << p.person_id[i];
  }
  EXPECT_GT(expected, 1000u);
}

TEST(Eligibility, GenotypeResultsAndBiomarkerValuesMatchPlainCounts) {
  const Population& p = population();
  const GenotypeTable& g = p.genotype;
  const auto poor = kept(one_rule(R"({"genotype": {"gene": "CYP2D6", "result": "poor metabolizer"}})", "exclusion_rules"));
  const auto high = kept(one_rule(R"({"genotype": {"gene": "TARGET_EXPRESSION", "op": ">=", "value": 1.25}})"));
  std::uint64_t poor_count = 0, high_count = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    bool is_poor = false, is_high = false;
    for (auto r = g.offsets[i]; r < g.offsets[i + 1]; ++r) {
      is_poor = is_poor || (g.genes[g.gene[r]] == "CYP2D6" && g.results[g.result[r]] == "poor metabolizer");
      is_high = is_high || (g.genes[g.gene[r]] == "TARGET_EXPRESSION" && g.value[r] >= 1.25);
    }
    poor_count += is_poor;
    high_count += is_high;
    ASSERT_EQ(poor[i], !is_poor);
    ASSERT_EQ(high[i], is_high);
  }
  EXPECT_NEAR(poor_count / 20000.0, 0.05, 0.02);  // CPIC: 1 to 6% by ancestry
  EXPECT_GT(high_count, 500u);
}

TEST(Eligibility, NestedGroupsCombineTheirMembers) {
  const std::string hf = R"({"condition": {"concepts": [316139]}})";
  const std::string dm = R"({"condition": {"concepts": [201826]}})";
  const std::string htn = R"({"condition": {"concepts": [320128]}})";
  const auto a = kept(one_rule(hf)), b = kept(one_rule(dm)), h = kept(one_rule(htn));
  const auto any = kept(one_rule(R"({"any": [)" + hf + "," + dm + "]}"));
  const auto all = kept(one_rule(R"({"all": [)" + hf + "," + dm + "]}"));
  const auto two = kept(one_rule(R"({"at_least": {"count": 2, "of": [)" + hf + "," + dm + "," + htn + "]}}"));
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(any[i], a[i] || b[i]);
    ASSERT_EQ(all[i], a[i] && b[i]);
    ASSERT_EQ(two[i], a[i] + b[i] + h[i] >= 2);
  }
  EXPECT_GT(count(all), 0u);
}

TEST(Eligibility, IndexEventObservationAgeAndSexMatchPlainCounts) {
  const std::string json = R"({"name": "t", "index": {"condition": {"concepts": [201826]}},
    "observation": {"prior_days": 365}, "demographics": {"age": {"min": 40, "max": 70}, "sex": ["female"]}})";
  const CohortDefinition d = parse_cohort_definition(json, "t.json");
  const EligibilityResult r = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(population());
  const Population& p = population();
  std::uint64_t with_index = 0, eligible = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    Day first = kernels::kNoIndexDay;
    for (auto k = p.condition.offsets[i]; k < p.condition.offsets[i + 1]; ++k)
      if (p.condition.concept_id[k] == c::kType2Diabetes && (first == kernels::kNoIndexDay || p.condition.start[k] < first))
        first = p.condition.start[k];
    if (first == kernels::kNoIndexDay) continue;
    ++with_index;
    const int age = year_of(first) - p.year_of_birth[i];
    const bool observed = p.observation_period.start[p.observation_period.offsets[i]] + 365 <= first;
    eligible += observed && age >= 40 && age <= 70 && p.gender_concept_id[i] == c::kFemale;
  }
  EXPECT_EQ(r.attrition[1].remaining, with_index);
  EXPECT_EQ(r.attrition.back().remaining, eligible);
  EXPECT_EQ(count(r.eligible), eligible);
}

// --- the definition as a whole ----------------------------------------------------------

std::string example_definition() {
  std::ifstream in(std::string(MOLSIEVE_SOURCE_DIR) + "/datasets/cohorts/example.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Eligibility, CpuBackendEqualsReferenceBackendOnTheExampleDefinition) {
  const CohortDefinition d = parse_cohort_definition(example_definition(), "example.json");
  const auto cpu = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(population());
  const auto reference = EligibilityEvaluator(d, nullptr, kernels::Backend::Reference).evaluate(population());
  EXPECT_EQ(cpu.eligible, reference.eligible);
  for (std::size_t k = 0; k < cpu.attrition.size(); ++k) {
    EXPECT_EQ(cpu.attrition[k].remaining, reference.attrition[k].remaining) << cpu.attrition[k].name;
    EXPECT_EQ(cpu.attrition[k].removed_alone, reference.attrition[k].removed_alone) << cpu.attrition[k].name;
  }
  EXPECT_GT(count(cpu.eligible), 20u);
}

// Eligibility reads a few bytes per event and is bound by the store's memory traffic: it has
// no CUDA backend, and a request for one is refused with the devices that work.
TEST(Eligibility, CudaBackendIsRefusedNamingTheDevicesThatWork) {
  const CohortDefinition d = parse_cohort_definition(one_rule(R"({"condition": {"concepts": [316139]}})"), "t.json");
  EXPECT_EQ(test::error_of([&] { EligibilityEvaluator(d, nullptr, kernels::Backend::Cuda).evaluate(population()); }),
            "eligibility has no CUDA backend; use --device cpu or auto");
}

TEST(Eligibility, AttritionIsMonotoneAndRemovedAddsUp) {
  const CohortDefinition d = parse_cohort_definition(example_definition(), "example.json");
  const auto r = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(population());
  for (std::size_t k = 1; k < r.attrition.size(); ++k) {
    EXPECT_LE(r.attrition[k].remaining, r.attrition[k - 1].remaining);
    EXPECT_EQ(r.attrition[k - 1].remaining - r.attrition[k].remaining, r.attrition[k].removed);
    EXPECT_GE(r.attrition[k].removed_alone, k > 1 ? r.attrition[k].removed : 0) << r.attrition[k].name;
  }
  EXPECT_EQ(r.attrition.back().remaining, count(r.eligible));
}

TEST(Eligibility, SlicesAddUpToTheWholePopulation) {
  const CohortDefinition d = parse_cohort_definition(example_definition(), "example.json");
  const EligibilityEvaluator evaluator(d, nullptr, kernels::Backend::Cpu);
  const auto whole = evaluator.evaluate(population());
  std::vector<AttritionStep> added;
  std::vector<std::uint8_t> eligible;
  for (std::uint64_t first = 0; first < 20000; first += 6999) {
    const auto part = evaluator.evaluate(synthesize_population(test::kPopulationSeed, first, std::min<std::uint64_t>(6999, 20000 - first)));
    add_attrition(added, part.attrition);
    eligible.insert(eligible.end(), part.eligible.begin(), part.eligible.end());
  }
  EXPECT_EQ(eligible, whole.eligible);
  for (std::size_t k = 0; k < added.size(); ++k) {
    EXPECT_EQ(added[k].remaining, whole.attrition[k].remaining);
    EXPECT_EQ(added[k].removed_alone, whole.attrition[k].removed_alone);
  }
}

TEST(Eligibility, CandidatePredictionsSwitchRulesOnAndOff) {
  const CohortDefinition d = parse_cohort_definition(example_definition(), "example.json");
  const std::map<std::string, double> risky{{"CT_TOX", 0.8}, {"SR-MMP", 0.1}}, safe{{"CT_TOX", 0.2}, {"SR-MMP", 0.1}};
  const auto with_risk = EligibilityEvaluator(d, &risky, kernels::Backend::Cpu).evaluate(population());
  const auto without = EligibilityEvaluator(d, &safe, kernels::Backend::Cpu).evaluate(population());
  const auto unknown = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(population());
  const auto step = [&](const EligibilityResult& r) {
    return *std::find_if(r.attrition.begin(), r.attrition.end(),
                         [](const AttritionStep& s) { return s.name.find("1.5 x ULN") != std::string::npos; });
  };
  EXPECT_TRUE(step(with_risk).applied);
  EXPECT_FALSE(step(without).applied);
  EXPECT_EQ(step(without).removed, 0u);
  EXPECT_TRUE(step(unknown).applied);  // no candidate: the stricter rule holds
  EXPECT_NE(step(without).activation.find("does not meet CT_TOX > 0.5"), std::string::npos);
  EXPECT_GE(count(without.eligible), count(with_risk.eligible));
  const std::map<std::string, double> missing{{"pIC50", 7}};
  EXPECT_THROW(EligibilityEvaluator(d, &missing, kernels::Backend::Cpu), Error);
}


// --- if_missing and missing reference ranges -----------------------------------------------

// One patient with one ALT value dated before the index day, with or without a reference range.
Population one_alt_patient(double alt, double range_high) {
  Population p;
  p.person_id = {1};
  p.year_of_birth = {1960};
  p.gender_concept_id = {c::kFemale};
  p.race_concept_id = {c::kWhite};
  p.ethnicity_concept_id = {c::kNotHispanic};
  p.observation_period.concept_id = {32817};
  p.observation_period.start = {day_from_civil(2020, 1, 1)};
  p.observation_period.end = {day_from_civil(2025, 12, 31)};
  p.observation_period.offsets = {0, 1};
  p.condition.offsets = p.drug.offsets = {0, 0};
  MeasurementTable& m = p.measurement;
  m.concept_id = {c::kAlt};
  m.date = {day_from_civil(2025, 5, 1)};
  m.value = {alt};
  m.unit = {m.unit_code("U/L")};
  m.range_low = {std::nan("")};
  m.range_high = {range_high};
  m.offsets = {0, 1};
  p.genotype.offsets = {0, 0};
  return p;
}

EligibilityResult evaluate_rule(const std::string& rule, const Population& p, const std::string& kind = "inclusion_rules") {
  const CohortDefinition d = parse_cohort_definition(one_rule(rule, kind), "test.json");
  return EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(p);
}

TEST(IfMissing, AltWithoutReferenceRangeIsDecidedByIfMissingNotRemovedSilently) {
  const std::string rule = R"({"measurement": {"concepts": [3006923], "op": "<=", "value": 2.5, "unit": "x ULN",
                               "if_missing": "pass"}})";
  const EligibilityResult r = evaluate_rule(rule, one_alt_patient(25, std::nan("")));
  EXPECT_EQ(r.eligible, std::vector<std::uint8_t>{1});
  EXPECT_EQ(r.attrition.back().decided_if_missing, 1u);
  const EligibilityResult fails = evaluate_rule(
      R"({"measurement": {"concepts": [3006923], "op": "<=", "value": 2.5, "unit": "x ULN", "if_missing": "fail"}})",
      one_alt_patient(25, std::nan("")));
  EXPECT_EQ(fails.eligible, std::vector<std::uint8_t>{0});
  EXPECT_EQ(fails.attrition.back().decided_if_missing, 1u);
  // With a range the value decides, and if_missing decides nobody.
  const EligibilityResult ranged = evaluate_rule(rule, one_alt_patient(25, 40));
  EXPECT_EQ(ranged.eligible, std::vector<std::uint8_t>{1});
  EXPECT_EQ(ranged.attrition.back().decided_if_missing, 0u);
  EXPECT_EQ(evaluate_rule(rule, one_alt_patient(250, 40)).eligible, std::vector<std::uint8_t>{0});
}

}  // namespace
}  // namespace molsieve::cohort
