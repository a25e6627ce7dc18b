#include "chem/scaffold.h"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <memory>

#include "core/error.h"

namespace molsieve::chem {

std::string murcko_scaffold_smiles(const std::string& smiles) {
  std::unique_ptr<RDKit::ROMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(smiles));
  } catch (const std::exception&) {
  }
  if (!mol) {
    // Some standardized SMILES do not read back sanitized (a lone aromatic c1cccc1 ring left
    // by fragment removal cannot be kekulized); the unsanitized graph still has a scaffold.
    try {
      std::unique_ptr<RDKit::RWMol> raw(RDKit::SmilesToMol(smiles, 0, /*sanitize=*/false));
      if (raw) {
        raw->updatePropertyCache(false);
        RDKit::MolOps::fastFindRings(*raw);
        mol = std::move(raw);
      }
    } catch (const std::exception&) {
    }
  }
  if (!mol) throw Error("cannot parse SMILES '" + smiles + "' for its scaffold");
  std::unique_ptr<RDKit::ROMol> scaffold(RDKit::MurckoDecompose(*mol));
  if (!scaffold || scaffold->getNumAtoms() == 0) return "";
  return RDKit::MolToSmiles(*scaffold, /*doIsomericSmiles=*/false);
}

}  // namespace molsieve::chem
