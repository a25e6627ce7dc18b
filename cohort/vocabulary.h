#pragma once
// The OMOP concept ids molsieve's synthetic population uses and its example definitions
// name (docs/cohorts.md lists them). Standard concepts where the vocabulary has a clear
// one; ids from 2,000,000,000 up are local concepts (OMOP's range for site-specific codes),
// to be mapped to a site's own vocabulary.
#include <cstdint>
#include <string>

namespace molsieve::cohort::concepts {

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

// Drug ingredients (RxNorm).
constexpr std::int64_t kClarithromycin = 1750500, kKetoconazole = 985708, kItraconazole = 1703653,
                       kRitonavir = 1748921, kMetformin = 1503297, kLisinopril = 1308216,
                       kAtorvastatin = 1545958, kAmlodipine = 1332418, kDonepezil = 715997, kOmeprazole = 923645;

// Measurements (LOINC standard concepts, and local ones).
constexpr std::int64_t kCreatinine = 3016723, kAlt = 3006923, kAst = 3013721, kBilirubin = 3024128,
                       kPotassium = 3023103, kHbA1c = 3004410;
constexpr std::int64_t kEgfr = 2000000001, kQtc = 2000000002, kMmse = 2000000003;

// A readable name for reports ("concept 12345" for ids not listed above).
std::string concept_name(std::int64_t concept_id);

}  // namespace molsieve::cohort::concepts
