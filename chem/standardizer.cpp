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

// Most molecules are one neutral fragment, for which both steps return the molecule
// unchanged; skipping them saves a canonical SMILES per fragment and four substructure
// searches (the golden tests compare the result with RDKit's full standardization).
std::unique_ptr<RDKit::RWMol> Standardizer::standardize(const RDKit::ROMol& mol) {
  try {
    std::unique_ptr<RDKit::ROMol> largest;
    std::vector<int> fragment_of_atom;
    if (RDKit::MolOps::getMolFrags(mol, fragment_of_atom) > 1)
      largest.reset(tools_->largest_fragment.choose(mol));
    const RDKit::ROMol& fragment = largest ? *largest : mol;
    if (!has_charged_atom(fragment)) return std::make_unique<RDKit::RWMol>(fragment);
    std::unique_ptr<RDKit::ROMol> neutral(tools_->uncharger.uncharge(fragment));
    return std::make_unique<RDKit::RWMol>(*neutral);
  } catch (const std::exception& e) {
    throw Error(std::string("standardization failed: ") + e.what());
  }
}

}  // namespace molsieve::chem
