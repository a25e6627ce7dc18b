#pragma once
// What the cohort tests share: a synthetic population and a one-rule definition.
#include <cstdint>
#include <string>

#include "cohort/population.h"
#include "cohort/synthetic_population.h"

namespace molsieve::test {

// The seed of population(): 20,000 patients.
constexpr std::uint64_t kPopulationSeed = 11;

inline const cohort::Population& population() {
  static const cohort::Population p = cohort::synthesize_population(kPopulationSeed, 0, 20000);
  return p;
}

// A definition with a fixed index day, no demographics and one rule.
inline std::string one_rule(const std::string& rule, const std::string& kind = "inclusion_rules") {
  return R"({"name": "t", "index": {"date": "2025-06-30"}, ")" + kind + R"(": [)" + rule + "]}";
}

}  // namespace molsieve::test
