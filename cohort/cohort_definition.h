#pragma once
// Cohort definitions (JSON, docs/cohorts.md), modelled on OHDSI Circe: an index event, an
// observation requirement, demographics, and ordered inclusion and exclusion rules on
// conditions, drug exposures, measurements and genotypes, nested in ALL / ANY / AT_LEAST
// groups; rules may switch on only when the candidate compound's predictions call for
// them. Errors name the JSON path at fault: "/inclusion_rules/2/measurement/unit: ...".
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohort/population.h"
#include "kernels/patient_events.h"

namespace molsieve::cohort {

struct Window {
  std::int32_t start = -kernels::kOpenWindow;  // days relative to the index day, inclusive
  std::int32_t end = 0;
};

struct MeasurementTest {
  kernels::ValueTest test;
  std::string unit;       // canonical unit of the threshold ("" for x ULN / x LLN)
  std::string unit_path;  // JSON path of the unit, for errors found against a population
};

struct Criterion {
  enum class Kind { Condition, Drug, Measurement, Genotype, All, Any, AtLeast };
  Kind kind = Kind::Condition;
  std::string path;  // JSON path
  // Condition, drug, measurement: concept ids (sorted) and window.
  std::vector<std::int32_t> concepts;
  std::string concepts_label;  // the concept set's name, or the ids
  Window window;
  std::uint32_t min_count = 1;
  // Measurement (and genotype values).
  std::vector<MeasurementTest> tests;
  bool latest = true;             // measurement: the latest value decides (else: any value)
  bool missing_passes = false;    // measurement: no value in the window counts as passing
  // Genotype.
  std::string gene;
  std::vector<std::string> results;  // accepted results (empty: any; value tests may apply)
  // Groups.
  std::uint32_t at_least = 0;
  std::vector<Criterion> children;
};

// "Apply this rule only when the candidate's prediction `column` compares so with `value`."
struct CandidateCondition {
  std::string column;
  kernels::Comparison comparison = kernels::Comparison::Greater;
  double value = 0;
  std::string text;  // "CT_TOX > 0.5"
};

struct Rule {
  std::string name;
  std::string path;
  bool exclusion = false;  // exclusion: patients meeting the criterion are removed
  Criterion criterion;
  std::optional<CandidateCondition> when;
};

struct IndexEvent {
  bool fixed_date = false;
  std::int32_t day = 0;              // fixed_date
  std::vector<std::int32_t> concepts;  // else: a condition occurrence
  std::string concepts_label;
  bool first = true;                 // first occurrence (else latest)
};

struct RankingTerm {
  std::string label;
  std::string path;  // JSON path of the biomarker or measurement
  bool genotype = false;  // a biomarker value from the genotype table (else a measurement)
  std::string gene;
  std::vector<std::int32_t> concepts;
  std::string unit;  // measurement terms: the unit the value is read in
  double weight = 1;
  double missing = 0;  // the value used when the patient has none
};

struct CohortDefinition {
  std::string name, description;
  std::string source_text;  // the JSON as read
  IndexEvent index;
  std::int32_t prior_observation_days = 0, post_observation_days = 0;
  int age_min = 0, age_max = 200;
  std::vector<std::int32_t> sexes;  // gender concept ids; empty: any
  std::vector<Rule> rules;          // inclusion rules, then exclusion rules: the attrition order
  std::vector<RankingTerm> ranking;
};

// Every concept, gene and result the definition names must occur in the population: a
// misspelt one would make its rule remove nobody. Throws molsieve::Error at the JSON path of
// the first that does not, listing the values the population holds.
void check_vocabulary(const CohortDefinition& definition, const PopulationVocabulary& vocabulary);

// Parses a definition; `where` prefixes error messages (the file name).
CohortDefinition parse_cohort_definition(const std::string& json_text, const std::string& where);
CohortDefinition read_cohort_definition(const std::string& path);

}  // namespace molsieve::cohort
