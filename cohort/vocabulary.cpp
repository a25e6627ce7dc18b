#include "cohort/vocabulary.h"

#include <map>

namespace molsieve::cohort::concepts {

std::string concept_name(std::int64_t concept_id) {
  static const std::map<std::int64_t, const char*> names = {
      {kMale, "male"}, {kFemale, "female"}, {kWhite, "White"}, {kBlack, "Black or African American"},
      {kAsian, "Asian"}, {kAmericanIndian, "American Indian or Alaska Native"},
      {kPacificIslander, "Native Hawaiian or Other Pacific Islander"}, {kRaceUnknown, "unknown"},
      {kHispanic, "Hispanic or Latino"}, {kNotHispanic, "Not Hispanic or Latino"},
      {kType2Diabetes, "type 2 diabetes mellitus"}, {kEssentialHypertension, "essential hypertension"},
      {kHeartFailure, "heart failure"}, {kChronicKidneyDisease, "chronic kidney disease"},
      {kLiverDisease, "disease of liver"}, {kAlzheimersDisease, "Alzheimer's disease"},
      {kBreastCancer, "malignant tumor of breast"}, {kProstateCancer, "malignant tumor of prostate"},
      {kColonCancer, "malignant tumor of colon"}, {kLungCancer, "malignant tumor of lung"},
      {kClarithromycin, "clarithromycin"}, {kKetoconazole, "ketoconazole"}, {kItraconazole, "itraconazole"},
      {kRitonavir, "ritonavir"}, {kMetformin, "metformin"}, {kLisinopril, "lisinopril"},
      {kAtorvastatin, "atorvastatin"}, {kAmlodipine, "amlodipine"}, {kDonepezil, "donepezil"},
      {kOmeprazole, "omeprazole"}, {kCreatinine, "creatinine"}, {kAlt, "ALT"}, {kAst, "AST"},
      {kBilirubin, "total bilirubin"}, {kPotassium, "potassium"}, {kHbA1c, "HbA1c"}, {kEgfr, "eGFR"},
      {kQtc, "QTc"}, {kMmse, "MMSE"},
  };
  const auto found = names.find(concept_id);
  return found == names.end() ? "concept " + std::to_string(concept_id) : found->second;
}

}  // namespace molsieve::cohort::concepts
