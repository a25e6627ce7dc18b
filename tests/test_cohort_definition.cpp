// Cohort definitions refused with the file and JSON path at fault: unknown keys and units,
// inverted ranges, implausible thresholds, a unit the stored one cannot be compared with.
#include <gtest/gtest.h>

#include "cohort/cohort_definition.h"
#include "cohort/eligibility.h"
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

}  // namespace
}  // namespace molsieve::cohort
