#pragma once
// Standardization before featurizing: keep the largest fragment (drops salts and
// solvents) and neutralize charges where a neutral form exists, with RDKit's
// MolStandardize. The canonical isomeric SMILES of the result identifies duplicates.
#include <memory>

namespace RDKit { class ROMol; class RWMol; }

namespace molsieve::chem {

struct StandardizedMolecule {
  std::unique_ptr<RDKit::RWMol> mol;
  // True when the molecule is the parsed one, unchanged. False when RDKit rebuilt it
  // (fragment chosen, charges removed) without sanitizing again: its cached valences may
  // then differ from a fresh parse, which QED's own hydrogen removal would redo.
  bool as_parsed = true;
};

class Standardizer {
 public:
  Standardizer();
  ~Standardizer();
  Standardizer(const Standardizer&) = delete;
  Standardizer& operator=(const Standardizer&) = delete;

  // Throws molsieve::Error when RDKit cannot standardize the molecule.
  StandardizedMolecule standardize(const RDKit::ROMol& mol);

 private:
  struct Tools;
  std::unique_ptr<Tools> tools_;
};

}  // namespace molsieve::chem
