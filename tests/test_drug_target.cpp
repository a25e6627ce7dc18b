// Drug-target models: the ligand-once, protein-once grid against pairs scored alone, the
// masked loss, training on a small synthetic matrix, and the model store.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "models/drug_target.h"
#include "models/model.h"
#include "models/training.h"
#include "test_support.h"

namespace molsieve {
namespace {

constexpr double kUnmeasured = std::numeric_limits<double>::quiet_NaN();

// 12 ligands x 4 proteins; affinity = 5 + heavy atoms / 4 + the protein's offset, with the
// pairs of ligand i and protein (i % 4) left unmeasured.
models::PairSet synthetic_pairs() {
  const std::vector<std::string> smiles{"CCO", "CCN", "c1ccccc1", "c1ccncc1", "CC(=O)O", "OCCO",
                                        "c1ccc(O)cc1", "CCCCC", "C1CCNCC1", "OC(=O)c1ccccc1", "CN(C)C", "CC#N"};
  const std::vector<std::string> sequences{"MKKLLPTAAAGLLLLAAQPAMA", "MSTNPKPQRKTKRNTNRRPQDVKFPGG",
                                           "MEEPQSDPSVEPPLSQETFSDLWKLL", "MGSSHHHHHHSSGLVPRGSHMASMTGGQQMGRGS"};
  test::ScratchDir dir;
  std::string text = "smiles,protein,affinity\n";
  for (std::size_t l = 0; l < smiles.size(); ++l)
    for (std::size_t p = 0; p < sequences.size(); ++p)
      if (l % sequences.size() != p) {
        const double heavy = static_cast<double>(std::count_if(smiles[l].begin(), smiles[l].end(), ::isalpha));
        text += smiles[l] + "," + sequences[p] + "," + std::to_string(5.0 + heavy / 4.0 + 0.5 * static_cast<double>(p)) + "\n";
      }
  test::write_text(dir.file("pairs.csv"), text);
  return models::read_pair_file(dir.file("pairs.csv"), {}, nullptr);
}

models::DrugTargetOptions small_options(const std::string& encoder) {
  models::DrugTargetOptions o;
  o.ligand.hidden = 32;
  o.ligand.ffn_hidden = 32;
  o.protein.kind = encoder;
  o.protein.length = 40;
  o.protein.embedding = 8;
  o.protein.filters = {8, 8};
  o.protein.kernel = 3;
  o.epochs = 60;
  o.ligand_batch = 6;
  o.protein_batch = 2;
  o.patience = 0;
  o.max_lr = 3e-3;
  o.affinity_column = "affinity";
  return o;
}

models::Split one_in_six_for_validation(const models::PairSet& pairs) {
  models::Split split;
  for (std::size_t i = 0; i < pairs.size(); ++i) (i % 6 == 0 ? split.validation : split.train).push_back(i);
  return split;
}

// Training fits a block of 2 ligands x 2 proteins with the molecule models' masked loss, the
// proteins as tasks: unmeasured pairs add nothing to the loss or to any gradient.
TEST(DrugTargetLoss, UnmeasuredPairsAddNothing) {
  std::vector<float> gradients;
  EXPECT_DOUBLE_EQ(models::masked_loss(models::TaskType::Regression, {1, 2, 3, 4}, {1.5, kUnmeasured, 2.0, kUnmeasured},
                                       {1, 1}, &gradients),
                   (0.25 + 1.0) / 2);
  EXPECT_EQ(gradients[1], 0.0f);
  EXPECT_EQ(gradients[3], 0.0f);
  EXPECT_FLOAT_EQ(gradients[0], 2 * (1 - 1.5f) / 2);
}

TEST(DrugTargetMetrics, MseCiAndActiveAucFollowTheirDefinitions) {
  const auto m = models::affinity_metrics({5.0, 6.0, 7.5, 8.0}, {5.0, 7.0, 7.0, 9.0}, 7.0);
  EXPECT_DOUBLE_EQ(m.at("mse"), (0.0 + 1.0 + 0.25 + 1.0) / 4);
  EXPECT_EQ(m.at("count"), 4);
  // Observed pairs with different values: 5 pairs (7.0 = 7.0 is not one); all ordered alike.
  EXPECT_DOUBLE_EQ(m.at("ci"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("roc_auc_active"), 1.0);
}

class DrugTargetEncoders : public ::testing::TestWithParam<std::string> {};

TEST_P(DrugTargetEncoders, TrainingFitsASmallMatrixAndTheGridEqualsPairsScoredAlone) {
  const models::PairSet pairs = synthetic_pairs();
  ASSERT_EQ(pairs.size(), 36u);
  std::vector<double> losses;
  const models::DrugTargetModel model = models::train_drug_target(
      pairs, one_in_six_for_validation(pairs), small_options(GetParam()),
      [&](const models::DrugTargetEpoch& e) { losses.push_back(e.train_loss); });
  ASSERT_EQ(losses.size(), 60u);
  EXPECT_LT(losses.back(), 0.25 * losses.front());
  const auto& fitted = model.card().validation_metrics.at("affinity");
  EXPECT_GT(fitted.at("pearson"), 0.8);

  std::vector<std::string> sequences;
  for (std::size_t p = 0; p < pairs.proteins.size(); ++p) sequences.push_back(pairs.proteins.sequence(p));
  const models::AffinityGrid grid = model.predict_grid(pairs.ligands, sequences);
  for (std::size_t l = 0; l < pairs.ligands.size(); ++l)
    for (std::size_t p = 0; p < sequences.size(); ++p)
      EXPECT_NEAR(grid.mean[l * sequences.size() + p], model.predict_pair(pairs.ligands, l, sequences[p]), 1e-5)
          << "ligand " << l << " protein " << p;
}

TEST_P(DrugTargetEncoders, SaveAndLoadGiveIdenticalPredictionsAndTheProteinTable) {
  const models::PairSet pairs = synthetic_pairs();
  models::DrugTargetOptions o = small_options(GetParam());
  o.epochs = 2;
  o.ensemble = 2;
  o.ligand.fingerprint_features = 256;  // the Morgan fingerprint folded into the ligand encoder
  const models::DrugTargetModel model = models::train_drug_target(pairs, one_in_six_for_validation(pairs), o);
  test::ScratchDir dir;
  model.save(dir.file("dt.h5"));
  EXPECT_TRUE(models::DrugTargetModel::is_drug_target_store(dir.file("dt.h5")));
  const models::DrugTargetModel loaded = models::DrugTargetModel::load(dir.file("dt.h5"));
  EXPECT_EQ(loaded.card().protein.kind, GetParam());
  ASSERT_EQ(loaded.proteins().size(), pairs.proteins.size());
  EXPECT_EQ(loaded.proteins().sequence(3), pairs.proteins.sequence(3));
  EXPECT_EQ(loaded.card().ensemble, 2u);
  EXPECT_EQ(loaded.card().architecture.fingerprint_features, 256);
  EXPECT_EQ(loaded.predict_pairs(pairs), model.predict_pairs(pairs));
  EXPECT_EQ(test::error_of([&] { models::Model::load(dir.file("dt.h5")); }),
            dir.file("dt.h5") + ": not a molsieve model store (it is a molsieve drug-target model store)");
}

TEST(DrugTargetDomain, TrainingLigandsAndProteinsAreInsideAndAnUnrelatedProteinIsNot) {
  const models::PairSet pairs = synthetic_pairs();
  models::DrugTargetOptions o = small_options("composition");
  o.epochs = 1;
  models::Split split = one_in_six_for_validation(pairs);
  // Protein 3 only in validation: not a training protein.
  std::vector<std::size_t> train;
  for (std::size_t i : split.train) (pairs.protein[i] == 3 ? split.validation : train).push_back(i);
  split.train = train;
  const models::DrugTargetModel model = models::train_drug_target(pairs, split, o);
  const std::vector<double> similarity = model.nearest_training_similarity(pairs.ligands);
  for (std::size_t l = 0; l < pairs.ligands.size(); ++l) EXPECT_DOUBLE_EQ(similarity[l], 1.0) << l;
  EXPECT_DOUBLE_EQ(model.nearest_training_identity(pairs.proteins.sequence(0)), 1.0);
  EXPECT_LT(model.nearest_training_identity(pairs.proteins.sequence(3)), model.card().protein_identity_threshold);
  EXPECT_DOUBLE_EQ(model.card().protein_identity_threshold, 0.35);
  // The card splits the validation errors by domain: protein 3's 9 pairs fall outside it,
  // the rest are of training proteins (identity 1).
  const auto& m = model.card().validation_metrics.at("affinity");
  const double n = static_cast<double>(split.validation.size());
  EXPECT_EQ(m.at("count_out_of_domain"), 9);
  EXPECT_EQ(m.at("count_protein_identity_100"), n - 9);
  EXPECT_DOUBLE_EQ(m.at("in_domain_share"), (n - 9) / n);
  EXPECT_GT(m.at("mse_out_of_domain"), 0.0);
}

// An ensemble is its members trained alone with seeds seed, seed + 1, ...: its mean is
// theirs, and its interval the card's calibration applied to their population standard
// deviation at each ligand's similarity (recomputed here from the members' own predictions).
TEST(DrugTargetEnsemble, MeanAndCalibratedIntervalFollowFromMembersTrainedAlone) {
  const models::PairSet pairs = synthetic_pairs();
  const models::Split split = one_in_six_for_validation(pairs);
  models::DrugTargetOptions o = small_options("composition");
  o.epochs = 4;
  o.seed = 7;
  o.ensemble = 3;
  const models::DrugTargetModel ensemble = models::train_drug_target(pairs, split, o);
  ASSERT_EQ(ensemble.card().best_epochs.size(), 3u);
  std::vector<std::vector<double>> alone;
  for (unsigned k = 0; k < 3; ++k) {
    models::DrugTargetOptions one = o;
    one.ensemble = 1;
    one.seed = o.seed + k;
    alone.push_back(models::train_drug_target(pairs, split, one).predict_pairs(pairs));
  }
  std::vector<double> mean(pairs.size()), deviation(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    mean[i] = (alone[0][i] + alone[1][i] + alone[2][i]) / 3;
    double squares = 0;
    for (const auto& member : alone) squares += (member[i] - mean[i]) * (member[i] - mean[i]);
    deviation[i] = std::sqrt(squares / 3);
  }
  const models::SpreadCalibration& calibration = ensemble.card().spread_calibration.at("affinity");
  std::vector<std::string> sequences;
  for (std::size_t p = 0; p < pairs.proteins.size(); ++p) sequences.push_back(pairs.proteins.sequence(p));
  const models::AffinityGrid grid = ensemble.predict_grid(pairs.ligands, sequences);
  const std::vector<double> similarity = ensemble.nearest_training_similarity(pairs.ligands);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::size_t at = static_cast<std::size_t>(pairs.ligand[i]) * sequences.size() + pairs.protein[i];
    EXPECT_NEAR(grid.mean[at], mean[i], 1e-5) << i;
    const models::PredictionInterval expected = calibration.interval(mean[i], deviation[i], similarity[pairs.ligand[i]]);
    EXPECT_NEAR(grid.spread[at], expected.half68, 1e-4) << i;
    if (std::isinf(expected.hi95))  // too few validation pairs for a 95% quantile
      EXPECT_EQ(grid.hi95[at], expected.hi95) << i;
    else
      EXPECT_NEAR(grid.hi95[at], expected.hi95, 1e-4) << i;
  }
  EXPECT_EQ(ensemble.card().domain_threshold, calibration.informative_from);
  EXPECT_EQ(ensemble.card().validation_metrics.at("affinity").count("coverage_95"), 1u);
}

// One network has no spread: its interval is the validation residuals' (the normalizer is
// the offset alone), its test part reports coverage (how the held-out single networks of
// docs/models.md are measured), and its domain stays the training ligands' 5th percentile.
TEST(DrugTargetSingleNetwork, IntervalsComeFromValidationResidualsAndTheTestPartReportsCoverage) {
  const models::PairSet pairs = synthetic_pairs();
  models::Split split = one_in_six_for_validation(pairs);
  split.test = {split.train.back()};
  split.train.pop_back();
  models::DrugTargetOptions o = small_options("composition");
  o.epochs = 3;
  const models::DrugTargetModel model = models::train_drug_target(pairs, split, o);
  ASSERT_EQ(model.card().spread_calibration.count("affinity"), 1u);
  const models::SpreadCalibration& calibration = model.card().spread_calibration.at("affinity");
  EXPECT_EQ(calibration.spread_offset, 1.0);
  EXPECT_EQ(model.card().domain_threshold, model.card().training_similarity_quantiles.at("p05"));
  EXPECT_EQ(model.card().test_metrics.at("affinity").at("rows"), 1);
  EXPECT_EQ(model.card().validation_metrics.at("affinity").count("coverage_68"), 1u);
  std::vector<std::string> sequences;
  for (std::size_t p = 0; p < pairs.proteins.size(); ++p) sequences.push_back(pairs.proteins.sequence(p));
  const models::AffinityGrid grid = model.predict_grid(pairs.ligands, sequences);
  const models::PredictionInterval expected =
      calibration.interval(grid.mean[0], 0.0, grid.nearest_training_similarity[0]);
  EXPECT_GT(grid.spread[0], 0.0);
  EXPECT_NEAR(grid.spread[0], expected.half68, 1e-9);
  EXPECT_EQ(grid.hi95[0], expected.hi95);  // infinite here: too few validation pairs for a 95% quantile
}

INSTANTIATE_TEST_SUITE_P(ProteinEncoders, DrugTargetEncoders, ::testing::Values("cnn", "composition"));

// A shipped model: its protein table, its card's held-out figures, and one of its training
// ligands inside its domain, scored against every protein in the data's range with a spread.
struct ShippedModel {
  std::string file, encoder;
  std::size_t proteins;
  std::string smiles, protein;
  double low, high;  // the data's range of affinities
};

void PrintTo(const ShippedModel& model, std::ostream* out) { *out << model.file; }

class ShippedDrugTargetModels : public ::testing::TestWithParam<ShippedModel> {};

TEST_P(ShippedDrugTargetModels, LoadAndScoreATrainingLigandAcrossTheirProteins) {
  const ShippedModel& shipped = GetParam();
  const models::DrugTargetModel model =
      models::DrugTargetModel::load(std::string(MOLSIEVE_TEST_DATA_DIR) + "/../../models/pretrained/" + shipped.file);
  ASSERT_EQ(model.proteins().size(), shipped.proteins);
  EXPECT_EQ(model.card().protein.kind, shipped.encoder);
  EXPECT_EQ(model.card().ensemble, 3u);
  EXPECT_GT(model.card().test_metrics.at("affinity").at("ci"), 0.8);
  ASSERT_EQ(model.card().spread_calibration.count("affinity"), 1u);
  test::ScratchDir dir;
  test::write_text(dir.file("pairs.csv"), "smiles,protein,affinity\n" + shipped.smiles + "," + shipped.protein + ",7\n");
  const models::PairSet pair = models::read_pair_file(dir.file("pairs.csv"), {}, &model.proteins());
  std::vector<std::string> sequences;
  for (std::size_t p = 0; p < model.proteins().size(); ++p) sequences.push_back(model.proteins().sequence(p));
  const models::AffinityGrid grid = model.predict_grid(pair.ligands, sequences);
  for (std::size_t p = 0; p < sequences.size(); ++p) {
    EXPECT_GT(grid.mean[p], shipped.low) << model.proteins().name(p);
    EXPECT_LT(grid.mean[p], shipped.high) << model.proteins().name(p);
    EXPECT_GT(grid.spread[p], 0.0) << model.proteins().name(p);
    EXPECT_LT(grid.lo95[p], grid.mean[p] - grid.spread[p]) << model.proteins().name(p);
  }
  EXPECT_DOUBLE_EQ(model.nearest_training_similarity(pair.ligands)[0], 1.0);
}

INSTANTIATE_TEST_SUITE_P(
    Pretrained, ShippedDrugTargetModels,
    ::testing::Values(ShippedModel{"davis.h5", "composition", 442, "CC1=C2C=C(C=CC2=NN1)C3=CC(=CN=C3)OCC(CC4=CC=CC=C4)N",
                                   "AAK1", 3.0, 12.0},
                      ShippedModel{"kiba.h5", "composition", 229, "COC1=C(C=C2C(=C1)CCN=C2C3=CC(=C(C=C3)Cl)Cl)Cl", "O00141",
                                   5.0, 18.0}),
    [](const ::testing::TestParamInfo<ShippedModel>& info) { return info.param.file.substr(0, info.param.file.find('.')); });

TEST(DrugTargetStore, OtherFilesAreRefusedByName) {
  test::ScratchDir dir;
  test::write_text(dir.file("x.h5"), "not hdf5");
  EXPECT_FALSE(models::DrugTargetModel::is_drug_target_store(dir.file("x.h5")));
  EXPECT_EQ(test::error_of([&] { models::DrugTargetModel::load(dir.file("x.h5")); }),
            dir.file("x.h5") + ": not an HDF5 model store");
}

}  // namespace
}  // namespace molsieve
