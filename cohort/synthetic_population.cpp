#include "cohort/synthetic_population.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cohort/vocabulary.h"

namespace molsieve::cohort {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// SplitMix64: one stream per person, seeded from (seed, person position).
class Random {
 public:
  Random(std::uint64_t seed, std::uint64_t person) : state_(seed * 0x9E3779B97F4A7C15ull ^ (person + 1) * 0xD1B54A32D192ED03ull) {
    next();
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  int between(int low, int high) { return low + static_cast<int>(uniform() * (high - low + 1)); }
  double normal(double mean, double sd) {
    const double u = 1.0 - uniform(), v = uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
  double lognormal(double median, double sigma) { return median * std::exp(normal(0, sigma)); }
  template <std::size_t N>
  int pick(const double (&weights)[N]) {
    double u = uniform(), sum = 0;
    for (std::size_t k = 0; k + 1 < N; ++k) {
      sum += weights[k];
      if (u < sum) return static_cast<int>(k);
    }
    return static_cast<int>(N - 1);
  }

 private:
  std::uint64_t state_;
};

// US adults (2020 census): age bands 18-29, 30-44, 45-64, 65-74, 75-90.
constexpr double kAgeBands[] = {0.21, 0.25, 0.33, 0.12, 0.09};
constexpr int kAgeLow[] = {18, 30, 45, 65, 75}, kAgeHigh[] = {29, 44, 64, 74, 90};
// Race (single race, 2020 census; "some other race" and multiracial recorded as unknown).
constexpr double kRaces[] = {0.616, 0.124, 0.060, 0.011, 0.002, 0.187};
constexpr std::int32_t kRaceIds[] = {concepts::kWhite, concepts::kBlack, concepts::kAsian,
                                     concepts::kAmericanIndian, concepts::kPacificIslander,
                                     concepts::kRaceUnknown};
constexpr double kHispanicShare = 0.187;

// CPIC frequency tables by ancestry (European, African American, East Asian, Latino).
enum Ancestry { kEuropean, kAfrican, kEastAsian, kLatino };
const char* const kCyp2d6[] = {"ultrarapid metabolizer", "normal metabolizer", "intermediate metabolizer",
                               "poor metabolizer"};
constexpr double kCyp2d6Freq[4][4] = {
    {0.02, 0.54, 0.38, 0.06}, {0.04, 0.56, 0.38, 0.02}, {0.01, 0.45, 0.53, 0.01}, {0.03, 0.62, 0.32, 0.03}};
const char* const kCyp2c19[] = {"ultrarapid metabolizer", "rapid metabolizer", "normal metabolizer",
                                "intermediate metabolizer", "poor metabolizer"};
constexpr double kCyp2c19Freq[4][5] = {{0.05, 0.27, 0.40, 0.26, 0.02},
                                       {0.03, 0.24, 0.37, 0.31, 0.05},
                                       {0.00, 0.03, 0.38, 0.46, 0.13},
                                       {0.01, 0.16, 0.52, 0.29, 0.02}};
constexpr double kHlaB5701[4] = {0.068, 0.010, 0.016, 0.025};
// Who has pharmacogenes on record at all (most patients have never been tested; the share
// keeps the genotype rules meaningful on synthetic data while leaving some without).
constexpr double kGenotypedShare = 0.8;
// Women 18 to 44 pregnant at the end of their records (about 9 months in 12 of the ~6% a year who give birth).
constexpr double kPregnantShare = 0.04;
// Seeds the person's second stream (pregnancy, insulin, who is genotyped).
constexpr std::uint64_t kLaterStream = 0x632BE59BD9B4E019ull;

// Prevalence of a condition at `age`, linear between (age, prevalence) knots.
template <std::size_t N>
double prevalence(const double (&knots)[N][2], int age) {
  if (age <= knots[0][0]) return knots[0][1];
  for (std::size_t k = 1; k < N; ++k)
    if (age <= knots[k][0]) {
      const double t = (age - knots[k - 1][0]) / (knots[k][0] - knots[k - 1][0]);
      return knots[k - 1][1] + t * (knots[k][1] - knots[k - 1][1]);
    }
  return knots[N - 1][1];
}
// CDC / NHANES and Alzheimer's Association figures, rounded.
constexpr double kHypertension[][2] = {{18, 0.05}, {30, 0.10}, {50, 0.33}, {70, 0.63}, {90, 0.75}};
constexpr double kDiabetes[][2] = {{18, 0.01}, {35, 0.04}, {55, 0.15}, {70, 0.27}, {90, 0.25}};
constexpr double kCkd[][2] = {{18, 0.04}, {45, 0.07}, {60, 0.12}, {75, 0.34}, {90, 0.45}};
constexpr double kHeartFailure[][2] = {{18, 0.002}, {40, 0.005}, {60, 0.03}, {80, 0.09}, {90, 0.13}};
constexpr double kLiver[][2] = {{18, 0.01}, {45, 0.03}, {65, 0.04}, {90, 0.03}};
constexpr double kAlzheimers[][2] = {{55, 0.0}, {65, 0.02}, {75, 0.06}, {85, 0.14}, {90, 0.30}};
constexpr double kCancerAny[][2] = {{18, 0.002}, {40, 0.01}, {60, 0.04}, {80, 0.08}};

struct Builder {
  Population& p;
  Random& r;
  Day reference;
  Day observed_from;

  Day day_between(Day from, Day to) { return from + static_cast<Day>(r.uniform() * (to - from + 1)); }
  // A day within the observation period, before the reference day.
  Day onset() { return day_between(observed_from, reference - 1); }

  void condition(std::int32_t concept_id, Day onset) {
    p.condition.concept_id.push_back(concept_id);
    p.condition.start.push_back(onset);
    p.condition.end.push_back(reference);
  }
  void drug(std::int32_t concept_id, Day start, Day end) {
    p.drug.concept_id.push_back(concept_id);
    p.drug.start.push_back(start);
    p.drug.end.push_back(std::min(end, reference));
  }
  // One lab value, `measured` of the time, dated within the last year (or on `day`).
  void lab(std::int32_t concept_id, double measured, double value, const char* unit, double low, double high,
           Day day = 0) {
    if (!r.chance(measured)) return;
    p.measurement.concept_id.push_back(concept_id);
    p.measurement.date.push_back(day ? day : day_between(std::max(observed_from, reference - 365), reference));
    p.measurement.value.push_back(value);
    p.measurement.unit.push_back(p.measurement.unit_code(unit));
    p.measurement.range_low.push_back(low);
    p.measurement.range_high.push_back(high);
  }
  void genotype(const char* gene, const char* result, double value) {
    p.genotype.gene.push_back(p.genotype.gene_code(gene));
    p.genotype.result.push_back(p.genotype.result_code(result));
    p.genotype.value.push_back(value);
  }
};

double round_to(double value, double step) { return std::round(value / step) * step; }

// CKD-EPI 2021 (race-free) eGFR from serum creatinine in mg/dL.
double egfr_ckd_epi_2021(double creatinine, int age, bool female) {
  const double kappa = female ? 0.7 : 0.9, alpha = female ? -0.241 : -0.302;
  const double ratio = creatinine / kappa;
  return 142 * std::pow(std::min(ratio, 1.0), alpha) * std::pow(std::max(ratio, 1.0), -1.200) *
         std::pow(0.9938, age) * (female ? 1.012 : 1.0);
}

// Who a person is: what the conditions, labs and genotypes depend on.
struct Person {
  int age;
  bool female;
  Ancestry ancestry;
};

// The conditions a person has, with the onsets that drugs and the work-up date from.
struct Conditions {
  bool hypertension, diabetes, ckd, heart_failure, liver, alzheimers;
  Day hypertension_onset = 0, diabetes_onset = 0, alzheimers_onset = 0;
};

Person add_demographics(Population& p, Random& r, Day reference, std::uint64_t position) {
  const int band = r.pick(kAgeBands);
  const int age = r.between(kAgeLow[band], kAgeHigh[band]);
  const bool female = r.chance(0.505);
  const int race = r.pick(kRaces);
  const bool hispanic = r.chance(kHispanicShare);
  p.person_id.push_back(static_cast<std::int64_t>(position + 1));
  p.year_of_birth.push_back(year_of(reference) - age);
  p.gender_concept_id.push_back(female ? concepts::kFemale : concepts::kMale);
  p.race_concept_id.push_back(kRaceIds[race]);
  p.ethnicity_concept_id.push_back(hispanic ? concepts::kHispanic : concepts::kNotHispanic);
  return {age, female, hispanic ? kLatino : race == 1 ? kAfrican : race == 2 ? kEastAsian : kEuropean};
}

// Conditions by age-specific prevalence, raised by the conditions that predispose to them.
Conditions add_conditions(Builder& b, const Person& person) {
  Random& r = b.r;
  const int age = person.age;
  Conditions c;
  c.hypertension = r.chance(prevalence(kHypertension, age));
  c.diabetes = r.chance(prevalence(kDiabetes, age));
  c.ckd = r.chance(prevalence(kCkd, age) * (c.diabetes ? 1.6 : 1.0) * (c.hypertension ? 1.3 : 1.0));
  c.heart_failure = r.chance(prevalence(kHeartFailure, age) * (c.hypertension ? 1.5 : 1.0));
  c.liver = r.chance(prevalence(kLiver, age) * (c.diabetes ? 1.5 : 1.0));
  c.alzheimers = r.chance(prevalence(kAlzheimers, age));
  const bool cancer = r.chance(prevalence(kCancerAny, age));
  if (c.hypertension) b.condition(concepts::kEssentialHypertension, c.hypertension_onset = b.onset());
  if (c.diabetes) b.condition(concepts::kType2Diabetes, c.diabetes_onset = b.onset());
  if (c.ckd) b.condition(concepts::kChronicKidneyDisease, b.onset());
  if (c.heart_failure) b.condition(concepts::kHeartFailure, b.onset());
  if (c.liver) b.condition(concepts::kLiverDisease, b.onset());
  if (c.alzheimers) b.condition(concepts::kAlzheimersDisease, c.alzheimers_onset = b.onset());
  if (cancer) {
    const std::int32_t site = person.female ? (r.chance(0.6) ? concepts::kBreastCancer : r.chance(0.5) ? concepts::kColonCancer
                                                                                                       : concepts::kLungCancer)
                                            : (r.chance(0.55) ? concepts::kProstateCancer
                                                              : r.chance(0.5) ? concepts::kColonCancer : concepts::kLungCancer);
    b.condition(site, b.onset());
  }
  return c;
}

// Chronic drugs from diagnosis on; short courses in the last two years.
void add_drugs(Builder& b, const Person& person, const Conditions& c) {
  Random& r = b.r;
  const Day reference = b.reference;
  if (c.diabetes && r.chance(0.8)) b.drug(concepts::kMetformin, c.diabetes_onset, reference);
  if (c.hypertension && r.chance(0.5)) b.drug(concepts::kLisinopril, c.hypertension_onset, reference);
  if (c.hypertension && r.chance(0.3)) b.drug(concepts::kAmlodipine, c.hypertension_onset, reference);
  if (person.age >= 40 && r.chance(0.25)) b.drug(concepts::kAtorvastatin, b.onset(), reference);
  if (c.alzheimers && r.chance(0.6)) b.drug(concepts::kDonepezil, c.alzheimers_onset, reference);
  if (r.chance(0.10)) b.drug(concepts::kOmeprazole, b.onset(), reference);
  const Day two_years_ago = std::max(b.observed_from, reference - 730);
  for (int course = 0; course < 2; ++course)
    if (r.chance(0.04)) {  // clarithromycin, 7 to 14 days
      const Day start = b.day_between(two_years_ago, reference);
      b.drug(concepts::kClarithromycin, start, start + r.between(6, 13));
    }
  if (r.chance(0.004)) {
    const Day start = b.day_between(two_years_ago, reference);
    b.drug(r.chance(0.5) ? concepts::kKetoconazole : concepts::kItraconazole, start, start + r.between(13, 89));
  }
  if (r.chance(0.003)) b.drug(concepts::kRitonavir, b.onset(), reference);
}

// Labs that follow the conditions; reference ranges as a typical US laboratory reports them.
void add_labs(Builder& b, const Person& person, const Conditions& c) {
  Random& r = b.r;
  const int age = person.age;
  const bool female = person.female, ckd = c.ckd, liver = c.liver;
  const double creatinine = round_to(r.lognormal(female ? 0.75 : 0.95, 0.15) * (ckd ? r.lognormal(1.8, 0.3) : 1.0), 0.01);
  b.lab(concepts::kCreatinine, 0.9, creatinine, "mg/dL", female ? 0.59 : 0.74, female ? 1.04 : 1.35);
  b.lab(concepts::kEgfr, 0.85, round_to(egfr_ckd_epi_2021(creatinine, age, female), 1), "mL/min/1.73m2", 60, kNaN);
  b.lab(concepts::kAlt, 0.85, round_to(r.lognormal(22, 0.35) * (liver ? r.lognormal(2.5, 0.5) : 1.0), 1), "U/L", 7, 40);
  b.lab(concepts::kAst, 0.8, round_to(r.lognormal(22, 0.3) * (liver ? r.lognormal(2.0, 0.45) : 1.0), 1), "U/L", 8, 40);
  b.lab(concepts::kBilirubin, 0.8, round_to(r.lognormal(0.6, 0.35) * (liver ? r.lognormal(1.8, 0.4) : 1.0), 0.1),
        "mg/dL", 0.1, 1.2);
  b.lab(concepts::kPotassium, 0.85, round_to(r.normal(ckd ? 4.5 : 4.2, 0.35), 0.1), "mmol/L", 3.5, 5.1);
  b.lab(concepts::kHbA1c, c.diabetes ? 0.95 : 0.5, round_to(c.diabetes ? r.normal(7.4, 1.1) : r.normal(5.3, 0.3), 0.1),
        "%", 4.0, 5.6);
  b.lab(concepts::kQtc, 0.6, round_to(r.normal(female ? 425 : 415, 20) + (c.heart_failure ? 20 : 0), 1), "ms", 350,
        female ? 460 : 450);
  if (c.alzheimers) {
    // The work-up at diagnosis: cognitive testing and a metabolic and liver panel within a month.
    const Day workup = std::min<Day>(b.reference, c.alzheimers_onset + r.between(0, 30));
    b.lab(concepts::kMmse, 0.9, r.between(12, 28), "", 24, 30, workup);
    b.lab(concepts::kCreatinine, 0.9, creatinine, "mg/dL", female ? 0.59 : 0.74, female ? 1.04 : 1.35, workup);
    b.lab(concepts::kEgfr, 0.9, round_to(egfr_ckd_epi_2021(creatinine, age, female), 1), "mL/min/1.73m2", 60, kNaN,
          workup);
    b.lab(concepts::kAlt, 0.9, round_to(r.lognormal(22, 0.35) * (liver ? r.lognormal(2.5, 0.5) : 1.0), 1), "U/L", 7,
          40, workup);
    b.lab(concepts::kPotassium, 0.9, round_to(r.normal(ckd ? 4.5 : 4.2, 0.35), 0.1), "mmol/L", 3.5, 5.1, workup);
  }
}

// Pharmacogenes of the `genotyped` only; drawn for everyone, so the later draws do not
// depend on who was tested.
void add_genotypes(Builder& b, const Person& person, const Conditions& c, bool genotyped) {
  Random& r = b.r;
  const char* cyp2d6 = kCyp2d6[r.pick(kCyp2d6Freq[person.ancestry])];
  const char* cyp2c19 = kCyp2c19[r.pick(kCyp2c19Freq[person.ancestry])];
  const char* hla = r.chance(kHlaB5701[person.ancestry]) ? "positive" : "negative";
  if (genotyped) {
    b.genotype("CYP2D6", cyp2d6, kNaN);
    b.genotype("CYP2C19", cyp2c19, kNaN);
    b.genotype("HLA-B*57:01", hla, kNaN);
  }
  // Expression of the drug target (relative units, 1 = population median); raised in
  // Alzheimer's disease, the indication of the default candidate (a BACE-1 inhibitor).
  if (r.chance(c.alzheimers ? 0.9 : 0.3))
    b.genotype("TARGET_EXPRESSION", "measured", round_to(r.lognormal(c.alzheimers ? 1.5 : 1.0, 0.4), 0.01));
}

// Pregnancy (women 18 to 44, recorded by trimester) and insulin (a quarter of the diabetics),
// from a second stream of the person's, so that the first stream's draws stay as they were.
void add_pregnancy_and_insulin(Builder& b, Random& r, const Person& person, const Conditions& c) {
  if (person.female && person.age <= 44 && r.chance(kPregnantShare)) {
    const int trimester = r.between(0, 2);
    const Day start = std::max(b.observed_from, b.reference - 90 * (trimester + 1) + r.between(0, 89));
    b.p.condition.concept_id.push_back(static_cast<std::int32_t>(concepts::kPregnancyFirstTrimester + trimester));
    b.p.condition.start.push_back(start);
    b.p.condition.end.push_back(b.reference);
  }
  if (c.diabetes && r.chance(0.25)) {
    const std::int64_t insulins[] = {concepts::kInsulinGlargine, concepts::kInsulinLispro, concepts::kInsulinAspart};
    b.drug(static_cast<std::int32_t>(insulins[r.between(0, 2)]), b.day_between(c.diabetes_onset, b.reference),
           b.reference);
  }
}

// Draws in a fixed order from the person's own streams: the same seed gives the same person.
void synthesize_person(Population& p, std::uint64_t seed, std::uint64_t position) {
  Random r(seed, position), later(seed ^ kLaterStream, position);
  const Day reference = synthetic_reference_day();
  const Person person = add_demographics(p, r, reference, position);

  // Observed for 1 to 15 years up to the reference day (never before age 18).
  const int years_observed = std::min(r.between(1, 15), person.age - 17);
  Builder b{p, r, reference, reference - static_cast<Day>(years_observed * 365.25)};
  p.observation_period.concept_id.push_back(32817);  // EHR
  p.observation_period.start.push_back(b.observed_from);
  p.observation_period.end.push_back(reference);

  const Conditions conditions = add_conditions(b, person);
  add_drugs(b, person, conditions);
  add_labs(b, person, conditions);
  add_genotypes(b, person, conditions, later.chance(kGenotypedShare));
  add_pregnancy_and_insulin(b, later, person, conditions);

  p.observation_period.offsets.push_back(p.observation_period.rows());
  p.condition.offsets.push_back(p.condition.rows());
  p.drug.offsets.push_back(p.drug.rows());
  p.measurement.offsets.push_back(p.measurement.rows());
  p.genotype.offsets.push_back(p.genotype.rows());
}

}  // namespace

Day synthetic_reference_day() { return day_from_civil(2025, 12, 31); }

Population synthesize_population(std::uint64_t seed, std::uint64_t first, std::uint64_t count) {
  Population p;
  p.first_person = first;
  for (std::uint64_t k = 0; k < count; ++k) synthesize_person(p, seed, first + k);
  return p;
}

}  // namespace molsieve::cohort
