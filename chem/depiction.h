#pragma once
// Molecules for people: 2D coordinates (RDKit's depictor) for SDF export, SVG drawings
// (RDKit's MolDraw2DSVG) with per-atom highlights for reports, and the graph of a SMILES
// string in the atom order those drawings use.
#include <string>
#include <vector>

#include "chem/graph_features.h"

namespace molsieve::chem {

// A V2000 mol block with 2D coordinates for `smiles`, or "" when RDKit cannot parse it.
std::string molblock_2d(const std::string& smiles);

// An SVG drawing of `smiles` (no XML header, ready to inline in HTML), or "" when RDKit
// cannot parse it. With `atom_weights` (one per atom, in parse order), atoms are shaded by
// weight: green for positive, red for negative, stronger for larger |weight| relative to
// the largest.
std::string svg_depiction(const std::string& smiles, int width, int height,
                          const std::vector<double>& atom_weights = {});

// The graph of `smiles` as parsed (no standardization), atoms in parse order. Throws
// molsieve::Error when RDKit cannot parse it.
MolGraph graph_from_smiles(const std::string& smiles);

}  // namespace molsieve::chem
