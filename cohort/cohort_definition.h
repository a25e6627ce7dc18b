#pragma once
// Cohort definitions (JSON, docs/cohorts.md), modelled on OHDSI Circe: concept sets (id
// lists or OHDSI concept-set expressions with descendants and exclusions), an index event,
// an observation requirement, demographics, and ordered inclusion and exclusion rules on
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

// One item of a concept-set expression (OHDSI/ATLAS): a concept, with its descendants or
// not, included or excluded.
struct ConceptSetItem {
  std::int32_t concept_id = 0;
  bool descendants = false;
  bool excluded = false;
  std::string path;  // JSON path of the item
};

// A concept set as a criterion uses it: its expression and, once resolved, its ids.
struct ConceptSet {
  std::string label;  // the concept set's name, or the ids
  std::string path;   // JSON path where the criterion names it
  std::vector<ConceptSetItem> items;
  std::vector<std::int32_t> ids;  // included minus excluded concepts: sorted, distinct
  bool resolved = false;          // false until the descendants it asks for are looked up
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
  // Condition, drug, measurement: concepts and window.
  ConceptSet concepts;
  Window window;
  std::uint32_t min_count = 1;
  // Measurement (and genotype values).
  std::vector<MeasurementTest> tests;
  bool latest = true;             // measurement: the latest value decides (else: any value)
  // if_missing: what a criterion counts as when what it reads is missing (no value, no
  // reference range for an "x ULN" test, no genotype, concepts the population never records):
  // met ("pass") or not met ("fail", the default).
  bool missing_passes = false;
  bool unrecorded = false;  // set against a population: it records none of the concepts, or not the gene
  // Genotype.
  std::string gene;
  std::vector<std::string> results;  // accepted results (empty: any; value tests may apply)
  // Groups.
  std::uint32_t at_least = 0;
  std::vector<Criterion> children;
};

// "Apply this rule only when the candidate's prediction `column` compares so with `value`",
// or all / any of such conditions. A missing prediction and one outside its model's
// applicability domain cannot rule the risk out: by default they count as met.
struct CandidateCondition {
  enum class Kind { Test, All, Any };
  enum class OutOfDomain { Pass, Fail, UseValue };
  Kind kind = Kind::Test;
  std::string path;  // JSON path
  std::string column;
  kernels::Comparison comparison = kernels::Comparison::Greater;
  double value = 0;
  std::string text;    // "CT_TOX > 0.5"
  std::string domain;  // the "<model>_in_domain" column; "" to find it from the candidate's results
  bool missing_passes = true;
  OutOfDomain out_of_domain = OutOfDomain::Pass;
  std::vector<CandidateCondition> children;  // All, Any
};

struct Rule {
  std::string name;
  std::string path;
  bool exclusion = false;  // exclusion: patients meeting the criterion are removed
  Criterion criterion;
  std::optional<CandidateCondition> when;
  std::vector<std::string> warnings;  // set against a population: concepts or genes it never records
};

struct IndexEvent {
  bool fixed_date = false;
  std::int32_t day = 0;              // fixed_date
  ConceptSet concepts;               // else: a condition occurrence
  bool first = true;                 // first occurrence (else latest)
  std::vector<std::string> warnings;  // set against a population
};

struct RankingTerm {
  std::string label;
  std::string path;  // JSON path of the biomarker or measurement
  bool genotype = false;  // a biomarker value from the genotype table (else a measurement)
  std::string gene;
  ConceptSet concepts;
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

// Resolves the definition's concept sets against the population's vocabulary (descendants
// through concept_ancestor) and checks every concept, gene and result it names. One the
// vocabulary does not know (a misspelling) is a molsieve::Error at its JSON path with the
// nearest known ones; one the vocabulary knows but the population never records is a
// warning, kept in its rule's (or the index event's) `warnings` and returned: its criterion
// is then decided by if_missing. Without vocabulary tables (older stores) the concepts the
// population records are the known ones, and descendants cannot be resolved (an error).
std::vector<std::string> resolve_vocabulary(CohortDefinition& definition, const PopulationVocabulary& vocabulary);

// Parses a definition; `where` prefixes error messages (the file name).
CohortDefinition parse_cohort_definition(const std::string& json_text, const std::string& where);
CohortDefinition read_cohort_definition(const std::string& path);

}  // namespace molsieve::cohort
