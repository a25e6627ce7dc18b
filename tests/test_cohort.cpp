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

TEST(SyntheticPopulation, RecordsPregnanciesInsulinAndPatientsWithoutGenotypes) {
  const Population& p = population();
  std::uint64_t women_18_44 = 0, pregnant = 0, pregnant_outside = 0, diabetics = 0, on_insulin = 0,
                insulin_without_diabetes = 0, without_genotypes = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    const int age = year_of(synthetic_reference_day()) - p.year_of_birth[i];
    const bool woman_18_44 = p.gender_concept_id[i] == c::kFemale && age <= 44;
    bool is_pregnant = false, diabetic = false, insulin = false;
    for (auto r = p.condition.offsets[i]; r < p.condition.offsets[i + 1]; ++r) {
      const auto id = p.condition.concept_id[r];
      is_pregnant = is_pregnant || (id >= c::kPregnancyFirstTrimester && id <= c::kPregnancyThirdTrimester);
      diabetic = diabetic || id == c::kType2Diabetes;
    }
    for (auto r = p.drug.offsets[i]; r < p.drug.offsets[i + 1]; ++r)
      insulin = insulin || p.drug.concept_id[r] == c::kInsulinGlargine || p.drug.concept_id[r] == c::kInsulinLispro ||
                p.drug.concept_id[r] == c::kInsulinAspart;
    women_18_44 += woman_18_44;
    pregnant += woman_18_44 && is_pregnant;
    pregnant_outside += !woman_18_44 && is_pregnant;
    diabetics += diabetic;
    on_insulin += diabetic && insulin;
    insulin_without_diabetes += !diabetic && insulin;
    without_genotypes += p.genotype.offsets[i] == p.genotype.offsets[i + 1];
  }
  EXPECT_NEAR(static_cast<double>(pregnant) / women_18_44, 0.04, 0.012);
  EXPECT_EQ(pregnant_outside, 0u);
  EXPECT_NEAR(static_cast<double>(on_insulin) / diabetics, 0.25, 0.04);
  EXPECT_EQ(insulin_without_diabetes, 0u);
  // 20% untested, less those with a measured target expression (a biomarker row).
  EXPECT_GT(without_genotypes, p.persons() / 10);
  EXPECT_LT(without_genotypes, p.persons() / 5);
}

TEST(SyntheticPopulation, VocabularyKnowsEveryRecordedConceptWithItsHierarchy) {
  const ConceptVocabulary& v = synthetic_vocabulary();
  const Population& p = population();
  for (const auto* ids : {&p.condition.concept_id, &p.drug.concept_id, &p.measurement.concept_id, &p.gender_concept_id,
                          &p.race_concept_id, &p.ethnicity_concept_id})
    for (const std::int32_t id : *ids) ASSERT_NE(v.find(id), nullptr) << id;
  EXPECT_EQ(v.find(c::kType2Diabetes)->concept_name, "type 2 diabetes mellitus");
  EXPECT_EQ(v.find(c::kType2Diabetes)->domain_id, "Condition");
  EXPECT_EQ(v.find(c::kType2Diabetes)->standard_concept, "S");
  EXPECT_EQ(v.descendants(c::kInsulins),
            (std::vector<std::int32_t>{c::kInsulinGlargine, c::kInsulinLispro, c::kInsulinAspart, c::kInsulins}));
  EXPECT_EQ(v.descendants(c::kType2Diabetes),
            (std::vector<std::int32_t>{c::kType2Diabetes, c::kType2DiabetesDisorder, c::kType2DiabetesUncomplicated}));
  // Every pair once, every concept its own descendant at 0 levels, grandchildren at 2.
  const auto& pairs = v.ancestry();
  for (const Concept& concept_row : v.concepts())
    EXPECT_EQ(std::count_if(pairs.begin(), pairs.end(), [&](const ConceptAncestry& a) {
                return a.ancestor_concept_id == concept_row.concept_id && a.descendant_concept_id == concept_row.concept_id &&
                       a.min_levels_of_separation == 0;
              }), 1);
  EXPECT_EQ(std::count_if(pairs.begin(), pairs.end(), [](const ConceptAncestry& a) {
              return a.ancestor_concept_id == c::kDiabetesMellitus && a.descendant_concept_id == c::kType2DiabetesDisorder &&
                     a.min_levels_of_separation == 2 && a.max_levels_of_separation == 2;
            }), 1);
}

TEST(Eligibility, PregnancyExclusionWithDescendantsRemovesExactlyThePregnantWomen) {
  std::vector<std::string> warnings;
  const CohortDefinition d = test::resolved_definition(
      one_rule(R"({"condition": {"concepts": [{"concept_id": 4299535, "includeDescendants": true}]}})", "exclusion_rules"),
      &warnings);
  EXPECT_TRUE(warnings.empty());
  const auto r = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(population());
  const Population& p = population();
  std::uint64_t pregnant = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    bool is_pregnant = false;
    for (auto row = p.condition.offsets[i]; row < p.condition.offsets[i + 1]; ++row)
      is_pregnant = is_pregnant || (p.condition.concept_id[row] >= c::kPregnancyFirstTrimester &&
                                    p.condition.concept_id[row] <= c::kPregnancyThirdTrimester &&
                                    p.condition.start[row] <= kIndex);
    pregnant += is_pregnant;
    EXPECT_EQ(r.eligible[i], is_pregnant ? 0 : 1);
  }
  EXPECT_GT(pregnant, 0u);
  EXPECT_EQ(r.attrition.back().removed, pregnant);
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
  const CohortDefinition d = test::resolved_definition(example_definition());
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
  const CohortDefinition d = test::resolved_definition(example_definition());
  const auto r = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(population());
  for (std::size_t k = 1; k < r.attrition.size(); ++k) {
    EXPECT_LE(r.attrition[k].remaining, r.attrition[k - 1].remaining);
    EXPECT_EQ(r.attrition[k - 1].remaining - r.attrition[k].remaining, r.attrition[k].removed);
    EXPECT_GE(r.attrition[k].removed_alone, k > 1 ? r.attrition[k].removed : 0) << r.attrition[k].name;
  }
  EXPECT_EQ(r.attrition.back().remaining, count(r.eligible));
}

TEST(Eligibility, SlicesAddUpToTheWholePopulation) {
  const CohortDefinition d = test::resolved_definition(example_definition());
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
    EXPECT_EQ(added[k].decided_if_missing, whole.attrition[k].decided_if_missing);
  }
}

TEST(Eligibility, CandidatePredictionsSwitchRulesOnAndOff) {
  const CohortDefinition d = test::resolved_definition(example_definition());
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

// The rule's result, the same on the CPU backend and the reference one.
EligibilityResult evaluate_rule(const std::string& rule, const Population& p) {
  const CohortDefinition d = parse_cohort_definition(one_rule(rule), "test.json");
  const EligibilityResult cpu = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(p);
  const EligibilityResult reference = EligibilityEvaluator(d, nullptr, kernels::Backend::Reference).evaluate(p);
  EXPECT_EQ(cpu.eligible, reference.eligible);
  EXPECT_EQ(cpu.attrition.back().decided_if_missing, reference.attrition.back().decided_if_missing);
  return cpu;
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
  // A range of multiples: without a limit any positive value could lie in it; 0 never can.
  const std::string range = R"({"measurement": {"concepts": [3006923], "min": 0.5, "max": 2.5, "unit": "x ULN",
                                "if_missing": "pass"}})";
  const EligibilityResult unknown_limit = evaluate_rule(range, one_alt_patient(25, std::nan("")));
  EXPECT_EQ(unknown_limit.eligible, std::vector<std::uint8_t>{1});
  EXPECT_EQ(unknown_limit.attrition.back().decided_if_missing, 1u);
  const EligibilityResult zero = evaluate_rule(range, one_alt_patient(0, std::nan("")));
  EXPECT_EQ(zero.eligible, std::vector<std::uint8_t>{0});
  EXPECT_EQ(zero.attrition.back().decided_if_missing, 0u);
}


TEST(IfMissing, MeasurementAtAnyOccurrenceWithoutValuesIsDecidedByIfMissing) {
  Population none = one_alt_patient(25, 40);
  none.measurement.concept_id = {c::kAst};  // an AST value, no ALT
  const std::string rule = R"({"measurement": {"concepts": [3006923], "op": "<=", "value": 2.5, "unit": "x ULN",
                               "occurrence": "any", "if_missing": "pass"}})";
  const EligibilityResult r = evaluate_rule(rule, none);
  EXPECT_EQ(r.eligible, std::vector<std::uint8_t>{1});
  EXPECT_EQ(r.attrition.back().decided_if_missing, 1u);
  // With a value, the value decides: ALT 250 fails whatever if_missing says.
  const EligibilityResult high = evaluate_rule(rule, one_alt_patient(250, 40));
  EXPECT_EQ(high.eligible, std::vector<std::uint8_t>{0});
  EXPECT_EQ(high.attrition.back().decided_if_missing, 0u);
}

TEST(IfMissing, PatientsWithoutTheGeneOnRecordAreCountedPerStep) {
  const Population& p = population();
  std::uint64_t untested = 0;
  for (std::size_t i = 0; i < p.persons(); ++i) {
    bool has = false;
    for (auto r = p.genotype.offsets[i]; r < p.genotype.offsets[i + 1]; ++r)
      has = has || p.genotype.genes[p.genotype.gene[r]] == "CYP2D6";
    untested += !has;
  }
  ASSERT_GT(untested, 0u);
  for (const char* missing : {"fail", "pass"}) {
    const CohortDefinition d = test::resolved_definition(one_rule(
        std::string(R"({"genotype": {"gene": "CYP2D6", "result": "normal metabolizer", "if_missing": ")") + missing + "\"}}"));
    const auto r = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(p);
    EXPECT_EQ(r.attrition.back().decided_if_missing, untested) << missing;
    std::uint64_t kept_untested = 0;
    for (std::size_t i = 0; i < p.persons(); ++i)
      kept_untested += r.eligible[i] && p.genotype.offsets[i] == p.genotype.offsets[i + 1];
    EXPECT_EQ(kept_untested > 0, std::string(missing) == "pass") << missing;
  }
}

// --- candidate conditions -------------------------------------------------------------------

const AttritionStep& rule_step(const EligibilityEvaluator& e) { return e.steps().back(); }

EligibilityEvaluator candidate_rule(const CohortDefinition& d, const std::map<std::string, double>& predictions,
                                    const std::map<std::string, std::string>* domains = nullptr) {
  return EligibilityEvaluator(d, &predictions, kernels::Backend::Cpu, domains);
}

CohortDefinition when_rule(const std::string& when) {
  return parse_cohort_definition(
      one_rule(R"({"name": "ALT <= 1.5 x ULN", "when": )" + when +
               R"(, "measurement": {"concepts": [3006923], "op": "<=", "value": 1.5, "unit": "x ULN"}})"),
      "test.json");
}

TEST(CandidateConditions, OutOfDomainPredictionCannotRuleTheRiskOutByDefault) {
  const CohortDefinition d = when_rule(R"({"prediction": "CT_TOX", "op": ">", "value": 0.2})");
  const std::map<std::string, double> outside{{"CT_TOX", 0.068}, {"clintox_in_domain", 0}},
      inside{{"CT_TOX", 0.068}, {"clintox_in_domain", 1}};
  const auto extrapolated = candidate_rule(d, outside);
  EXPECT_TRUE(rule_step(extrapolated).applied);
  EXPECT_EQ(rule_step(extrapolated).activation,
            "applied: the candidate's CT_TOX = 0.068 is an extrapolation (out of the model's domain, clintox_in_domain = "
            "0): cannot be ruled out, rule applied");
  const auto trusted = candidate_rule(d, inside);
  EXPECT_FALSE(rule_step(trusted).applied);
  EXPECT_EQ(rule_step(trusted).activation, "not applied: the candidate's CT_TOX = 0.068 does not meet CT_TOX > 0.2");
  // The rule applied removes patients; not applied, it removes nobody.
  EXPECT_GT(extrapolated.evaluate(population()).attrition.back().removed, 0u);
  EXPECT_EQ(trusted.evaluate(population()).attrition.back().removed, 0u);
  // The designer may choose otherwise, per condition.
  EXPECT_FALSE(rule_step(candidate_rule(when_rule(R"({"prediction": "CT_TOX", "op": ">", "value": 0.2,
                                                     "if_out_of_domain": "use_value"})"), outside)).applied);
  EXPECT_FALSE(rule_step(candidate_rule(when_rule(R"({"prediction": "CT_TOX", "op": ">", "value": 0.01,
                                                     "if_out_of_domain": "fail"})"), outside)).applied);
  const std::map<std::string, double> unreadable{{"CT_TOX", std::nan("")}, {"clintox_in_domain", 0}};
  EXPECT_TRUE(rule_step(candidate_rule(d, unreadable)).applied);
  EXPECT_FALSE(rule_step(candidate_rule(when_rule(R"({"prediction": "CT_TOX", "op": ">", "value": 0.2,
                                                     "if_missing": "fail"})"), unreadable)).applied);
}

TEST(CandidateConditions, AllAndAnyCombineConditionsAndEachNamesItsModelsDomain) {
  const std::map<std::string, double> predictions{
      {"CT_TOX", 0.8}, {"SR-MMP", 0.1}, {"clintox_in_domain", 1}, {"tox21_in_domain", 1}};
  const std::map<std::string, std::string> domains{{"CT_TOX", "clintox_in_domain"}, {"SR-MMP", "tox21_in_domain"}};
  const std::string high_tox = R"({"prediction": "CT_TOX", "op": ">", "value": 0.5})",
                    high_mmp = R"({"prediction": "SR-MMP", "op": ">", "value": 0.5})";
  const auto any = candidate_rule(when_rule(R"({"any": [)" + high_tox + "," + high_mmp + "]}"), predictions, &domains);
  EXPECT_TRUE(rule_step(any).applied);
  EXPECT_EQ(rule_step(any).activation,
            "applied: the candidate's CT_TOX = 0.8 meets CT_TOX > 0.5; or the candidate's SR-MMP = 0.1 does not meet "
            "SR-MMP > 0.5");
  EXPECT_FALSE(rule_step(candidate_rule(when_rule(R"({"all": [)" + high_tox + "," + high_mmp + "]}"), predictions,
                                        &domains)).applied);
  // Several models and no way to tell which one predicts CT_TOX: an error, not a guess.
  try {
    candidate_rule(when_rule(high_tox), predictions);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "/inclusion_rules/0/when: the candidate's results have several applicability domains (clintox_in_domain, "
              "tox21_in_domain): name the one of CT_TOX's model in \"domain\"");
  }
  EXPECT_TRUE(rule_step(candidate_rule(when_rule(R"({"prediction": "CT_TOX", "op": ">", "value": 0.5,
                                                    "domain": "clintox_in_domain"})"), predictions)).applied);
}

TEST(CandidateConditions, PredictionDomainsFollowTheResultsStoresColumnOrder) {
  const std::vector<std::string> columns{"id", "smiles", "MolWt", "FDA_APPROVED", "FDA_APPROVED_std", "CT_TOX",
                                         "CT_TOX_std", "clintox_similarity", "clintox_in_domain", "clintox_max",
                                         "clintox_risk", "SR-MMP", "SR-MMP_std", "tox21_similarity", "tox21_in_domain"};
  const auto domains = prediction_domains(columns);
  EXPECT_EQ(domains.at("CT_TOX"), "clintox_in_domain");
  EXPECT_EQ(domains.at("FDA_APPROVED"), "clintox_in_domain");
  EXPECT_EQ(domains.at("clintox_risk"), "clintox_in_domain");
  EXPECT_EQ(domains.at("SR-MMP"), "tox21_in_domain");
  EXPECT_EQ(domains.count("MolWt"), 0u);  // a descriptor, no model's
}

}  // namespace
}  // namespace molsieve::cohort
