#include "chem/descriptors.h"

#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>

#include <limits>

#include "chem/qed.h"

namespace molsieve::chem {

const std::array<const char*, kDescriptorCount>& descriptor_names() {
  static const std::array<const char*, kDescriptorCount> names = {
      "mw",          "exact_mw", "clogp",         "mr",   "tpsa",          "hbd", "hba",
      "rotatable_bonds", "heavy_atoms", "rings", "aromatic_rings", "fsp3", "formal_charge",
      "qed"};
  return names;
}

DescriptorValues compute_descriptors(const RDKit::ROMol& mol, const Qed& qed,
                                     const std::vector<std::uint64_t>& screen, bool as_parsed) {
  namespace D = RDKit::Descriptors;
  DescriptorValues out;
  auto& v = out.values;
  v[kMw] = D::calcAMW(mol);
  v[kExactMw] = D::calcExactMW(mol);
  double logp = 0, mr = 0;
  D::calcCrippenDescriptors(mol, logp, mr);
  v[kClogp] = logp;
  v[kMr] = mr;
  v[kTpsa] = D::calcTPSA(mol);
  v[kHbd] = D::calcNumHBD(mol);
  v[kHba] = D::calcNumHBA(mol);
  v[kRotatableBonds] = D::calcNumRotatableBonds(mol);
  v[kHeavyAtoms] = mol.getNumHeavyAtoms();
  v[kRings] = D::calcNumRings(mol);
  v[kAromaticRings] = D::calcNumAromaticRings(mol);
  v[kFsp3] = D::calcFractionCSP3(mol);
  v[kFormalCharge] = RDKit::MolOps::getFormalCharge(mol);
  const bool reuse = as_parsed && !has_hydrogen_atoms(mol);
  try {
    v[kQed] = reuse ? Qed::score(qed.properties(mol, screen, out)) : qed(mol);
  } catch (const std::exception&) {
    // QED's hydrogen-free copy can fail sanitization (hydrogen-bridged boranes), where
    // RDKit's QED.qed raises too: QED is unknown, the molecule and its other values stay.
    v[kQed] = std::numeric_limits<double>::quiet_NaN();
  }

  const unsigned lipinski_donors = D::calcLipinskiHBD(mol);
  const unsigned lipinski_acceptors = D::calcLipinskiHBA(mol);
  out.lipinski_violations = static_cast<std::int8_t>((v[kMw] > 500) + (v[kClogp] > 5) +
                                                     (lipinski_donors > 5) +
                                                     (lipinski_acceptors > 10));
  out.veber = v[kRotatableBonds] <= 10 && v[kTpsa] <= 140;
  return out;
}

}  // namespace molsieve::chem
