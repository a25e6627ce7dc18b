#include "chem/graph_features.h"

#include <GraphMol/ROMol.h>

namespace molsieve::chem {

MolGraph build_graph(const RDKit::ROMol& mol) {
  MolGraph graph;
  graph.atom_features.reserve(mol.getNumAtoms() * kAtomColumns);
  graph.atom_mass.reserve(mol.getNumAtoms());
  for (const RDKit::Atom* atom : mol.atoms()) {
    std::int8_t row[kAtomColumns];
    row[kAtomAtomicNumber] = static_cast<std::int8_t>(atom->getAtomicNum());
    row[kAtomTotalDegree] = static_cast<std::int8_t>(atom->getTotalDegree());
    row[kAtomFormalCharge] = static_cast<std::int8_t>(atom->getFormalCharge());
    row[kAtomChiralTag] = static_cast<std::int8_t>(atom->getChiralTag());
    row[kAtomTotalHydrogens] = static_cast<std::int8_t>(atom->getTotalNumHs());
    row[kAtomHybridization] = static_cast<std::int8_t>(atom->getHybridization());
    row[kAtomIsAromatic] = atom->getIsAromatic() ? 1 : 0;
    graph.atom_features.insert(graph.atom_features.end(), row, row + kAtomColumns);
    graph.atom_mass.push_back(static_cast<float>(atom->getMass()));
  }
  graph.bond_features.reserve(mol.getNumBonds() * kBondColumns);
  graph.bond_atoms.reserve(mol.getNumBonds() * 2);
  const RDKit::RingInfo* rings = mol.getRingInfo();
  for (const RDKit::Bond* bond : mol.bonds()) {
    std::int8_t row[kBondColumns];
    row[kBondType] = static_cast<std::int8_t>(bond->getBondType());
    row[kBondIsConjugated] = bond->getIsConjugated() ? 1 : 0;
    row[kBondIsInRing] = rings->numBondRings(bond->getIdx()) > 0 ? 1 : 0;
    row[kBondStereo] = static_cast<std::int8_t>(bond->getStereo());
    graph.bond_features.insert(graph.bond_features.end(), row, row + kBondColumns);
    graph.bond_atoms.push_back(static_cast<std::int32_t>(bond->getBeginAtomIdx()));
    graph.bond_atoms.push_back(static_cast<std::int32_t>(bond->getEndAtomIdx()));
  }
  return graph;
}

const std::vector<const char*>& atom_column_names() {
  static const std::vector<const char*> names = {
      "atomic_number", "total_degree", "formal_charge", "chiral_tag (RDKit ChiralType)",
      "total_hydrogens", "hybridization (RDKit HybridizationType)", "is_aromatic"};
  return names;
}

const std::vector<const char*>& bond_column_names() {
  static const std::vector<const char*> names = {"bond_type (RDKit BondType: 1 single, 2 double, "
                                                 "3 triple, 12 aromatic)",
                                                 "is_conjugated", "is_in_ring",
                                                 "stereo (RDKit BondStereo)"};
  return names;
}

}  // namespace molsieve::chem
