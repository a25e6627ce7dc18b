#pragma once
// Bemis-Murcko scaffolds: ring systems and the linkers between them, side chains removed.
#include <string>

namespace molsieve::chem {

// The scaffold's canonical SMILES without stereochemistry, as RDKit's
// MurckoScaffold.MurckoScaffoldSmiles(includeChirality=False); empty for acyclic molecules.
// Throws molsieve::Error when `smiles` cannot be parsed.
std::string murcko_scaffold_smiles(const std::string& smiles);

}  // namespace molsieve::chem
