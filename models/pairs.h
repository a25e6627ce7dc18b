#pragma once
// Ligand-protein pairs with a measured affinity: what drug-target models train on. A pair
// file is a CSV or TSV with a SMILES column, a protein column (a name from a protein table,
// or the sequence itself when no table is given) and an affinity column.
#include <cstdint>
#include <string>
#include <vector>

#include "models/molecule_set.h"
#include "models/proteins.h"

namespace molsieve::models {

struct PairSet {
  MoleculeSet ligands;     // each distinct SMILES once, in order of first appearance
  ProteinTable proteins;   // the table given, or the distinct sequences found, named by them
  std::vector<std::uint32_t> ligand, protein;  // per pair: row of `ligands`, index in `proteins`
  std::vector<double> affinity;                // per pair
  std::size_t size() const { return affinity.size(); }
};

struct PairColumns {
  std::string smiles = "smiles";
  std::string protein = "protein";
  std::string affinity = "affinity";
};

// Reads a pair file. With `table`, protein cells are names looked up in it; without, they are
// sequences (checked as models/proteins.h does). Throws molsieve::Error naming the file and
// line of a missing column, an empty or unknown protein, a letter that is not an amino acid,
// or an affinity that is not a number (an empty affinity is an error too: a pair file lists
// measured pairs only). Ligands RDKit cannot read stay in `ligands`, marked invalid.
PairSet read_pair_file(const std::string& path, const PairColumns& columns, const ProteinTable* table);

}  // namespace molsieve::models
