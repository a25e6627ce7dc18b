#include "cohort/units.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "cohort/vocabulary.h"

namespace molsieve::cohort {
namespace {

// Spellings met in OMOP unit_source_value columns, lower-cased, to canonical units.
const std::map<std::string, std::string>& spellings() {
  static const std::map<std::string, std::string> table = {
      {"mg/dl", "mg/dL"},       {"umol/l", "umol/L"},   {"\xc2\xb5mol/l", "umol/L"},
      {"\xce\xbcmol/l", "umol/L"}, {"micromol/l", "umol/L"}, {"mmol/l", "mmol/L"},
      {"meq/l", "mEq/L"},       {"u/l", "U/L"},         {"iu/l", "U/L"},
      {"ukat/l", "ukat/L"},     {"%", "%"},             {"percent", "%"},
      {"mmol/mol", "mmol/mol"}, {"ms", "ms"},           {"msec", "ms"},
      {"ml/min/1.73m2", "mL/min/1.73m2"}, {"ml/min/{1.73_m2}", "mL/min/1.73m2"},
      {"ml/min/1.73 m2", "mL/min/1.73m2"}, {"g/dl", "g/dL"}, {"g/l", "g/L"},
      {"ng/ml", "ng/mL"},       {"pg/ml", "pg/mL"},     {"{score}", ""},
      {"score", ""},            {"", ""},
  };
  return table;
}

struct AnalyteConversion {
  std::int64_t concept_id;
  const char* from;
  const char* to;
  Conversion conversion;
};

// Molar mass based factors: creatinine 88.42, bilirubin 17.1 umol/L per mg/dL;
// HbA1c IFCC mmol/mol = 10.929 * (NGSP % - 2.15); ALT/AST 1 ukat/L = 60 U/L.
const AnalyteConversion kConversions[] = {
    {concepts::kCreatinine, "umol/L", "mg/dL", {1 / 88.42, 0}},
    {concepts::kBilirubin, "umol/L", "mg/dL", {1 / 17.1, 0}},
    {concepts::kHbA1c, "mmol/mol", "%", {1 / 10.929, 2.15}},
    {concepts::kAlt, "ukat/L", "U/L", {60, 0}},
    {concepts::kAst, "ukat/L", "U/L", {60, 0}},
    {concepts::kPotassium, "mEq/L", "mmol/L", {1, 0}},
};

}  // namespace

std::optional<std::string> canonical_unit(const std::string& text) {
  std::string key;
  for (char c : text)
    if (c != '\t') key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!key.empty() && key.back() == ' ') key.pop_back();
  while (!key.empty() && key.front() == ' ') key.erase(key.begin());
  const auto found = spellings().find(key);
  if (found == spellings().end()) return std::nullopt;
  return found->second;
}

std::optional<std::string> analyte_unit(std::int64_t concept_id) {
  switch (concept_id) {
    case concepts::kCreatinine: return "mg/dL";
    case concepts::kBilirubin: return "mg/dL";
    case concepts::kAlt: return "U/L";
    case concepts::kAst: return "U/L";
    case concepts::kPotassium: return "mmol/L";
    case concepts::kHbA1c: return "%";
    case concepts::kEgfr: return "mL/min/1.73m2";
    case concepts::kQtc: return "ms";
    case concepts::kMmse: return "";
    default: return std::nullopt;
  }
}

std::optional<Conversion> unit_conversion(std::int64_t concept_id, const std::string& from, const std::string& to) {
  if (from == to) return Conversion{};
  for (const auto& c : kConversions) {
    if (c.concept_id != concept_id) continue;
    if (from == c.from && to == c.to) return c.conversion;
    if (from == c.to && to == c.from)
      return Conversion{1 / c.conversion.scale, -c.conversion.offset / c.conversion.scale};
  }
  return std::nullopt;
}

// Wide bounds around clinical reference ranges and the extremes reported in patients
// (typical US laboratory references; MMSE is scored 0 to 30), so that only a threshold no
// patient could meet or miss is refused.
std::optional<PlausibleRange> plausible_range(std::int64_t concept_id) {
  switch (concept_id) {
    case concepts::kCreatinine: return PlausibleRange{0.1, 30, ""};
    case concepts::kBilirubin: return PlausibleRange{0, 50, ""};
    case concepts::kAlt: return PlausibleRange{0, 20000, ""};
    case concepts::kAst: return PlausibleRange{0, 20000, ""};
    case concepts::kPotassium: return PlausibleRange{1, 12, ""};
    case concepts::kHbA1c: return PlausibleRange{2, 25, "HbA1c is in %, not a fraction"};
    case concepts::kEgfr: return PlausibleRange{0, 200, ""};
    case concepts::kQtc: return PlausibleRange{200, 800, ""};
    case concepts::kMmse: return PlausibleRange{0, 30, ""};
    default: return std::nullopt;
  }
}

std::optional<std::string> unit_of_concept(std::int64_t unit_concept_id) {
  switch (unit_concept_id) {
    case 0: return std::string();
    case 8840: return std::string("mg/dL");
    case 8749: return std::string("umol/L");
    case 8645: return std::string("U/L");
    case 8753: return std::string("mmol/L");
    case 8554: return std::string("%");
    default: return std::nullopt;
  }
}

std::int32_t unit_concept_of(const std::string& unit) {
  for (std::int32_t id : {8840, 8749, 8645, 8753, 8554})
    if (unit_of_concept(id) == unit) return id;
  return 0;
}

}  // namespace molsieve::cohort
