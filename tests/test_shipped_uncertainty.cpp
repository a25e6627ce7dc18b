// The shipped models' answers far from their training data (the findings of a chemist's
// trial): a fragment or paracetamol is never "in domain" for the kinase model, extrapolations
// get intervals as wide as the labels' spread, and a drug unlike the BACE series gets a wider
// interval than a molecule of that series.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/drug_target.h"
#include "models/model.h"
#include "models/molecule_set.h"
#include "models/pairs.h"
#include "test_support.h"

namespace molsieve {
namespace {

std::string shipped(const std::string& file) {
  return std::string(MOLSIEVE_TEST_DATA_DIR) + "/../../models/pretrained/" + file;
}

models::MoleculeSet featurize_for(const models::ModelCard& card, const std::vector<std::string>& smiles) {
  std::vector<chem::InputRecord> records;
  for (const auto& s : smiles) {
    chem::InputRecord r;
    r.row = records.size();
    r.id = "m" + std::to_string(r.row);
    r.text = s;
    r.location = "test:" + std::to_string(r.row + 1);
    records.push_back(r);
  }
  return models::MoleculeFeaturizer(models::model_featurizer_options(card)).featurize(records);
}

TEST(ShippedUncertainty, DavisCallsAFragmentAndParacetamolExtrapolationsWithTheLabelsSpreadAndKeepsImatinibInside) {
  const models::DrugTargetModel davis = models::DrugTargetModel::load(shipped("davis.h5"));
  const models::ModelCard& card = davis.card();
  ASSERT_EQ(card.spread_calibration.count("affinity"), 1u);
  const models::SpreadCalibration& c = card.spread_calibration.at("affinity");
  const models::MoleculeSet ligands =
      featurize_for(card, {"COc1ccc(C#N)cc1", "CC(=O)Nc1ccc(O)cc1",
                           "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1"});  // imatinib: a training ligand
  const std::vector<double> similarity = davis.nearest_training_similarity(ligands);
  const std::size_t abl1 = davis.proteins().find("ABL1(E255K)");
  ASSERT_LT(abl1, davis.proteins().size());
  const models::AffinityGrid grid = davis.predict_grid(ligands, {davis.proteins().sequence(abl1)});
  for (std::size_t fragment : {0u, 1u}) {
    EXPECT_LT(similarity[fragment], card.domain_threshold) << fragment;
    EXPECT_GE(grid.spread[fragment], c.unknown68) << fragment;  // the labels' own 68% spread, at least
    EXPECT_LE(grid.lo95[fragment], c.label_center - c.unknown95) << fragment;
  }
  EXPECT_DOUBLE_EQ(similarity[2], 1.0);
  EXPECT_GE(similarity[2], card.domain_threshold);
  EXPECT_LT(grid.spread[2], grid.spread[0]);
}

TEST(ShippedUncertainty, BaceGivesTamoxifenAWiderIntervalThanAMoleculeOfItsSeriesAndCallsItAnExtrapolation) {
  const models::Model bace = models::Model::load(shipped("bace.h5"));
  const models::ModelCard& card = bace.card();
  ASSERT_EQ(card.spread_calibration.count("pIC50"), 1u);
  // Tamoxifen, and a BACE-1 inhibitor of the training series (the first row of bace.csv).
  const models::MoleculeSet set = featurize_for(
      card, {"CCC(=C(c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1",
             "O1CC[C@@H](NC(=O)[C@@H](Cc2cc3cc(ccc3nc2N)-c2ccccc2C)C)CC1(C)C"});
  const models::Predictions p = bace.predict(set);
  ASSERT_EQ(p.tasks, 1u);
  EXPECT_LT(p.nearest_training_similarity[0], card.domain_threshold);
  EXPECT_GE(p.nearest_training_similarity[1], card.domain_threshold);
  EXPECT_GT(p.std[0], 1.5 * p.std[1]);
  EXPECT_GT(p.hi95[0] - p.lo95[0], 1.5 * (p.hi95[1] - p.lo95[1]));
  EXPECT_GE(p.std[0], card.spread_calibration.at("pIC50").unknown68);
}

TEST(ShippedUncertainty, EveryShippedClassificationModelHasPlattScalingAndAMeasuredDomain) {
  for (const char* file : {"tox21.h5", "clintox.h5"}) {
    const models::Model model = models::Model::load(shipped(file));
    EXPECT_EQ(model.card().probability_calibration.size(), model.card().tasks.size()) << file;
    for (const auto& task : model.card().tasks)
      EXPECT_EQ(model.card().validation_metrics.at(task).count("ece"), 1u) << file << " " << task;
  }
}

}  // namespace
}  // namespace molsieve
