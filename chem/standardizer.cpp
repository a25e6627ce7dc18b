#include "chem/standardizer.h"

// RDKit 2022.09's RDLog.h uses std::uint64_t without including <cstdint>; GCC 13 needs it.
#include <cstdint>

#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Charge.h>
#include <GraphMol/MolStandardize/Fragment.h>
#include <GraphMol/RWMol.h>

#include "core/error.h"

namespace molsieve::chem {

struct Standardizer::Tools {
  RDKit::MolStandardize::LargestFragmentChooser largest_fragment;
  RDKit::MolStandardize::Uncharger uncharger;
};

Standardizer::Standardizer() : tools_(std::make_unique<Tools>()) {}
Standardizer::~Standardizer() = default;

namespace {

bool has_charged_atom(const RDKit::ROMol& mol) {
  for (const RDKit::Atom* atom : mol.atoms())
    if (atom->getFormalCharge() != 0) return true;
  return false;
}

}  // namespace

// Most molecules are one neutral fragment, which standardization leaves as it is; skipping
// it for them saves a canonical SMILES and four substructure searches. Any other molecule
// takes RDKit's full path: the chooser's copy re-perceives stereo, which uncharging a
// chiral ammonium relies on (tests compare both paths with RDKit's own results).
StandardizedMolecule Standardizer::standardize(const RDKit::ROMol& mol) {
  try {
    std::vector<int> fragment_of_atom;
    if (RDKit::MolOps::getMolFrags(mol, fragment_of_atom) <= 1 && !has_charged_atom(mol))
      return {std::make_unique<RDKit::RWMol>(mol), true};
    std::unique_ptr<RDKit::ROMol> largest(tools_->largest_fragment.choose(mol));
    std::unique_ptr<RDKit::ROMol> neutral(tools_->uncharger.uncharge(*largest));
    return {std::make_unique<RDKit::RWMol>(*neutral), false};
  } catch (const std::exception& e) {
    throw Error(std::string("standardization failed: ") + e.what());
  }
}

}  // namespace molsieve::chem
