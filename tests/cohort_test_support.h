#pragma once
// What the cohort tests share: a synthetic population, definitions resolved against it and a
// one-rule definition.
#include <cstdint>
#include <string>
#include <vector>

#include "cohort/cohort_definition.h"
#include "cohort/population.h"
#include "cohort/synthetic_population.h"

namespace molsieve::test {

// The seed of population(): 20,000 patients.
constexpr std::uint64_t kPopulationSeed = 11;

inline const cohort::Population& population() {
  static const cohort::Population p = cohort::synthesize_population(kPopulationSeed, 0, 20000);
  return p;
}

// `json` parsed and resolved against population() and the synthetic vocabulary; `warnings`
// gets the vocabulary's warnings.
inline cohort::CohortDefinition resolved_definition(const std::string& json, std::vector<std::string>* warnings = nullptr) {
  cohort::CohortDefinition d = cohort::parse_cohort_definition(json, "test.json");
  const auto found = cohort::resolve_vocabulary(
      d, cohort::population_vocabulary(population(), cohort::synthetic_vocabulary()));
  if (warnings) *warnings = found;
  return d;
}

// A definition with a fixed index day, no demographics and one rule.
inline std::string one_rule(const std::string& rule, const std::string& kind = "inclusion_rules") {
  return R"({"name": "t", "index": {"date": "2025-06-30"}, ")" + kind + R"(": [)" + rule + "]}";
}

}  // namespace molsieve::test
