#pragma once
// Units of measurement values. Each known analyte has one canonical unit, and the
// population store keeps its values in it; conversions are defined per analyte
// (creatinine mg/dL <-> umol/L differs from bilirubin's), so a unit pair without a
// defined conversion is an error, never a silent comparison.
#include <cstdint>
#include <optional>
#include <string>

namespace molsieve::cohort {

// y = scale * x + offset (HbA1c % <-> mmol/mol is affine).
struct Conversion {
  double scale = 1;
  double offset = 0;
  double apply(double x) const { return scale * x + offset; }
};

// The canonical spelling of a unit ("µmol/L", "umol/l" and "micromol/L" are "umol/L"), or
// nullopt when the unit is unknown. The empty string is the unit of unitless values.
std::optional<std::string> canonical_unit(const std::string& text);

// The unit the store keeps `concept_id` in ("" for unitless scores), or nullopt when the
// analyte is not a known one (its values keep the unit they came with).
std::optional<std::string> analyte_unit(std::int64_t concept_id);

// How to turn a value of `concept_id` in unit `from` into unit `to` (both canonical);
// nullopt when no conversion is defined.
std::optional<Conversion> unit_conversion(std::int64_t concept_id, const std::string& from, const std::string& to);

// OMOP unit concepts molsieve recognises when a measurement has no unit_source_value:
// the unit of concept `unit_concept_id` ("" for 0), nullopt when unknown; and back (0 when
// the unit has no concept molsieve knows).
std::optional<std::string> unit_of_concept(std::int64_t unit_concept_id);
std::int32_t unit_concept_of(const std::string& unit);

// The values of a known analyte that a threshold can take, in its stored unit: a threshold
// outside them can only be a mistake (a fraction for a percentage, a wrong unit). `hint`,
// when not empty, names the usual mistake for a threshold below `low`.
struct PlausibleRange {
  double low;
  double high;
  const char* hint;
};
std::optional<PlausibleRange> plausible_range(std::int64_t concept_id);

// The largest sensible multiple of a reference limit ("x ULN", "x LLN"): CTCAE's most
// severe grade of ALT and AST elevation starts at 20 x ULN.
constexpr double kMaxLimitMultiple = 20;

}  // namespace molsieve::cohort
