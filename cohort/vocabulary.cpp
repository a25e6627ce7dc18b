#include "cohort/vocabulary.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"

namespace molsieve::cohort {
namespace {

using namespace concepts;

// One concept of the synthetic vocabulary and its parent (0: none).
struct Entry {
  std::int64_t id;
  const char* name;
  const char* domain;
  const char* vocabulary;
  const char* code;
  std::int64_t parent;
};

// Codes are the source vocabularies' where the concept is standard, the local id otherwise.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = {
      {kMale, "male", "Gender", "Gender", "M", 0},
      {kFemale, "female", "Gender", "Gender", "F", 0},
      {kWhite, "White", "Race", "Race", "5", 0},
      {kBlack, "Black or African American", "Race", "Race", "3", 0},
      {kAsian, "Asian", "Race", "Race", "2", 0},
      {kAmericanIndian, "American Indian or Alaska Native", "Race", "Race", "1", 0},
      {kPacificIslander, "Native Hawaiian or Other Pacific Islander", "Race", "Race", "4", 0},
      {kRaceUnknown, "unknown", "Metadata", "None", "No matching concept", 0},
      {kHispanic, "Hispanic or Latino", "Ethnicity", "Ethnicity", "Hispanic", 0},
      {kNotHispanic, "Not Hispanic or Latino", "Ethnicity", "Ethnicity", "Not Hispanic", 0},
      {kDiabetesMellitus, "diabetes mellitus", "Condition", "SNOMED", "73211009", 0},
      {kType1Diabetes, "type 1 diabetes mellitus", "Condition", "SNOMED", "46635009", kDiabetesMellitus},
      {kType2Diabetes, "type 2 diabetes mellitus", "Condition", "SNOMED", "44054006", kDiabetesMellitus},
      {kType2DiabetesDisorder, "disorder due to type 2 diabetes mellitus", "Condition", "SNOMED", "422014003",
       kType2Diabetes},
      {kType2DiabetesUncomplicated, "type 2 diabetes mellitus without complication", "Condition", "SNOMED",
       "313436004", kType2Diabetes},
      {kHypertensiveDisorder, "hypertensive disorder", "Condition", "SNOMED", "38341003", 0},
      {kEssentialHypertension, "essential hypertension", "Condition", "SNOMED", "59621000", kHypertensiveDisorder},
      {kHeartFailure, "heart failure", "Condition", "SNOMED", "84114007", 0},
      {kChronicKidneyDisease, "chronic kidney disease", "Condition", "SNOMED", "709044004", 0},
      {kLiverDisease, "disease of liver", "Condition", "SNOMED", "235856003", 0},
      {kAlzheimersDisease, "Alzheimer's disease", "Condition", "SNOMED", "26929004", 0},
      {kMalignantNeoplasm, "malignant neoplastic disease", "Condition", "SNOMED", "363346000", 0},
      {kBreastCancer, "malignant tumor of breast", "Condition", "SNOMED", "372064008", kMalignantNeoplasm},
      {kProstateCancer, "malignant tumor of prostate", "Condition", "SNOMED", "399068003", kMalignantNeoplasm},
      {kColonCancer, "malignant tumor of colon", "Condition", "SNOMED", "363406005", kMalignantNeoplasm},
      {kLungCancer, "malignant tumor of lung", "Condition", "SNOMED", "363358000", kMalignantNeoplasm},
      {kPregnant, "pregnant", "Condition", "SNOMED", "77386006", 0},
      {kPregnancyFirstTrimester, "pregnancy, first trimester", "Condition", "local", "2000000010", kPregnant},
      {kPregnancySecondTrimester, "pregnancy, second trimester", "Condition", "local", "2000000011", kPregnant},
      {kPregnancyThirdTrimester, "pregnancy, third trimester", "Condition", "local", "2000000012", kPregnant},
      {kClarithromycin, "clarithromycin", "Drug", "RxNorm", "21212", 0},
      {kKetoconazole, "ketoconazole", "Drug", "RxNorm", "6135", 0},
      {kItraconazole, "itraconazole", "Drug", "RxNorm", "28031", 0},
      {kRitonavir, "ritonavir", "Drug", "RxNorm", "85762", 0},
      {kMetformin, "metformin", "Drug", "RxNorm", "6809", 0},
      {kLisinopril, "lisinopril", "Drug", "RxNorm", "29046", 0},
      {kAtorvastatin, "atorvastatin", "Drug", "RxNorm", "83367", 0},
      {kAmlodipine, "amlodipine", "Drug", "RxNorm", "17767", 0},
      {kDonepezil, "donepezil", "Drug", "RxNorm", "135447", 0},
      {kOmeprazole, "omeprazole", "Drug", "RxNorm", "7646", 0},
      {kInsulins, "insulins and analogues", "Drug", "ATC", "A10A", 0},
      {kInsulinGlargine, "insulin glargine", "Drug", "RxNorm", "274783", kInsulins},
      {kInsulinLispro, "insulin lispro", "Drug", "RxNorm", "86009", kInsulins},
      {kInsulinAspart, "insulin aspart", "Drug", "RxNorm", "51428", kInsulins},
      {kCreatinine, "creatinine", "Measurement", "LOINC", "2160-0", 0},
      {kAlt, "ALT", "Measurement", "LOINC", "1742-6", 0},
      {kAst, "AST", "Measurement", "LOINC", "1920-8", 0},
      {kBilirubin, "total bilirubin", "Measurement", "LOINC", "1975-2", 0},
      {kPotassium, "potassium", "Measurement", "LOINC", "2823-3", 0},
      {kHbA1c, "HbA1c", "Measurement", "LOINC", "4548-4", 0},
      {kEgfr, "eGFR", "Measurement", "local", "2000000001", 0},
      {kQtc, "QTc", "Measurement", "local", "2000000002", 0},
      {kMmse, "MMSE", "Measurement", "local", "2000000003", 0},
  };
  return table;
}

// Digits in which two ids differ (a longer id differs in its extra digits too).
std::size_t digit_distance(const std::string& a, const std::string& b) {
  std::size_t d = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) d += a[i] != b[i];
  return d;
}

}  // namespace

std::string concepts::concept_name(std::int64_t concept_id) {
  static const std::map<std::int64_t, const char*> names = [] {
    std::map<std::int64_t, const char*> m;
    for (const Entry& e : entries()) m[e.id] = e.name;
    return m;
  }();
  const auto found = names.find(concept_id);
  return found == names.end() ? "concept " + std::to_string(concept_id) : found->second;
}

ConceptVocabulary::ConceptVocabulary(std::vector<Concept> concepts, std::vector<ConceptAncestry> ancestry,
                                     const std::string& where)
    : concepts_(std::move(concepts)), ancestry_(std::move(ancestry)) {
  // A store's tables are sorted already: checking is cheaper than sorting millions again.
  const auto by_id = [](const Concept& a, const Concept& b) { return a.concept_id < b.concept_id; };
  if (!std::is_sorted(concepts_.begin(), concepts_.end(), by_id)) std::sort(concepts_.begin(), concepts_.end(), by_id);
  for (std::size_t i = 1; i < concepts_.size(); ++i)
    if (concepts_[i].concept_id == concepts_[i - 1].concept_id)
      throw Error(where + ": concept " + std::to_string(concepts_[i].concept_id) + " is listed twice");
  const auto by_pair = [](const ConceptAncestry& a, const ConceptAncestry& b) {
    return a.ancestor_concept_id != b.ancestor_concept_id ? a.ancestor_concept_id < b.ancestor_concept_id
                                                          : a.descendant_concept_id < b.descendant_concept_id;
  };
  if (!std::is_sorted(ancestry_.begin(), ancestry_.end(), by_pair)) std::sort(ancestry_.begin(), ancestry_.end(), by_pair);
}

const Concept* ConceptVocabulary::find(std::int32_t concept_id) const {
  const auto found = std::lower_bound(concepts_.begin(), concepts_.end(), concept_id,
                                      [](const Concept& c, std::int32_t id) { return c.concept_id < id; });
  return found != concepts_.end() && found->concept_id == concept_id ? &*found : nullptr;
}

std::vector<std::int32_t> ConceptVocabulary::descendants(std::int32_t concept_id) const {
  std::vector<std::int32_t> out{concept_id};
  auto row = std::lower_bound(ancestry_.begin(), ancestry_.end(), concept_id,
                              [](const ConceptAncestry& a, std::int32_t id) { return a.ancestor_concept_id < id; });
  for (; row != ancestry_.end() && row->ancestor_concept_id == concept_id; ++row)
    out.push_back(row->descendant_concept_id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::int32_t> ConceptVocabulary::nearest(std::int32_t concept_id, std::size_t count) const {
  const std::string text = std::to_string(concept_id);
  std::vector<std::pair<std::pair<std::size_t, std::int64_t>, std::int32_t>> ranked;
  for (const Concept& c : concepts_)
    ranked.push_back({{digit_distance(text, std::to_string(c.concept_id)),
                       std::abs(std::int64_t{c.concept_id} - concept_id)},
                      c.concept_id});
  const std::size_t kept = std::min(count, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + kept, ranked.end());
  std::vector<std::int32_t> out;
  for (std::size_t i = 0; i < kept; ++i) out.push_back(ranked[i].second);
  return out;
}

const ConceptVocabulary& synthetic_vocabulary() {
  static const ConceptVocabulary vocabulary = [] {
    std::vector<Concept> concepts;
    std::map<std::int64_t, std::int64_t> parent;
    for (const Entry& e : entries()) {
      const bool local = std::string(e.vocabulary) == "local";
      concepts.push_back(Concept{static_cast<std::int32_t>(e.id), e.name, e.domain, e.vocabulary,
                                 local || e.id == kRaceUnknown ? "" : std::string(e.vocabulary) == "ATC" ? "C" : "S",
                                 e.code});
      if (e.parent) parent[e.id] = e.parent;
    }
    // Every concept is its own descendant at 0 levels; each ancestor up the single-parent chain one level more.
    std::vector<ConceptAncestry> ancestry;
    for (const Entry& e : entries()) {
      std::int32_t levels = 0;
      for (std::int64_t at = e.id;; ++levels) {
        ancestry.push_back({static_cast<std::int32_t>(at), static_cast<std::int32_t>(e.id), levels, levels});
        const auto up = parent.find(at);
        if (up == parent.end()) break;
        at = up->second;
      }
    }
    return ConceptVocabulary(std::move(concepts), std::move(ancestry), "synthetic vocabulary");
  }();
  return vocabulary;
}

const std::vector<std::string>& known_genes() {
  static const std::vector<std::string> genes = {
      "CYP2B6", "CYP2C9",     "CYP2C19",     "CYP2D6",      "CYP3A4",      "CYP3A5", "DPYD",
      "G6PD",   "HLA-A*31:01", "HLA-B*15:02", "HLA-B*57:01", "HLA-B*58:01", "NUDT15", "SLCO1B1",
      "TPMT",   "UGT1A1",     "VKORC1",      "TARGET_EXPRESSION"};
  return genes;
}

const std::vector<std::string>& known_genotype_results() {
  static const std::vector<std::string> results = {
      "ultrarapid metabolizer", "rapid metabolizer",  "normal metabolizer", "intermediate metabolizer",
      "poor metabolizer",       "likely intermediate metabolizer", "likely poor metabolizer",
      "indeterminate",          "normal function",    "decreased function", "poor function",
      "increased function",     "positive",           "negative",           "measured"};
  return results;
}

}  // namespace molsieve::cohort
