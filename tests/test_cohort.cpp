// Cohort selection: each rule type against a plain count over the raw tables, backends and
// slices against each other, quota selection against brute force, and the JSON error paths
// (OMOP CSV import and export: test_omop_csv.cpp).
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
#include "test_support.h"

namespace molsieve::cohort {
namespace {

namespace c = concepts;
constexpr std::uint64_t kSeed = 11;

const Population& population() {
  static const Population p = synthesize_population(kSeed, 0, 20000);
  return p;
}

// A definition with a fixed index day, no demographics and one rule.
std::string one_rule(const std::string& rule, const std::string& kind = "inclusion_rules") {
  return R"({"name": "t", "index": {"date": "2025-06-30"}, ")" + kind + R"(": [)" + rule + "]}";
}

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
    const auto part = evaluator.evaluate(synthesize_population(kSeed, first, std::min<std::uint64_t>(6999, 20000 - first)));
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

// --- quota selection against brute force --------------------------------------------------

struct BruteForce {
  std::uint64_t shortfall = UINT64_MAX;
  double score = -INFINITY;
};

BruteForce brute_force(const std::vector<SelectionCandidate>& candidates, std::size_t size, const Quotas& q) {
  BruteForce best;
  const std::size_t n = candidates.size();
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::size_t>(__builtin_popcount(mask)) != size) continue;
    std::uint64_t shortfall = 0;
    double score = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (mask >> i & 1) score += candidates[i].score;
    for (const QuotaBound& b : q.bounds) {
      std::uint64_t in = 0;
      for (std::size_t i = 0; i < n; ++i) in += (mask >> i & 1) && candidates[i].strata[b.dimension] == b.category;
      const auto low = static_cast<std::uint64_t>(std::ceil(b.min_share * size - 1e-9));
      const auto high = static_cast<std::uint64_t>(std::floor(b.max_share * size + 1e-9));
      shortfall += in < low ? low - in : in > high ? in - high : 0;
    }
    if (shortfall < best.shortfall || (shortfall == best.shortfall && score > best.score + 1e-12)) {
      best.shortfall = shortfall;
      best.score = score;
    }
  }
  return best;
}

// Random small populations (scores from `score`), and random quotas.
std::vector<SelectionCandidate> random_candidates(std::mt19937_64& random, std::size_t n,
                                                  const std::function<double()>& score) {
  const char* sexes[] = {"female", "male"};
  const char* races[] = {"White", "Black or African American", "Asian"};
  const char* ages[] = {"young", "old"};
  std::vector<SelectionCandidate> candidates(n);
  for (std::size_t i = 0; i < n; ++i) {
    candidates[i].person_id = static_cast<std::int64_t>(i + 1);
    candidates[i].score = score();
    candidates[i].strata = {sexes[random() % 2], races[random() % 3],
                            random() % 4 ? "Not Hispanic or Latino" : "Hispanic or Latino", ages[random() % 2]};
  }
  return candidates;
}

Quotas random_quotas(std::mt19937_64& random) {
  Quotas q;
  q.age_groups = {{"young", 18, 64}, {"old", 65, 90}};
  q.bounds.push_back({0, "female", 0.3 + 0.1 * (random() % 3), 0.7, "/sex/female"});
  q.bounds.push_back({1, "Asian", 0.1 * (random() % 4), 1.0, "/race/Asian"});
  q.bounds.push_back({1, "White", 0.0, 0.3 + 0.2 * (random() % 3), "/race/White"});
  q.bounds.push_back({2, "Hispanic or Latino", 0.2, 1.0, "/ethnicity/Hispanic"});
  q.bounds.push_back({3, "old", 0.25, 0.75, "/age_group/old"});
  return q;
}

// Scores taking `distinct` values: many ties.
std::vector<SelectionCandidate> tied_candidates(std::mt19937_64& random, std::size_t n, int distinct) {
  return random_candidates(random, n, [&] { return 0.5 * static_cast<double>(random() % distinct); });
}

// select_cohort against brute force on 60 random small populations (`population(n, trial)`);
// returns how many had quotas that could not all be met.
int compare_with_brute_force(std::mt19937_64& random,
                             const std::function<std::vector<SelectionCandidate>(std::size_t, int)>& population) {
  int infeasible_cases = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t n = 8 + random() % 7, size = 2 + random() % 5;
    const std::vector<SelectionCandidate> candidates = population(n, trial);
    const Quotas q = random_quotas(random);
    const Selection s = select_cohort(candidates, size, q);
    const BruteForce best = brute_force(candidates, size, q);
    EXPECT_EQ(s.chosen.size(), size);
    EXPECT_EQ(s.total_shortfall, best.shortfall) << "trial " << trial;
    EXPECT_NEAR(s.total_score, best.score, 1e-9) << "trial " << trial;
    EXPECT_TRUE(s.optimal);
    // Reducing to the cell leaders first changes nothing.
    const Selection reduced = select_cohort(keep_cell_leaders(candidates, size), size, q);
    EXPECT_NEAR(reduced.total_score, s.total_score, 1e-9);
    infeasible_cases += best.shortfall > 0;
  }
  return infeasible_cases;
}

TEST(QuotaSelection, EqualsBruteForceOnSmallPopulations) {
  std::mt19937_64 random(20261128);
  const int infeasible_cases = compare_with_brute_force(random, [&](std::size_t n, int) {
    return random_candidates(random, n, [&] { return std::uniform_real_distribution<double>(-1, 3)(random); });
  });
  EXPECT_GT(infeasible_cases, 0);  // the shortfall phase was exercised
  EXPECT_LT(infeasible_cases, 60);
}

TEST(QuotaSelection, TiedScoresEqualBruteForceOnSmallPopulations) {
  std::mt19937_64 random(20261201);
  const int infeasible_cases =
      compare_with_brute_force(random, [&](std::size_t n, int trial) { return tied_candidates(random, n, 1 + trial % 3); });
  EXPECT_GT(infeasible_cases, 0);
  EXPECT_LT(infeasible_cases, 60);
}

TEST(QuotaSelection, WithoutQuotasTakesTheBestScores) {
  std::vector<SelectionCandidate> candidates(5);
  const double scores[] = {0.5, 2.0, -1.0, 2.0, 1.0};
  for (std::size_t i = 0; i < 5; ++i) candidates[i] = {static_cast<std::int64_t>(10 + i), scores[i], {}, 0, 0};
  const Selection s = select_cohort(candidates, 3, Quotas{});
  ASSERT_EQ(s.chosen.size(), 3u);
  EXPECT_EQ(candidates[s.chosen[0]].person_id, 11);  // ties: the lower person id first
  EXPECT_EQ(candidates[s.chosen[1]].person_id, 13);
  EXPECT_EQ(candidates[s.chosen[2]].person_id, 14);
}

TEST(QuotaSelection, UnmetQuotaIsReportedWithItsShortfall) {
  std::vector<SelectionCandidate> candidates;
  for (int i = 0; i < 10; ++i)
    candidates.push_back({i + 1, 1.0 * i, {i < 1 ? "female" : "male", "White", "unknown", "other"}, 50, 0});
  Quotas q;
  q.bounds.push_back({0, "female", 0.5, 1.0, "/sex/female"});
  const Selection s = select_cohort(candidates, 4, q);
  EXPECT_FALSE(s.quotas_met);
  ASSERT_EQ(s.quotas.size(), 1u);
  EXPECT_EQ(s.quotas[0].min_count, 2u);
  EXPECT_EQ(s.quotas[0].selected, 1u);  // the only woman is chosen
  EXPECT_EQ(s.quotas[0].shortfall, 1u);
}

TEST(QuotaSelection, OneColumnPerRunOfEqualScoresEqualsOneColumnPerPatient) {
  std::mt19937_64 random(7);
  SelectionOptions unmerged;
  unmerged.merge_equal_scores = false;
  for (int trial = 0; trial < 30; ++trial) {
    const std::size_t n = 40 + random() % 80, size = 5 + random() % 30;
    const std::vector<SelectionCandidate> candidates = tied_candidates(random, n, 2 + trial % 6);
    const Quotas q = random_quotas(random);
    const Selection merged = select_cohort(candidates, size, q);
    const Selection plain = select_cohort(candidates, size, q, unmerged);
    ASSERT_EQ(merged.chosen.size(), plain.chosen.size());
    EXPECT_NEAR(merged.total_score, plain.total_score, 1e-9) << "trial " << trial;
    EXPECT_EQ(merged.total_shortfall, plain.total_shortfall) << "trial " << trial;
  }
}

std::vector<SelectionCandidate> sexes_and_races(int women, int men, int asian) {
  std::vector<SelectionCandidate> candidates;
  for (int i = 0; i < women + men; ++i)
    candidates.push_back({i + 1, 1.0 * (i % 7), {i < women ? "female" : "male", i < asian ? "Asian" : "White",
                                                 "unknown", "other"}, 50, 0});
  return candidates;
}

// 10 of 20 women and 20 men, with the same shares for both sexes.
Selection ten_with_sex_shares(double min_share, double max_share) {
  Quotas q;
  q.bounds.push_back({0, "female", min_share, max_share, "/sex/female"});
  q.bounds.push_back({0, "male", min_share, max_share, "/sex/male"});
  return select_cohort(sexes_and_races(20, 20, 0), 10, q);
}

// The selection's one warning ("N warnings" when it has not exactly one).
std::string only_warning(const Selection& s) {
  return s.warnings.size() == 1 ? s.warnings[0] : std::to_string(s.warnings.size()) + " warnings";
}

TEST(QuotaSelection, MinimumsAddingUpToMoreThanTheCohortAreNamedBeforeSolving) {
  const Selection s = ten_with_sex_shares(0.6, 1.0);
  EXPECT_EQ(only_warning(s),
            "quotas that cannot all be met: the minimums of sex add up to more than the cohort's 10 patients: "
            "/sex/female 6 + /sex/male 6 = 12");
  EXPECT_EQ(s.chosen.size(), 10u);
  EXPECT_EQ(s.total_shortfall, 2u);  // the least-shortfall answer all the same
}

TEST(QuotaSelection, MinimumAboveTheEligiblePatientsOfItsCategoryIsNamed) {
  Quotas q;
  q.bounds.push_back({1, "Asian", 0.5, 1.0, "/race/Asian"});
  const Selection s = select_cohort(sexes_and_races(20, 20, 3), 10, q);
  EXPECT_EQ(only_warning(s),
            "quotas that cannot all be met: /race/Asian: at least 5 of 10 patients must be race Asian, but only 3 "
            "eligible patients are");
  EXPECT_EQ(s.quotas[0].selected, 3u);
}

TEST(QuotaSelection, MaximumsLeavingRoomForFewerThanTheCohortAreNamed) {
  const Selection s = ten_with_sex_shares(0.0, 0.4);
  EXPECT_EQ(only_warning(s),
            "quotas that cannot all be met: the maximums of sex (/sex/female 4, /sex/male 4) and the eligible patients "
            "of its other categories leave room for 8 of the cohort's 10 patients");
  EXPECT_EQ(s.total_shortfall, 2u);
}

TEST(QuotaSelection, QuotasThatCanBeMetGiveNoWarning) {
  const Selection s = ten_with_sex_shares(0.5, 0.5);
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_TRUE(s.quotas_met);
}

TEST(QuotaSelection, TimeLimitWarningGivesTheProvenGap) {
  EXPECT_EQ(time_limit_warning(SolverPhase::Score, 60, 98.5, 100),
            "the selection stopped at the solver's time limit of 60 s: its total score 98.5 is within 1.5 (1.5%) of "
            "the best possible");
  EXPECT_EQ(time_limit_warning(SolverPhase::Quotas, 2.5, 5, 2.2),
            "the selection stopped at the solver's time limit of 2.5 s: its quota shortfall of 5 patients may be up to "
            "2 more than the least possible");
  EXPECT_EQ(time_limit_warning(SolverPhase::Score, 60, 98.5, NAN),
            "the selection stopped at the solver's time limit of 60 s: its total score 98.5 has no proven bound");
}

TEST(QuotaSelection, CancelledWhileSolvingThrowsInterrupted) {
  std::mt19937_64 random(13);
  SelectionOptions options;
  options.cancelled = [] { return true; };
  EXPECT_THROW(select_cohort(tied_candidates(random, 200, 10), 20, random_quotas(random), options), Interrupted);
}

TEST(QuotaSelection, TinyTimeLimitStillSelectsTheFullCohort) {
  std::mt19937_64 random(11);
  const std::vector<SelectionCandidate> candidates = tied_candidates(random, 3000, 40);
  SelectionOptions options;
  options.solver_seconds = 1e-6;
  const Selection s = select_cohort(candidates, 200, random_quotas(random), options);
  EXPECT_EQ(s.chosen.size(), 200u);
  // Whether GLPK proves optimality within its first millisecond depends on the machine.
  if (!s.optimal) {
    ASSERT_FALSE(s.warnings.empty());
    EXPECT_NE(s.warnings.back().find("time limit of 1e-06 s"), std::string::npos);
  }
}

// --- JSON error paths ----------------------------------------------------------------------

std::string error_of(const std::string& json) {
  try {
    parse_cohort_definition(json, "def.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(CohortDefinitionErrors, NameTheJsonPathAtFault) {
  const std::string head = R"({"name": "t", "index": {"date": "2025-01-01"}, "inclusion_rules": [)";
  const std::string ok = R"({"condition": {"concepts": [1]}})";
  EXPECT_EQ(error_of(head + ok + "," + ok + "," +
                     R"({"measurement": {"concepts": [3016723], "op": "<", "value": 2, "unit": "mg"}}]})"),
            "def.json: /inclusion_rules/2/measurement/unit: unknown unit \"mg\"");
  EXPECT_EQ(error_of(head + R"({"condition": {"concepts": [1], "windwo": {}}}]})"),
            "def.json: /inclusion_rules/0/condition/windwo: unknown key (known: concepts, window, min_count)");
  EXPECT_EQ(error_of(head + R"({"drug": {"concepts": "statins"}}]})"),
            "def.json: /inclusion_rules/0/drug/concepts: no concept set named \"statins\" in /concept_sets");
  EXPECT_EQ(error_of(head + R"({"measurement": {"concepts": [1], "op": "~", "value": 1, "unit": "%"}}]})"),
            "def.json: /inclusion_rules/0/measurement/op: unknown comparison \"~\" (<, <=, >, >=, ==)");
  EXPECT_EQ(error_of(R"({"name": "t", "index": {"date": "2025-02-30"}})"), "def.json: /index/date: not a YYYY-MM-DD date");
  EXPECT_EQ(error_of(R"({"name": "t"})"), "def.json: /index: missing");
  EXPECT_EQ(error_of(head + R"({"at_least": {"count": 3, "of": [)" + ok + "]}}]}"),
            "def.json: /inclusion_rules/0/at_least/count: must be between 1 and the number of criteria in of");
  EXPECT_NE(error_of("{\"name\": ").find("def.json: not valid JSON"), std::string::npos);
  // Found by fuzz_cohort_definition: a number beyond a double's range escaped as an internal error.
  EXPECT_NE(error_of(head + R"({"condition": {"concepts": [3.3e400]}}]})").find("def.json: not valid JSON: "),
            std::string::npos);
}

TEST(CohortDefinitionErrors, UnitThatCannotBeComparedWithTheStoredOneNamesThePath) {
  const CohortDefinition d = parse_cohort_definition(
      one_rule(R"({"measurement": {"concepts": [3016723], "op": "<", "value": 2, "unit": "mmol/L"}})"), "def.json");
  try {
    EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(population());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "/inclusion_rules/0/measurement/unit: creatinine is stored in \"mg/dL\", which cannot be compared with a "
              "threshold in \"mmol/L\"");
  }
}

std::string measurement_error(const std::string& test) {
  return error_of(one_rule(R"({"measurement": {"concepts": [3004410], )" + test + "}}"));
}

TEST(CohortDefinitionErrors, InvertedRangesAreRefusedInEveryRuleKind) {
  EXPECT_EQ(measurement_error(R"("min": 10.5, "max": 7.0, "unit": "%")"),
            "def.json: /inclusion_rules/0/measurement: min is above max");
  EXPECT_EQ(error_of(one_rule(R"({"genotype": {"gene": "TARGET_EXPRESSION", "min": 2, "max": 1}})")),
            "def.json: /inclusion_rules/0/genotype: min is above max");
  EXPECT_EQ(error_of(R"({"name": "t", "index": {"date": "2025-06-30"}, "demographics": {"age": {"min": 85, "max": 55}}})"),
            "def.json: /demographics/age: min is above max");
  EXPECT_EQ(error_of(one_rule(R"({"condition": {"concepts": [1], "window": {"start": 0, "end": -30}}})")),
            "def.json: /inclusion_rules/0/condition/window: start is after end");
  EXPECT_EQ(measurement_error(R"("min": 7.0, "max": 7.0, "unit": "%")"), "no error");
}

TEST(CohortDefinitionErrors, OpAndValueTogetherWithMinOrMaxAreRefused) {
  EXPECT_EQ(measurement_error(R"("op": "<=", "value": 9, "min": 7, "unit": "%")"),
            "def.json: /inclusion_rules/0/measurement: give either op and value or min and max, not both");
  EXPECT_EQ(error_of(one_rule(R"({"genotype": {"gene": "TARGET_EXPRESSION", "op": ">", "value": 1, "max": 3}})")),
            "def.json: /inclusion_rules/0/genotype: give either op and value or min and max, not both");
}

TEST(CohortDefinitionErrors, ThresholdsOutsideTheAnalytesPlausibleRangeAreRefused) {
  EXPECT_EQ(measurement_error(R"("min": 0.07, "max": 0.105, "unit": "%")"),
            "def.json: /inclusion_rules/0/measurement/min: 0.07 % is outside the plausible range of HbA1c (2 to 25 %): "
            "HbA1c is in %, not a fraction");
  EXPECT_EQ(measurement_error(R"("op": "<", "value": 300, "unit": "mmol/mol")"),
            "def.json: /inclusion_rules/0/measurement/value: 300 mmol/mol is outside the plausible range of HbA1c "
            "(-1.63935 to 249.728 mmol/mol)");
  EXPECT_EQ(measurement_error(R"("min": 53, "max": 86, "unit": "mmol/mol")"), "no error");
  EXPECT_EQ(error_of(one_rule(R"({"measurement": {"concepts": [3006923], "op": "<=", "value": 40, "unit": "x ULN"}})")),
            "def.json: /inclusion_rules/0/measurement/value: 40 x ULN is outside 0 to 20 times the reference limit");
  EXPECT_EQ(error_of(one_rule(R"({"measurement": {"concepts": [1], "op": ">=", "value": -1, "unit": "x LLN"}})")),
            "def.json: /inclusion_rules/0/measurement/value: -1 x LLN is outside 0 to 20 times the reference limit");
  EXPECT_EQ(error_of(one_rule(R"({"measurement": {"concepts": [2000000003], "min": 16, "max": 36, "unit": ""}})")),
            "def.json: /inclusion_rules/0/measurement/max: 36 is outside the plausible range of MMSE (0 to 30)");
  EXPECT_EQ(error_of(one_rule(R"({"measurement": {"concepts": [3016723], "op": "<=", "value": 150, "unit": "umol/L"}})")),
            "no error");
  // An analyte without a known range, or a unit it cannot be converted to, is left to the evaluator.
  EXPECT_EQ(error_of(one_rule(R"({"measurement": {"concepts": [1], "op": ">", "value": 1e6, "unit": "mg/dL"}})")),
            "no error");
  EXPECT_EQ(error_of(one_rule(R"({"measurement": {"concepts": [3016723], "op": "<", "value": 2, "unit": "mmol/L"}})")),
            "no error");
}

TEST(QuotaErrors, NameTheJsonPathAtFault) {
  auto error_of_quotas = [](const std::string& json) {
    try {
      parse_quotas(json, "q.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of_quotas(R"({"sex": {"female": {"min": 1e999}}})").find("q.json: not valid JSON: "), std::string::npos);
  EXPECT_EQ(error_of_quotas(R"({"sex": {"femal": {"min": 0.5}}})"),
            "q.json: /sex/femal: unknown category (female, male, other)");
  EXPECT_EQ(error_of_quotas(R"({"race": {"Asian": {"min": 1.5}}})"), "q.json: /race/Asian/min: a share must be between 0 and 1");
  EXPECT_EQ(error_of_quotas(R"({"age_group": {"old": {"min": 0.2}}})"),
            "q.json: /age_group/old: no age group so labelled in /age_groups");
}

}  // namespace
}  // namespace molsieve::cohort
