// Cohort definitions refused with the file and JSON path at fault: unknown keys and units,
// inverted ranges, implausible thresholds, a unit the stored one cannot be compared with.
#include <gtest/gtest.h>

#include "cohort/cohort_definition.h"
#include "cohort/eligibility.h"
#include "cohort/vocabulary.h"
#include "core/error.h"
#include "cohort_test_support.h"

namespace molsieve::cohort {
namespace {

using test::one_rule;
using test::population;

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
            "def.json: /inclusion_rules/0/condition/windwo: unknown key (known: concepts, window, min_count, if_missing)");
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


// --- concept-set expressions and the vocabulary ---------------------------------------------

namespace cc = concepts;

// The resolved ids of the index event's concept set `set` (JSON), against population() and
// the synthetic vocabulary.
std::vector<std::int32_t> resolved_index(const std::string& set) {
  return test::resolved_definition(R"({"name": "t", "index": {"condition": {"concepts": )" + set + "}}}")
      .index.concepts.ids;
}

std::string resolve_error(const std::string& json, const PopulationVocabulary& v) {
  try {
    CohortDefinition d = parse_cohort_definition(json, "def.json");
    resolve_vocabulary(d, v);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ConceptSets, DescendantsAndExclusionsResolveThroughConceptAncestorAsOhdsiWritesThem) {
  // ATLAS's concept-set expression: the concept with its other columns, flags per item.
  EXPECT_EQ(resolved_index(R"({"items": [{"concept": {"CONCEPT_ID": 201820, "CONCEPT_NAME": "Diabetes mellitus",
                                          "DOMAIN_ID": "Condition", "STANDARD_CONCEPT": "S"},
                                          "includeDescendants": true, "isExcluded": false, "includeMapped": false}]})"),
            (std::vector<std::int32_t>{201254, 201820, 201826, 443732, 4193704}));
  // Excluded items are removed, with their descendants when they ask for them.
  EXPECT_EQ(resolved_index(R"([{"concept_id": 201820, "includeDescendants": true},
                               {"concept_id": 201826, "includeDescendants": true, "isExcluded": true}])"),
            (std::vector<std::int32_t>{201254, 201820}));
  EXPECT_EQ(resolved_index(R"([{"concept_id": 201820, "includeDescendants": true}, {"concept_id": 201826, "isExcluded": true}])"),
            (std::vector<std::int32_t>{201254, 201820, 443732, 4193704}));
  // Without descendants a concept is itself only; plain id lists work as before.
  EXPECT_EQ(resolved_index(R"([{"concept_id": 201820}, 201826])"), (std::vector<std::int32_t>{201820, 201826}));
  EXPECT_EQ(resolved_index("[201826, 201826]"), (std::vector<std::int32_t>{201826}));
  // Named sets hold expressions too.
  const CohortDefinition named = test::resolved_definition(R"({"name": "t",
      "concept_sets": {"pregnancy": {"items": [{"concept": {"CONCEPT_ID": 4299535}, "includeDescendants": true}]}},
      "index": {"date": "2025-06-30"}, "exclusion_rules": [{"condition": {"concepts": "pregnancy"}}]})");
  EXPECT_EQ(named.rules[0].criterion.concepts.ids, (std::vector<std::int32_t>{4299535, 2000000010, 2000000011, 2000000012}));
}

TEST(ConceptSets, ExpressionsThatCannotBeResolvedAreRefusedAtTheirPath) {
  EXPECT_EQ(error_of(one_rule(R"({"condition": {"concepts": [{"concept_id": 201826, "includeMapped": true}]}})")),
            "def.json: /inclusion_rules/0/condition/concepts/0/includeMapped: mapped source concepts are not supported: "
            "list the standard concepts they map to");
  EXPECT_EQ(error_of(one_rule(R"({"condition": {"concepts": [{"concept_id": 201826, "isExcluded": true}]}})")),
            "def.json: /inclusion_rules/0/condition/concepts: a concept set without an included concept matches nothing");
  EXPECT_EQ(error_of(one_rule(R"({"condition": {"concepts": [{"concept_id": 201826, "includeDescendants": "yes"}]}})")),
            "def.json: /inclusion_rules/0/condition/concepts/0/includeDescendants: expected true or false");
  // A store without vocabulary tables knows the concepts it records, and no descendants.
  const PopulationVocabulary old_store = population_vocabulary(test::population(), ConceptVocabulary{});
  EXPECT_EQ(resolve_error(one_rule(R"({"condition": {"concepts": [{"concept_id": 201826, "includeDescendants": true}]}})"),
                          old_store),
            "/inclusion_rules/0/condition/concepts/0: concept 201826 asks for its descendants, but this population store "
            "has no vocabulary (concept_ancestor): import the OMOP vocabulary with the patients (concept.csv, "
            "concept_ancestor.csv) or list the descendants");
  EXPECT_EQ(resolve_error(one_rule(R"({"condition": {"concepts": [201826]}})"), old_store), "no error");
  const std::string unrecorded = resolve_error(one_rule(R"({"condition": {"concepts": [4299535]}})"), old_store);
  EXPECT_NE(unrecorded.find("/inclusion_rules/0/condition/concepts/0: concept 4299535 (pregnant) (in \"4299535\") "
                            "does not occur in this population's conditions"),
            std::string::npos)
      << unrecorded;
}

TEST(ConceptSets, UnknownConceptIsAnErrorWithTheNearestKnownOnes) {
  const PopulationVocabulary v = population_vocabulary(test::population(), synthetic_vocabulary());
  EXPECT_EQ(resolve_error(one_rule(R"({"condition": {"concepts": [201826, 201862]}})"), v),
            "/inclusion_rules/0/condition/concepts/1: concept 201862 (in \"201826,201862\") is not in this population's "
            "vocabulary (nearest: 201826 type 2 diabetes mellitus, 201820 diabetes mellitus, 201254 type 1 diabetes "
            "mellitus, 316866 hypertensive disorder, 3013721 AST)");
}

// The issue's case: a concept set of which the population records one concept, and a
// pregnancy exclusion on a population without pregnancies.
TEST(ConceptSets, KnownButUnrecordedConceptIsAWarningAndItsRuleRemovesNobody) {
  std::vector<std::string> warnings;
  const CohortDefinition d = test::resolved_definition(
      one_rule(R"({"condition": {"concepts": [201826, 443732, 4193704]}})"), &warnings);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "/inclusion_rules/0/condition/concepts/1: concept 443732 (disorder due to type 2 diabetes mellitus) is in the "
            "vocabulary, but no patient's conditions record it: it matches nobody in this population");
  EXPECT_EQ(d.rules[0].warnings, warnings);
  EXPECT_FALSE(d.rules[0].criterion.unrecorded);
  const auto r = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(test::population());
  EXPECT_EQ(r.attrition.back().warnings, warnings);
  EXPECT_EQ(r.attrition.back().decided_if_missing, 0u);

  // Pregnancy (the concept itself, not its trimesters) is never recorded: nobody is excluded,
  // and if_missing decided for everyone reaching the rule.
  const CohortDefinition pregnancy = test::resolved_definition(
      one_rule(R"({"condition": {"concepts": [4299535]}})", "exclusion_rules"), &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(pregnancy.rules[0].criterion.unrecorded);
  const auto p = EligibilityEvaluator(pregnancy, nullptr, kernels::Backend::Cpu).evaluate(test::population());
  EXPECT_EQ(p.attrition.back().removed, 0u);
  EXPECT_EQ(p.attrition.back().decided_if_missing, p.attrition[p.attrition.size() - 2].remaining);
  EXPECT_EQ(p.attrition.back().remaining, test::population().persons());
}

TEST(ConceptSets, GenotypeRuleOnDataWithoutGenotypesIsDecidedByIfMissing) {
  Population without = test::population();
  without.genotype = GenotypeTable{};
  without.genotype.offsets.assign(without.persons() + 1, 0);
  const PopulationVocabulary v = population_vocabulary(without, synthetic_vocabulary());
  for (const char* missing : {"fail", "pass"}) {
    CohortDefinition d = parse_cohort_definition(
        one_rule(std::string(R"({"genotype": {"gene": "CYP2D6", "result": "poor metabolizer", "if_missing": ")") +
                 missing + "\"}}", "exclusion_rules"),
        "def.json");
    const auto warnings = resolve_vocabulary(d, v);
    ASSERT_EQ(warnings.size(), 2u);  // the gene and the result
    EXPECT_EQ(warnings[0], "/exclusion_rules/0/genotype/gene: no patient of this population has a gene \"CYP2D6\" on "
                           "record: if_missing decides");
    const auto r = EligibilityEvaluator(d, nullptr, kernels::Backend::Cpu).evaluate(without);
    EXPECT_EQ(r.attrition.back().decided_if_missing, without.persons());
    // if_missing pass: the criterion counts as met, so the exclusion removes everyone.
    EXPECT_EQ(r.attrition.back().removed, std::string(missing) == "pass" ? without.persons() : 0u);
  }
  // A misspelt gene stays an error, with the nearest names.
  EXPECT_EQ(resolve_error(one_rule(R"({"genotype": {"gene": "CYP2D9"}})"), v),
            "/inclusion_rules/0/genotype/gene: no gene \"CYP2D9\" in this population or molsieve's list (nearest: "
            "\"CYP2C9\", \"CYP2D6\", \"CYP2B6\", \"CYP2C19\", \"CYP3A4\")");
}

}  // namespace
}  // namespace molsieve::cohort
