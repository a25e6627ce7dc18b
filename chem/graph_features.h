#pragma once
// Molecular graphs for message-passing networks, stored compactly: per-atom and per-bond
// categorical values (not one-hot vectors; the model expands them), as Chemprop's
// featurizer defines them. Bond b is the directed edges 2b (begin -> end) and
// 2b + 1 (end -> begin), so an edge's reverse is edge ^ 1.
#include <cstdint>
#include <vector>

namespace RDKit { class ROMol; }

namespace molsieve::chem {

// Bump when a column's meaning changes; stored as /graphs@featurizer_version.
constexpr int kGraphFeaturizerVersion = 1;

// Columns of /graphs/atom_features (int8 [atoms, 7]).
enum AtomColumn {
  kAtomAtomicNumber, kAtomTotalDegree, kAtomFormalCharge, kAtomChiralTag, kAtomTotalHydrogens, kAtomHybridization,
  kAtomIsAromatic, kAtomColumns
};
// Columns of /graphs/bond_features (int8 [bonds, 4]).
enum BondColumn { kBondType, kBondIsConjugated, kBondIsInRing, kBondStereo, kBondColumns };

struct MolGraph {
  std::vector<std::int8_t> atom_features;  // kAtomColumns per atom
  std::vector<float> atom_mass;            // atomic mass in daltons
  std::vector<std::int8_t> bond_features;  // kBondColumns per bond
  std::vector<std::int32_t> bond_atoms;    // begin, end atom of each bond (molecule-local)
  std::size_t atoms() const { return atom_mass.size(); }
  std::size_t bonds() const { return bond_atoms.size() / 2; }
};

MolGraph build_graph(const RDKit::ROMol& mol);

const std::vector<const char*>& atom_column_names();
const std::vector<const char*>& bond_column_names();

}  // namespace molsieve::chem
