#include "chem/standardizer.h"

// RDKit 2022.09's RDLog.h uses std::uint64_t without including <cstdint>; GCC 13 needs it.
#include <cstdint>

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

std::unique_ptr<RDKit::RWMol> Standardizer::standardize(const RDKit::ROMol& mol) {
  try {
    std::unique_ptr<RDKit::ROMol> largest(tools_->largest_fragment.choose(mol));
    std::unique_ptr<RDKit::ROMol> neutral(tools_->uncharger.uncharge(*largest));
    return std::make_unique<RDKit::RWMol>(*neutral);
  } catch (const std::exception& e) {
    throw Error(std::string("standardization failed: ") + e.what());
  }
}

}  // namespace molsieve::chem
