// The models library: metrics against scikit-learn's values, splits, the masked loss, the
// learning-rate schedule, training (fits a tiny set, reproducible for a seed), the model
// store (bitwise-identical predictions after save and load) and its errors.
#include <gtest/gtest.h>

#include <map>

#include <algorithm>

#include <random>

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "chem/scaffold.h"
#include "core/error.h"
#include "models/metrics.h"
#include "models/model.h"
#include "models/molecule_set.h"
#include "models/splits.h"
#include "models/training.h"
#include "test_support.h"

namespace molsieve {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Values from sklearn.metrics and scipy.stats on the same vectors (with ties).
TEST(Metrics, ClassificationMetricsEqualScikitLearn) {
  const std::vector<double> scores{0.1, 0.4, 0.35, 0.8, 0.4, 0.7, 0.2, 0.4};
  const std::vector<double> labels{0, 0, 1, 1, 1, 0, 0, 1};
  EXPECT_DOUBLE_EQ(models::roc_auc(scores, labels), 0.6875);
  EXPECT_DOUBLE_EQ(models::average_precision(scores, labels), 0.7166666666666667);
  EXPECT_DOUBLE_EQ(models::brier_score(scores, labels), 0.2353125);
  EXPECT_TRUE(std::isnan(models::roc_auc({0.2, 0.3}, {1, 1})));
}

TEST(Metrics, RegressionMetricsEqualScikitLearnAndScipy) {
  const std::vector<double> predicted{2.5, 0.0, 2.1, 7.8, 5.0, 5.0};
  const std::vector<double> observed{3.0, -0.5, 2.0, 8.0, 4.0, 6.5};
  EXPECT_NEAR(models::rmse(predicted, observed), 0.7958224257542215, 1e-12);
  EXPECT_NEAR(models::mae(predicted, observed), 0.6333333333333334, 1e-12);
  EXPECT_NEAR(models::r_squared(predicted, observed), 0.9197183098591549, 1e-12);
  EXPECT_NEAR(models::spearman(predicted, observed), 0.9856107606091624, 1e-12);
}

// The concordance index by its definition: every pair with different observed values.
double concordance_by_pairs(const std::vector<double>& predicted, const std::vector<double>& observed) {
  double agreeing = 0, comparable = 0;
  for (std::size_t i = 0; i < observed.size(); ++i)
    for (std::size_t j = 0; j < observed.size(); ++j)
      if (observed[i] > observed[j]) {
        comparable += 1;
        agreeing += predicted[i] > predicted[j] ? 1.0 : predicted[i] == predicted[j] ? 0.5 : 0.0;
      }
  return agreeing / comparable;
}

TEST(Metrics, ConcordanceIndexEqualsThePlainPairCount) {
  std::mt19937 generator(7);
  // Values on a coarse grid, so that observed and predicted ties are frequent (as in Davis,
  // where most pairs sit at pKd 5).
  std::uniform_int_distribution<int> grid(0, 12);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<double> predicted(400), observed(400);
    for (std::size_t i = 0; i < observed.size(); ++i) {
      observed[i] = 5.0 + 0.25 * grid(generator);
      predicted[i] = 0.5 * observed[i] + 0.2 * grid(generator);
    }
    EXPECT_NEAR(models::concordance_index(predicted, observed), concordance_by_pairs(predicted, observed), 1e-12);
  }
  EXPECT_DOUBLE_EQ(models::concordance_index({1, 2, 3}, {1, 2, 3}), 1.0);
  EXPECT_DOUBLE_EQ(models::concordance_index({3, 2, 1}, {1, 2, 3}), 0.0);
  EXPECT_DOUBLE_EQ(models::concordance_index({4, 4, 4}, {1, 2, 3}), 0.5);
  EXPECT_TRUE(std::isnan(models::concordance_index({1, 2}, {5, 5})));
}

TEST(Metrics, TaskMetricsLeaveOutMissingLabels) {
  const auto m = models::task_metrics(models::TaskType::Classification, {0.9, 0.1, 0.8, 0.3},
                                      {1, 0, kNaN, 0});
  EXPECT_EQ(m.at("count"), 3);
  EXPECT_EQ(m.at("positives"), 1);
  EXPECT_DOUBLE_EQ(m.at("roc_auc"), 1.0);
}

TEST(Scaffold, MurckoScaffoldsEqualRdkitPython) {
  EXPECT_EQ(chem::murcko_scaffold_smiles("CC(=O)Oc1ccccc1C(=O)O"), "c1ccccc1");
  EXPECT_EQ(chem::murcko_scaffold_smiles("C[C@H](N)C(=O)NCc1ccc2c(c1)OCO2"), "c1ccc2c(c1)OCO2");
  EXPECT_EQ(chem::murcko_scaffold_smiles("CCCCO"), "");
  EXPECT_EQ(chem::murcko_scaffold_smiles("c1ccc(cc1)C2CCNCC2Cc3ccncc3"), "c1ccc(C2CCNCC2Cc2ccncc2)cc1");
  EXPECT_THROW(chem::murcko_scaffold_smiles("C1CC"), Error);
}

// Tox21's scaffold split stopped at a standardized SMILES that does not read back sanitized.
TEST(Scaffold, UnkekulizableSmilesIsItsOwnScaffold) {
  EXPECT_EQ(chem::murcko_scaffold_smiles("c1cccc1"), "c1cccc1");
}

TEST(Splits, RandomSplitIsSeededAndPartitionsTheRows) {
  std::vector<std::size_t> rows(100);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i * 2;
  const auto a = models::random_split(rows, {0.8, 0.1, 0.1}, 7);
  const auto b = models::random_split(rows, {0.8, 0.1, 0.1}, 7);
  const auto c = models::random_split(rows, {0.8, 0.1, 0.1}, 8);
  EXPECT_EQ(a.train, b.train);
  EXPECT_NE(a.train, c.train);
  EXPECT_EQ(a.train.size(), 80u);
  EXPECT_EQ(a.validation.size(), 10u);
  EXPECT_EQ(a.test.size(), 10u);
  std::set<std::size_t> all(a.train.begin(), a.train.end());
  all.insert(a.validation.begin(), a.validation.end());
  all.insert(a.test.begin(), a.test.end());
  EXPECT_EQ(all, std::set<std::size_t>(rows.begin(), rows.end()));
  EXPECT_THROW(models::random_split(rows, {0.8, 0.3, 0.1}, 7), Error);
}

TEST(Splits, ScaffoldSplitKeepsEachScaffoldInOnePart) {
  std::vector<std::size_t> rows;
  std::vector<std::string> scaffolds;
  for (std::size_t i = 0; i < 200; ++i) {
    rows.push_back(i);
    scaffolds.push_back("s" + std::to_string(i % 37 == 0 ? 0 : i % 23));  // one big set, many small
  }
  const auto split = models::scaffold_split(rows, scaffolds, {0.8, 0.1, 0.1}, 3);
  EXPECT_EQ(split.train.size() + split.validation.size() + split.test.size(), rows.size());
  std::map<std::string, int> part_of;
  auto check = [&](const std::vector<std::size_t>& part, int id) {
    for (std::size_t row : part) {
      auto [it, inserted] = part_of.emplace(scaffolds[row], id);
      EXPECT_EQ(it->second, id) << scaffolds[row] << " in two parts";
    }
  };
  check(split.train, 0);
  check(split.validation, 1);
  check(split.test, 2);
  EXPECT_LE(split.train.size(), 160u);
}

TEST(Splits, NoTestFractionLeavesTheTestPartEmptyWhateverTheRounding) {
  // 0.9 x 1179 and 0.1 x 1179 round down to 1061 + 117: the row left over once made a
  // 1-molecule test part (ClinTox's shipped card).
  std::vector<std::size_t> rows;
  std::vector<std::string> scaffolds;
  for (std::size_t i = 0; i < 1179; ++i) {
    rows.push_back(i);
    scaffolds.push_back("s" + std::to_string(i % 211));
  }
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const auto scaffold = models::scaffold_split(rows, scaffolds, {0.9, 0.1, 0.0}, seed);
    EXPECT_TRUE(scaffold.test.empty()) << seed;
    EXPECT_EQ(scaffold.train.size() + scaffold.validation.size(), rows.size());
    EXPECT_LE(scaffold.train.size(), 1061u);
    EXPECT_GT(scaffold.validation.size(), 100u);
    const auto random = models::random_split(rows, {0.9, 0.1, 0.0}, seed);
    EXPECT_TRUE(random.test.empty()) << seed;
    EXPECT_EQ(random.validation.size(), 1179u - 1061u);
  }
}

TEST(Splits, SplitFilesAreReadAndBadRowsNamed) {
  test::ScratchDir dir;
  test::write_text(dir.file("split.csv"), "row,smiles,part\n0,C,train\n3,CC,test\n1,CCC,validation\n2,N,invalid\n");
  const models::Split split = models::read_split_file(dir.file("split.csv"), 4);
  EXPECT_EQ(split.train, std::vector<std::size_t>{0});
  EXPECT_EQ(split.validation, std::vector<std::size_t>{1});
  EXPECT_EQ(split.test, std::vector<std::size_t>{3});
  try {
    models::read_split_file(dir.file("split.csv"), 3);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("split.csv") + ":3: row '3' is not a data row (0..2)");
  }
}

TEST(Splits, SplitFilesWrittenByPythonWithCrlfLineEndsAreRead) {
  test::ScratchDir dir;
  test::write_text(dir.file("split.csv"), "row,part\r\n0,train\r\n1,validation\r\n2,test\r\n");
  const models::Split split = models::read_split_file(dir.file("split.csv"), 3);
  EXPECT_EQ(split.train, std::vector<std::size_t>{0});
  EXPECT_EQ(split.validation, std::vector<std::size_t>{1});
  EXPECT_EQ(split.test, std::vector<std::size_t>{2});
}

TEST(Loss, MissingLabelsContributeNothingToLossOrGradients) {
  const std::vector<double> weights{1.0, 2.0};
  const std::vector<double> labels{1, kNaN, 0, 1, kNaN, 0};  // 3 rows x 2 tasks
  for (auto type : {models::TaskType::Classification, models::TaskType::Regression}) {
    std::vector<float> outputs{0.3f, -1.2f, 0.8f, 0.1f, 2.0f, -0.4f};
    std::vector<float> gradients;
    const double loss = models::masked_loss(type, outputs, labels, weights, &gradients);
    EXPECT_EQ(gradients[1], 0.0f);
    EXPECT_EQ(gradients[4], 0.0f);
    EXPECT_NE(gradients[0], 0.0f);
    outputs[1] = 55.0f;  // what the model says where no label exists does not matter
    outputs[4] = -9.0f;
    EXPECT_EQ(models::masked_loss(type, outputs, labels, weights, nullptr), loss);
  }
  // Plain check of the classification value: mean over the 4 present labels, weighted.
  std::vector<float> outputs{0, 0, 0, 0, 0, 0};
  EXPECT_NEAR(models::masked_loss(models::TaskType::Classification, outputs, labels, weights, nullptr),
              (1 + 2 + 1 + 2) * std::log(2.0) / 4, 1e-6);
}

TEST(Schedule, WarmsUpLinearlyThenDecaysToTheFinalRate) {
  models::TrainOptions o;
  o.epochs = 10;
  o.warmup_epochs = 2;
  const std::size_t steps = 5;
  EXPECT_DOUBLE_EQ(models::learning_rate_at(o, 0, steps), o.init_lr);
  EXPECT_NEAR(models::learning_rate_at(o, 5, steps), (o.init_lr + o.max_lr) / 2, 1e-15);
  EXPECT_NEAR(models::learning_rate_at(o, 10, steps), o.max_lr, 1e-15);
  EXPECT_NEAR(models::learning_rate_at(o, 50, steps), o.final_lr, 1e-15);
  EXPECT_NEAR(models::learning_rate_at(o, 30, steps), std::sqrt(o.max_lr * o.final_lr), 1e-12);
}

// 24 distinct molecules, each twice, labelled by a smooth function of the molecule (heavy
// atoms and heteroatoms): copies land in training and validation, so fitting is rewarded.
models::MoleculeSet tiny_set(std::size_t copies = 2) {
  const std::vector<std::string> smiles{
      "CCO", "CCN", "CCCl", "c1ccccc1", "c1ccncc1", "CC(=O)O", "CC(=O)N", "OCCO", "NCCN",
      "c1ccc(O)cc1", "c1ccc(N)cc1", "CC(C)C", "CCCCC", "C1CCCCC1", "C1CCNCC1", "OC(=O)c1ccccc1",
      "CCOC(=O)C", "CN(C)C", "ClCCl", "FC(F)F", "c1ccc2ccccc2c1", "CC#N", "C=CC=C", "CCS"};
  std::vector<std::string> copied;
  for (std::size_t copy = 0; copy < copies; ++copy) copied.insert(copied.end(), smiles.begin(), smiles.end());
  std::vector<chem::InputRecord> records = test::smiles_records(copied);
  records.push_back({});  // an empty record: invalid, must be left out
  records.back().row = records.size() - 1;
  records.back().status = chem::RecordStatus::Empty;
  records.back().error = "empty";
  models::MoleculeSet set = models::MoleculeFeaturizer().featurize(records);
  set.tasks = 2;
  set.labels.resize(set.size() * 2, kNaN);
  for (std::size_t i = 0; i + 1 < set.size(); ++i) {
    const double atoms = static_cast<double>(set.graphs[i].atoms());
    double hetero = 0;
    for (std::size_t a = 0; a < set.graphs[i].atoms(); ++a)
      hetero += set.graphs[i].atom_features[a * chem::kAtomColumns + chem::kAtomAtomicNumber] != 6;
    set.labels[i * 2] = 0.5 * atoms + 1.5 * hetero;
    set.labels[i * 2 + 1] = (i % 5 == 0) ? kNaN : atoms - hetero;
  }
  return set;
}

models::TrainOptions tiny_options() {
  models::TrainOptions o;
  o.task_type = models::TaskType::Regression;
  o.tasks = {"score", "carbons"};
  o.architecture.hidden = 64;
  o.architecture.ffn_hidden = 64;
  o.epochs = 60;
  o.batch_size = 8;
  o.patience = 0;
  o.split_sizes = {0.6, 0.4, 0.0};
  o.seed = 11;
  o.device = kernels::parse_device("cpu");
  return o;
}

TEST(Training, LossDecreasesAndATinySetIsFittedAlmostExactly) {
  models::set_compute_threads(2);
  const models::MoleculeSet set = tiny_set();
  std::vector<double> losses;
  const models::Model model = models::train_model(set, tiny_options(), [&](const models::EpochReport& e) {
    losses.push_back(e.train_loss);
  });
  ASSERT_EQ(losses.size(), 60u);
  EXPECT_LT(losses.back(), 0.05 * losses.front());
  const models::Predictions p = model.predict(set);
  const models::Split split = models::make_split(set, tiny_options());
  std::set<std::string> trained;
  for (std::size_t row : split.train) trained.insert(set.smiles[row]);
  double worst = 0;
  for (std::size_t row = 0; row + 1 < set.size(); ++row)
    if (trained.count(set.smiles[row]))
      worst = std::max(worst, std::abs(p.value(row, 0) - set.label(row, 0)));
  EXPECT_LT(worst, 0.5);  // labels span 1.0 .. 17.0
  EXPECT_TRUE(std::isnan(p.value(set.size() - 1, 0)));  // the invalid row
  EXPECT_TRUE(std::isnan(p.nearest_training_similarity[set.size() - 1]));
  // Similarity 1 exactly for molecules whose structure (itself or its copy) was trained on.
  for (std::size_t row = 0; row + 1 < set.size(); ++row)
    EXPECT_EQ(p.nearest_training_similarity[row] == 1.0, trained.count(set.smiles[row]) == 1) << set.smiles[row];
}

TEST(Training, TheSameSeedGivesTheSameModelOnTheCpu) {
  models::set_compute_threads(2);
  const models::MoleculeSet set = tiny_set();
  models::TrainOptions o = tiny_options();
  o.epochs = 5;
  const auto a = models::train_model(set, o).predict(set);
  const auto b = models::train_model(set, o).predict(set);
  o.seed = 12;
  const auto c = models::train_model(set, o).predict(set);
  for (std::size_t i = 0; i + 2 < a.mean.size(); ++i) EXPECT_EQ(a.mean[i], b.mean[i]) << i;
  EXPECT_NE(a.mean[0], c.mean[0]);
}

TEST(Training, TheBestEpochIsTheBestValidationMetricOrLoss) {
  models::set_compute_threads(2);
  models::MoleculeSet set = tiny_set();
  for (double& y : set.labels)
    if (!std::isnan(y)) y = y > 4 ? 1 : 0;  // both classes in the validation part
  models::TrainOptions o = tiny_options();
  o.task_type = models::TaskType::Classification;
  o.epochs = 12;
  for (auto selection : {models::EpochSelection::Metric, models::EpochSelection::Loss}) {
    o.selection = selection;
    std::vector<models::EpochReport> epochs;
    const models::Model model =
        models::train_model(set, o, [&](const models::EpochReport& e) { epochs.push_back(e); });
    ASSERT_EQ(epochs.size(), 12u);
    double best = selection == models::EpochSelection::Metric ? -1.0 : 1e300;
    int best_epoch = 0;
    for (const auto& e : epochs) {
      ASSERT_TRUE(std::isfinite(e.validation)) << "epoch " << e.epoch;
      const bool better = selection == models::EpochSelection::Metric ? e.validation > best : e.validation_loss < best;
      EXPECT_EQ(e.best, better) << "epoch " << e.epoch << " metric " << e.validation << " loss " << e.validation_loss;
      if (better) {
        best = selection == models::EpochSelection::Metric ? e.validation : e.validation_loss;
        best_epoch = e.epoch;
      }
    }
    EXPECT_EQ(model.card().best_epochs, std::vector<int>{best_epoch});
    EXPECT_EQ(model.card().selection_metric, selection == models::EpochSelection::Metric
                                                 ? "validation mean ROC-AUC"
                                                 : "validation loss (masked binary cross-entropy)");
  }
}

// Training fits the intervals on the validation part, predictions carry them (the interval
// of each raw prediction at its similarity), and they survive the model store.
TEST(Calibration, TrainedRegressionModelReportsTheBandIntervalsOfItsRawPredictionsAndSavesThem) {
  models::set_compute_threads(2);
  test::ScratchDir dir;
  const models::MoleculeSet set = tiny_set(8);
  models::TrainOptions o = tiny_options();
  o.epochs = 8;
  o.ensemble = 3;
  o.split_sizes = {0.5, 0.3, 0.2};
  models::Model model = models::train_model(set, o);
  const auto& card = model.card();
  ASSERT_EQ(card.spread_calibration.count("score"), 1u);
  const models::SpreadCalibration calibration = card.spread_calibration.at("score");
  ASSERT_FALSE(calibration.bands.empty());
  EXPECT_GT(calibration.bands[0].scale95, calibration.bands[0].scale68);
  EXPECT_EQ(card.domain_threshold, calibration.informative_from);
  EXPECT_EQ(card.test_metrics.at("score").count("coverage_95"), 1u);
  const models::Predictions calibrated = model.predict(set);
  const auto every_task = card.spread_calibration;
  model.card().spread_calibration.clear();
  const models::Predictions raw = model.predict(set);
  model.card().spread_calibration = every_task;
  for (std::size_t row = 0; row < set.size(); ++row) {
    if (!set.valid(row)) continue;
    const models::PredictionInterval expected =
        calibration.interval(raw.mean[row * 2], raw.std[row * 2], raw.nearest_training_similarity[row]);
    EXPECT_DOUBLE_EQ(calibrated.std[row * 2], expected.half68) << row;
    EXPECT_DOUBLE_EQ(calibrated.lo95[row * 2], expected.lo95) << row;
    EXPECT_DOUBLE_EQ(calibrated.hi95[row * 2], expected.hi95) << row;
    EXPECT_EQ(calibrated.mean[row * 2], raw.mean[row * 2]) << row;
    EXPECT_TRUE(std::isnan(raw.lo95[row * 2])) << row;
  }
  model.save(dir.file("calibrated.h5"));
  const models::Model loaded = models::Model::load(dir.file("calibrated.h5"));
  const auto& reread = loaded.card().spread_calibration.at("score");
  ASSERT_EQ(reread.bands.size(), calibration.bands.size());
  EXPECT_EQ(reread.bands.back().scale95, calibration.bands.back().scale95);
  EXPECT_EQ(reread.unknown95, calibration.unknown95);
  const models::Predictions reloaded = loaded.predict(set);
  for (std::size_t i = 0; i < calibrated.std.size(); ++i) {
    if (std::isnan(calibrated.std[i])) continue;
    EXPECT_EQ(reloaded.std[i], calibrated.std[i]) << i;
    EXPECT_EQ(reloaded.hi95[i], calibrated.hi95[i]) << i;
  }
}

TEST(ModelStore, SaveAndLoadGiveBitwiseIdenticalPredictions) {
  test::ScratchDir dir;
  const models::MoleculeSet set = tiny_set();
  models::TrainOptions o = tiny_options();
  o.epochs = 3;
  o.ensemble = 2;
  o.architecture.descriptors = true;
  o.architecture.fingerprint_features = 512;
  o.task_type = models::TaskType::Classification;
  models::MoleculeSet labelled = set;
  for (double& y : labelled.labels)
    if (!std::isnan(y)) y = y > 6 ? 1 : 0;
  const models::Model trained = models::train_model(labelled, o);
  trained.save(dir.file("model.h5"));
  const models::Model loaded = models::Model::load(dir.file("model.h5"));
  const auto a = trained.predict(set), b = loaded.predict(set);
  ASSERT_EQ(a.mean.size(), b.mean.size());
  for (std::size_t i = 0; i < a.mean.size(); ++i) {
    if (std::isnan(a.mean[i])) {
      EXPECT_TRUE(std::isnan(b.mean[i]));
      continue;
    }
    EXPECT_EQ(a.mean[i], b.mean[i]);
    EXPECT_EQ(a.std[i], b.std[i]);
    EXPECT_GE(a.mean[i], 0.0);
    EXPECT_LE(a.mean[i], 1.0);
  }
  EXPECT_GT(a.std[0] + a.std[1], 0.0);  // two differently seeded members disagree somewhere
  EXPECT_EQ(loaded.card().tasks, o.tasks);
  EXPECT_EQ(loaded.card().ensemble, 2u);
  EXPECT_EQ(loaded.card().split_counts, trained.card().split_counts);
  EXPECT_EQ(loaded.card().training_similarity_quantiles, trained.card().training_similarity_quantiles);
}

TEST(ModelInputs, FoldedFingerprintBitsAreTheOrOfTheirFolds) {
  const models::MoleculeSet set = tiny_set();
  for (std::size_t row : {3u, 15u, 20u})
    for (std::size_t folded : {2048u, 512u, 64u}) {
      std::vector<float> out(folded, -1.0f);
      models::fold_fingerprint(&set.fingerprints[row * set.fingerprint_words], set.fingerprint_words, folded,
                               out.data());
      std::size_t ones = 0;
      for (std::size_t j = 0; j < folded; ++j) {
        bool any = false;
        for (std::size_t bit = j; bit < 2048; bit += folded)
          any = any || ((set.fingerprints[row * set.fingerprint_words + bit / 64] >> (bit % 64)) & 1);
        EXPECT_EQ(out[j], any ? 1.0f : 0.0f) << set.smiles[row] << " folded to " << folded << ", bit " << j;
        ones += any;
      }
      EXPECT_GT(ones, 0u) << set.smiles[row];
    }
}

TEST(ModelInputs, ModelFeaturizationComputesOnlyWhatTheModelReads) {
  const std::vector<chem::InputRecord> records = test::smiles_records({"c1ccc(O)cc1C(=O)N", "CCN(CC)CC", "not a molecule"});
  const models::MoleculeSet full = models::MoleculeFeaturizer().featurize(records);
  models::ModelCard card;
  card.fp_bits = 1024;
  for (bool descriptors : {false, true}) {
    card.architecture.descriptors = descriptors;
    const models::MoleculeSet lean = models::MoleculeFeaturizer(models::model_featurizer_options(card)).featurize(records);
    ASSERT_EQ(lean.size(), 3u);
    EXPECT_FALSE(lean.valid(2));
    EXPECT_EQ(lean.fingerprint_words, 16u);
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(lean.smiles[i], full.smiles[i]);
      EXPECT_EQ(lean.graphs[i].atom_features, full.graphs[i].atom_features);
      EXPECT_EQ(lean.graphs[i].bond_atoms, full.graphs[i].bond_atoms);
      for (int d = 0; d < chem::kDescriptorCount; ++d) {
        const float value = lean.descriptors[i * chem::kDescriptorCount + d];
        if (descriptors)
          EXPECT_EQ(value, full.descriptors[i * chem::kDescriptorCount + d]);
        else
          EXPECT_TRUE(std::isnan(value));
      }
    }
  }
}

TEST(ModelInputs, FingerprintFoldsThatDoNotDivideTheFingerprintAreRefused) {
  models::TrainOptions o = tiny_options();
  o.architecture.fingerprint_features = 300;
  try {
    models::train_model(tiny_set(), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--fingerprint-features 300"), std::string::npos) << e.what();
  }
}

TEST(ModelDevices, CudaPredictionsMatchTheCpu) {
  std::string reason;
  if (!models::torch_cuda_available(&reason)) GTEST_SKIP() << "CUDA unavailable: " << reason;
  const models::MoleculeSet set = tiny_set();
  models::TrainOptions o = tiny_options();
  o.epochs = 3;
  o.ensemble = 2;
  models::Model model = models::train_model(set, o);
  model.use_device(kernels::parse_device("cpu"));
  const auto cpu = model.predict(set);
  EXPECT_EQ(model.use_device(kernels::parse_device("cuda:0")), "cuda:0");
  const auto cuda = model.predict(set);
  for (std::size_t i = 0; i < cpu.mean.size(); ++i) {
    if (std::isnan(cpu.mean[i])) {
      EXPECT_TRUE(std::isnan(cuda.mean[i]));
      continue;
    }
    // Float32 sums in another order: equal to a few units in the last place of the values.
    EXPECT_NEAR(cuda.mean[i], cpu.mean[i], 1e-4 * (1 + std::abs(cpu.mean[i]))) << i;
  }
  EXPECT_EQ(cuda.nearest_training_similarity, cpu.nearest_training_similarity);
}

// Copies of a molecule score bitwise alike (a screen once ranked two copies apart on CUDA),
// and a batch of one gives the batched value to float32 rounding: a matrix product may round
// a row differently by its place in the batch, on the CPU too.
TEST(ModelDevices, APredictionDoesNotDependOnItsBatchMates) {
  const models::MoleculeSet set = tiny_set();  // 24 molecules, then the same 24 again
  models::TrainOptions o = tiny_options();
  o.epochs = 3;
  models::Model model = models::train_model(set, o);
  std::string reason;
  std::vector<std::string> devices{"cpu"};
  if (models::torch_cuda_available(&reason))
    devices.push_back("cuda:0");
  else
    std::printf("CUDA part skipped: %s\n", reason.c_str());
  for (const std::string& device : devices) {
    model.use_device(kernels::parse_device(device));
    models::PredictOptions batched, alone;
    batched.batch_size = 64;
    alone.batch_size = 1;
    const auto together = model.predict(set, batched), single = model.predict(set, alone);
    const std::size_t tasks = together.tasks;
    for (std::size_t i = 0; i < 24 * tasks; ++i) {
      EXPECT_EQ(together.mean[i], together.mean[i + 24 * tasks]) << device << " value " << i;
      EXPECT_NEAR(single.mean[i], together.mean[i], 1e-6 * (1 + std::abs(together.mean[i]))) << device << " value " << i;
    }
  }
}

// A batch whose molecules have no bonds has no edges to sum over (a screen crashed inside
// LibTorch on a chunk of salts); each molecule is predicted as it is among bonded ones.
TEST(ModelDevices, ABatchOfBondlessMoleculesIsPredictedAsInAMixedBatch) {
  models::TrainOptions o = tiny_options();
  o.epochs = 3;
  const models::Model model = models::train_model(tiny_set(), o);
  const std::vector<std::string> bondless{"C", "O", "[Na+].[Cl-]"};
  std::vector<std::string> mixed = bondless;
  mixed.insert(mixed.end(), {"CCO", "c1ccccc1"});
  const auto alone = model.predict(models::MoleculeFeaturizer().featurize(test::smiles_records(bondless)), {});
  const auto among = model.predict(models::MoleculeFeaturizer().featurize(test::smiles_records(mixed)), {});
  ASSERT_EQ(alone.mean.size(), 3 * alone.tasks);
  for (std::size_t i = 0; i < alone.mean.size(); ++i) {
    EXPECT_TRUE(std::isfinite(alone.mean[i])) << i;
    EXPECT_NEAR(alone.mean[i], among.mean[i], 1e-5 * (1 + std::abs(among.mean[i]))) << i;
  }
}

TEST(ModelStore, ClassificationLabelsOtherThanZeroOrOneAreRefused) {
  models::TrainOptions o = tiny_options();
  o.task_type = models::TaskType::Classification;
  try {
    models::train_model(tiny_set(), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("target 'score'"), std::string::npos) << e.what();
  }
}

TEST(ModelStore, FilesThatAreNotModelStoresAreRefusedByName) {
  test::ScratchDir dir;
  test::write_text(dir.file("notes.h5"), "not hdf5");
  for (const std::string& path : {dir.file("missing.h5"), dir.file("notes.h5")}) {
    try {
      models::Model::load(path);
      FAIL() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace molsieve
