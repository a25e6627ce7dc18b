#include "chem/depiction.h"

#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolDraw2D/MolDraw2DSVG.h>
#include <GraphMol/MolDraw2D/MolDraw2DUtils.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace molsieve::chem {
namespace {

std::unique_ptr<RDKit::RWMol> parse(const std::string& smiles) {
  try {
    return std::unique_ptr<RDKit::RWMol>(RDKit::SmilesToMol(smiles));
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

std::string molblock_2d(const std::string& smiles) {
  auto mol = parse(smiles);
  if (!mol) return {};
  RDDepict::compute2DCoords(*mol);
  return RDKit::MolToMolBlock(*mol);
}

std::string svg_depiction(const std::string& smiles, int width, int height, const std::vector<double>& atom_weights) {
  auto mol = parse(smiles);
  if (!mol) return {};
  RDDepict::compute2DCoords(*mol);
  RDKit::MolDraw2DSVG drawer(width, height, -1, -1, /*noFreetype=*/true);
  drawer.drawOptions().clearBackground = false;
  std::vector<int> atoms;
  std::map<int, RDKit::DrawColour> colours;
  std::map<int, double> radii;
  if (atom_weights.size() == mol->getNumAtoms()) {
    double largest = 0;
    for (double w : atom_weights) largest = std::max(largest, std::abs(w));
    for (std::size_t a = 0; a < atom_weights.size() && largest > 0; ++a) {
      const double strength = std::abs(atom_weights[a]) / largest;
      if (strength < 0.05) continue;  // leave near-zero atoms unshaded
      atoms.push_back(static_cast<int>(a));
      const double fade = 1.0 - 0.7 * strength;
      colours[static_cast<int>(a)] = atom_weights[a] > 0 ? RDKit::DrawColour(fade, 1.0, fade) : RDKit::DrawColour(1.0, fade, fade);
      radii[static_cast<int>(a)] = 0.45;
    }
  }
  drawer.drawMolecule(*mol, &atoms, nullptr, &colours, nullptr, &radii);
  drawer.finishDrawing();
  std::string svg = drawer.getDrawingText();
  const auto start = svg.find("<svg");
  return start == std::string::npos ? svg : svg.substr(start);
}

}  // namespace molsieve::chem
