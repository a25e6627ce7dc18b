#pragma once
// Molecules for people: 2D coordinates (RDKit's depictor) for SDF export.
#include <string>

namespace molsieve::chem {

// A V2000 mol block with 2D coordinates for `smiles`, or "" when RDKit cannot parse it.
std::string molblock_2d(const std::string& smiles);

}  // namespace molsieve::chem
