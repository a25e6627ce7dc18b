#include "chem/depiction.h"

#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <memory>

namespace molsieve::chem {

std::string molblock_2d(const std::string& smiles) {
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(smiles));
  } catch (...) {
    return {};
  }
  if (!mol) return {};
  RDDepict::compute2DCoords(*mol);
  return RDKit::MolToMolBlock(*mol);
}

}  // namespace molsieve::chem
