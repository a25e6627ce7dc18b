// The shipped models' answers far from their training data (the findings of a chemist's
// trial): a fragment or paracetamol is never "in domain" for the kinase model, extrapolations
// get intervals as wide as the labels' spread, and a drug unlike the BACE series gets a wider
// interval than a molecule of that series.
#include <gtest/gtest.h>

#include <cmath>
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
  return models::MoleculeFeaturizer(models::model_featurizer_options(card)).featurize(test::smiles_records(smiles));
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
    // The labels' own intervals at least (Davis's start at its pKd 5 floor), however far the
    // model's mean lies: the fragment was predicted pKd 9.00 +- 2.74 once.
    EXPECT_LE(grid.lo68[fragment], c.label_lo68) << fragment;
    EXPECT_GE(grid.hi68[fragment], c.label_hi68) << fragment;
    EXPECT_LE(grid.lo95[fragment], c.label_lo95) << fragment;
    EXPECT_GE(grid.hi95[fragment], c.label_hi95) << fragment;
    EXPECT_GE(grid.lo95[fragment], 5.0) << fragment;  // no pKd below the floor of every label
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
  const models::SpreadCalibration& c = card.spread_calibration.at("pIC50");
  EXPECT_LE(p.lo68[0], c.label_lo68);
  EXPECT_GE(p.hi68[0], c.label_hi68);
}

// A shipped classification model's probability is its ensemble's raw mean recalibrated by the
// card's Platt scaling, recomputed here from the logit.
TEST(ShippedUncertainty, ClassificationProbabilitiesArePlattScaledRawEnsembleMeans) {
  for (const char* file : {"tox21.h5", "clintox.h5"}) {
    models::Model model = models::Model::load(shipped(file));
    const auto platt = model.card().probability_calibration;
    ASSERT_EQ(platt.size(), model.card().tasks.size()) << file;
    const models::MoleculeSet set =
        featurize_for(model.card(), {"CC(=O)Nc1ccc(O)cc1", "CCC(=C(c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1", "O=C(O)c1ccccc1O"});
    const models::Predictions calibrated = model.predict(set);
    model.card().probability_calibration.clear();
    const models::Predictions raw = model.predict(set);
    for (std::size_t row = 0; row < set.size(); ++row)
      for (std::size_t t = 0; t < raw.tasks; ++t) {
        const auto& scaling = platt.at(model.card().tasks[t]);
        const double p = raw.mean[row * raw.tasks + t];
        const double expected = 1 / (1 + std::exp(-(scaling.slope * std::log(p / (1 - p)) + scaling.intercept)));
        EXPECT_NEAR(calibrated.mean[row * raw.tasks + t], expected, 1e-12) << file << " row " << row << " task " << t;
      }
  }
}

}  // namespace
}  // namespace molsieve
