#pragma once
// Molecules for people: 2D coordinates (RDKit's depictor) for SDF export, and SVG drawings
// (RDKit's MolDraw2DSVG) with per-atom highlights for reports. Atoms are drawn in the order
// of RDKit's parse of the SMILES string.
#include <string>
#include <vector>

namespace molsieve::chem {

// A V2000 mol block with 2D coordinates for `smiles`, or "" when RDKit cannot parse it.
std::string molblock_2d(const std::string& smiles);

// An SVG drawing of `smiles` (no XML header, ready to inline in HTML), or "" when RDKit
// cannot parse it. With `atom_weights` (one per atom, in parse order), atoms are shaded by
// weight, each by a disc of its own (an <ellipse class='atom-N'>; bonds stay unshaded):
// green for positive, red for negative, from pale to full strength (#4CFF4C, #FF4C4C) by
// |weight| relative to the largest; atoms under 5% of the largest stay unshaded.
std::string svg_depiction(const std::string& smiles, int width, int height,
                          const std::vector<double>& atom_weights = {});

}  // namespace molsieve::chem
