// The report's drawings: per-atom shading reaches the SVG text, by sign and strength.
#include <gtest/gtest.h>

#include "chem/depiction.h"
#include "svg_shading.h"

namespace molsieve {
namespace {

TEST(Depiction, WeightsShadeEachAtomByItsSignAndStrengthInTheSvg) {
  const std::string smiles = "CC(=O)Nc1ccccc1";  // acetanilide, 10 heavy atoms
  const std::vector<double> weights = {0.1, -0.4, -1.0, 0.8, 0.001, 0.2, 0.3, -0.05, 0.0, 0.6};
  const std::string plain = chem::svg_depiction(smiles, 260, 200);
  const std::string shaded = chem::svg_depiction(smiles, 260, 200, weights);
  ASSERT_EQ(plain.rfind("<svg", 0), 0u);
  EXPECT_NE(shaded, plain);
  EXPECT_TRUE(test::atom_shades(plain).empty());
  const auto shades = test::atom_shades(shaded);
  // Shaded: every atom at 5% of the largest |weight| (1.0) or more; atoms 4 and 8 are not.
  std::vector<std::size_t> atoms;
  for (const auto& [atom, shade] : shades) atoms.push_back(atom);
  EXPECT_EQ(atoms, (std::vector<std::size_t>{0, 1, 2, 3, 5, 6, 7, 9}));
  for (const auto& [atom, shade] : shades) {
    EXPECT_EQ(shade.sign, weights[atom] > 0 ? 1 : -1) << "atom " << atom;
    EXPECT_NEAR(shade.strength, 0.7 * std::abs(weights[atom]), 0.01) << "atom " << atom;
  }
  EXPECT_NEAR(shades.at(2).strength, 0.7, 0.01);  // the largest weight: full colour
}

TEST(Depiction, OnlyAtomsAreShadedNotTheBondsBetweenThem) {
  const std::string shaded = chem::svg_depiction("CCO", 260, 200, {1.0, 1.0, -1.0});
  ASSERT_EQ(test::atom_shades(shaded).size(), 3u);
  EXPECT_EQ(test::non_atom_elements_filled(shaded, "#4CFF4C"), 0u);
  EXPECT_EQ(test::non_atom_elements_filled(shaded, "#FF4C4C"), 0u);
}

TEST(Depiction, WeightsOfAnotherAtomCountOrAllZeroDrawThePlainMolecule) {
  const std::string plain = chem::svg_depiction("CCO", 260, 200);
  EXPECT_EQ(chem::svg_depiction("CCO", 260, 200, {1.0, 2.0}), plain);
  EXPECT_EQ(chem::svg_depiction("CCO", 260, 200, {0.0, 0.0, 0.0}), plain);
  EXPECT_EQ(chem::svg_depiction("not a smiles", 260, 200), "");
}

}  // namespace
}  // namespace molsieve
