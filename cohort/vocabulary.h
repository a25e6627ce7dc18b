#pragma once
// Concepts: the OMOP concept ids molsieve's synthetic population uses and its example
// definitions name (docs/cohorts.md lists them), and a vocabulary as OMOP keeps one: the
// `concept` table and the `concept_ancestor` hierarchy that concept sets with descendants
// are resolved through. Standard concepts where the vocabulary has a clear one; ids from
// 2,000,000,000 up are local concepts (OMOP's range for site-specific codes), to be mapped
// to a site's own vocabulary.
#include <cstdint>
#include <string>
#include <vector>

namespace molsieve::cohort {

namespace concepts {

// Gender, race and ethnicity.
constexpr std::int64_t kMale = 8507, kFemale = 8532;
constexpr std::int64_t kWhite = 8527, kBlack = 8516, kAsian = 8515, kAmericanIndian = 8657,
                       kPacificIslander = 8557, kRaceUnknown = 0;
constexpr std::int64_t kHispanic = 38003563, kNotHispanic = 38003564;

// Conditions (SNOMED standard concepts).
constexpr std::int64_t kType2Diabetes = 201826, kEssentialHypertension = 320128, kHeartFailure = 316139,
                       kChronicKidneyDisease = 46271022, kLiverDisease = 194984, kAlzheimersDisease = 378419,
                       kBreastCancer = 4112853, kProstateCancer = 4163261, kColonCancer = 4180790,
                       kLungCancer = 443388;
// Groupers and relatives of the conditions above, in the synthetic vocabulary's hierarchy.
constexpr std::int64_t kDiabetesMellitus = 201820, kType1Diabetes = 201254, kType2DiabetesDisorder = 443732,
                       kType2DiabetesUncomplicated = 4193704, kHypertensiveDisorder = 316866,
                       kMalignantNeoplasm = 443392;
// Pregnancy: the SNOMED finding, and local concepts by trimester under it.
constexpr std::int64_t kPregnant = 4299535, kPregnancyFirstTrimester = 2000000010,
                       kPregnancySecondTrimester = 2000000011, kPregnancyThirdTrimester = 2000000012;

// Drug ingredients (RxNorm).
constexpr std::int64_t kClarithromycin = 1750500, kKetoconazole = 985708, kItraconazole = 1703653,
                       kRitonavir = 1748921, kMetformin = 1503297, kLisinopril = 1308216,
                       kAtorvastatin = 1545958, kAmlodipine = 1332418, kDonepezil = 715997, kOmeprazole = 923645;
// Insulins: the ATC class and the RxNorm ingredients under it.
constexpr std::int64_t kInsulins = 21600713, kInsulinGlargine = 1502905, kInsulinLispro = 1550023,
                       kInsulinAspart = 1567198;

// Measurements (LOINC standard concepts, and local ones).
constexpr std::int64_t kCreatinine = 3016723, kAlt = 3006923, kAst = 3013721, kBilirubin = 3024128,
                       kPotassium = 3023103, kHbA1c = 3004410;
constexpr std::int64_t kEgfr = 2000000001, kQtc = 2000000002, kMmse = 2000000003;

// A readable name for reports ("concept 12345" for ids not listed above).
std::string concept_name(std::int64_t concept_id);

}  // namespace concepts

// A row of OMOP's `concept` table (the columns molsieve keeps).
struct Concept {
  std::int32_t concept_id = 0;
  std::string concept_name, domain_id, vocabulary_id, standard_concept, concept_code;
};

// A row of OMOP's `concept_ancestor`: every ancestor-descendant pair, with the concept
// itself at 0 levels (as OMOP writes it).
struct ConceptAncestry {
  std::int32_t ancestor_concept_id = 0, descendant_concept_id = 0;
  std::int32_t min_levels_of_separation = 0, max_levels_of_separation = 0;
};

class ConceptVocabulary {
 public:
  ConceptVocabulary() = default;
  // Sorts both tables (concepts by id, pairs by ancestor then descendant); a concept id
  // listed twice is an error naming `where`.
  ConceptVocabulary(std::vector<Concept> concepts, std::vector<ConceptAncestry> ancestry, const std::string& where);
  const std::vector<Concept>& concepts() const { return concepts_; }
  const std::vector<ConceptAncestry>& ancestry() const { return ancestry_; }
  bool empty() const { return concepts_.empty(); }
  const Concept* find(std::int32_t concept_id) const;  // null when unknown
  // The concept and all its descendants, sorted (the concept itself even when
  // concept_ancestor leaves out its 0-level row).
  std::vector<std::int32_t> descendants(std::int32_t concept_id) const;
  // Up to `count` known concept ids nearest to an unknown one (fewest differing digits, then
  // closest in value).
  std::vector<std::int32_t> nearest(std::int32_t concept_id, std::size_t count) const;

 private:
  std::vector<Concept> concepts_;
  std::vector<ConceptAncestry> ancestry_;
};

// The synthetic population's vocabulary: every concept of `concepts` above with its domain
// and vocabulary, and the hierarchies among them (type 2 diabetes under diabetes mellitus,
// the insulin ingredients under the insulins, the trimesters under pregnancy, ...).
const ConceptVocabulary& synthetic_vocabulary();

// Pharmacogenes and biomarkers with the results molsieve knows of them: a gene or result a
// population never records is then missing (if_missing decides), one unknown here is a
// misspelling (an error).
const std::vector<std::string>& known_genes();
const std::vector<std::string>& known_genotype_results();

}  // namespace molsieve::cohort
