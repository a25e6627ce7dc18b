// Occlusion explanations: each atom's contribution is the model's prediction of the whole
// molecule minus its prediction of the molecule without that atom, each predicted on its own
// (so the batch of occluded copies must not be merged into copies of the whole molecule).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "models/occlusion.h"
#include "test_support.h"

namespace molsieve {
namespace {

const std::string kPretrained = std::string(MOLSIEVE_SOURCE_DIR) + "/models/pretrained/";
// Verubecestat (a BACE-1 inhibitor) and imatinib (an ABL1 inhibitor, a Davis ligand).
const std::string kVerubecestat = "CN1C(N)=NC(C)(c2cc(NC(=O)c3ccc(F)cn3)ccc2F)CS1(=O)=O";
const std::string kImatinib = "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1";

models::MoleculeSet featurize(const std::string& smiles, const models::ModelCard& card) {
  const models::MoleculeFeaturizer featurizer(models::model_featurizer_options(card));
  chem::InputRecord record;
  record.id = "m";
  record.text = smiles;
  return featurizer.featurize({record});
}

// Row 0 of `molecules` with its graph replaced by `graph`, as a set of its own.
models::MoleculeSet with_graph(const models::MoleculeSet& molecules, chem::MolGraph graph) {
  models::MoleculeSet one = molecules;
  one.graphs[0] = std::move(graph);
  return one;
}

// The contributions are not all negligible, and the atom with the largest one is found.
void expect_some_atom_matters(const std::vector<double>& contributions) {
  double largest = 0;
  for (double c : contributions) largest = std::max(largest, std::abs(c));
  EXPECT_GT(largest, 1e-3) << "no atom changes the prediction";
}

TEST(Occlusion, EachAtomsContributionToAMoleculeModelIsTheWholeMinusTheMoleculeWithoutIt) {
  const models::Model model = models::Model::load(kPretrained + "bace.h5");
  const models::MoleculeSet molecule = featurize(kVerubecestat, model.card());
  ASSERT_TRUE(molecule.valid(0));
  const std::vector<double> contributions = models::occlusion_contributions(model, molecule, 0, 0);
  const std::size_t atoms = molecule.graphs[0].atoms();
  ASSERT_EQ(contributions.size(), atoms);
  const double whole = model.predict(molecule).value(0, 0);
  for (std::size_t a = 0; a < atoms; ++a) {
    const double without = model.predict(with_graph(molecule, models::without_atom(molecule.graphs[0], a))).value(0, 0);
    EXPECT_NEAR(contributions[a], whole - without, 1e-4) << "atom " << a;
  }
  expect_some_atom_matters(contributions);
}

TEST(Occlusion, EachAtomsContributionToADrugTargetAffinityIsTheWholeMinusTheLigandWithoutIt) {
  const models::DrugTargetModel model = models::DrugTargetModel::load(kPretrained + "davis.h5");
  const models::ProteinTable& proteins = model.proteins();
  ASSERT_LT(proteins.find("ABL1"), proteins.size());
  const std::string abl1 = proteins.sequence(proteins.find("ABL1"));
  const models::MoleculeSet ligand = featurize(kImatinib, model.card());
  ASSERT_TRUE(ligand.valid(0));
  const std::vector<double> contributions = models::occlusion_contributions(model, ligand, 0, abl1);
  const std::size_t atoms = ligand.graphs[0].atoms();
  ASSERT_EQ(contributions.size(), atoms);
  const double whole = model.predict_grid(ligand, {abl1}).mean[0];
  for (std::size_t a = 0; a < atoms; ++a) {
    const double without =
        model.predict_grid(with_graph(ligand, models::without_atom(ligand.graphs[0], a)), {abl1}).mean[0];
    EXPECT_NEAR(contributions[a], whole - without, 1e-4) << "atom " << a;
  }
  expect_some_atom_matters(contributions);
}

TEST(Occlusion, AnAtomsCopyLacksExactlyThatAtomAndItsBonds) {
  const models::Model model = models::Model::load(kPretrained + "tox21.h5");
  const models::MoleculeSet molecule = featurize("CCO", model.card());  // C0-C1-O2
  const models::MoleculeSet copies = models::occluded_copies(molecule, 0);
  ASSERT_EQ(copies.size(), 4u);
  EXPECT_EQ(copies.graphs[0].atoms(), 3u);
  EXPECT_EQ(copies.graphs[0].bonds(), 2u);
  EXPECT_EQ(copies.graphs[2].atoms(), 2u);  // without the middle carbon: no bond is left
  EXPECT_EQ(copies.graphs[2].bonds(), 0u);
  EXPECT_EQ(copies.graphs[1].bonds(), 1u);
  EXPECT_EQ(copies.graphs[1].bond_atoms, (std::vector<std::int32_t>{0, 1}));  // C1-O2, moved down by one
  for (std::size_t c = 1; c < copies.size(); ++c) EXPECT_NE(copies.smiles[c], copies.smiles[0]) << "copy " << c;
}

}  // namespace
}  // namespace molsieve
