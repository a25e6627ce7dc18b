#pragma once
// Standardization before featurizing: keep the largest fragment (drops salts and
// solvents) and neutralize charges where a neutral form exists, with RDKit's
// MolStandardize. The canonical isomeric SMILES of the result identifies duplicates.
#include <memory>

namespace RDKit { class ROMol; class RWMol; }

namespace molsieve::chem {

class Standardizer {
 public:
  Standardizer();
  ~Standardizer();
  Standardizer(const Standardizer&) = delete;
  Standardizer& operator=(const Standardizer&) = delete;

  // Throws molsieve::Error when RDKit cannot standardize the molecule.
  std::unique_ptr<RDKit::RWMol> standardize(const RDKit::ROMol& mol);

 private:
  struct Tools;
  std::unique_ptr<Tools> tools_;
};

}  // namespace molsieve::chem
