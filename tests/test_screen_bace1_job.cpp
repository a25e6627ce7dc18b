// The BACE-1 job end to end: one row per library record, the affinity column equal to
// molsieve predict's, the score's formula, and the selection's rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/hdf5_file.h"
#include "screen_test_support.h"

namespace molsieve::test {
namespace {

using workflows::ResultTable;

const std::string kSource = MOLSIEVE_SOURCE_DIR;

TEST_F(Bace1Job, WritesOneRowPerNciRecordInLibraryOrder) {
  const ResultTable t = read_results(dir_->file("bace1.h5"));
  std::ifstream in(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::string line;
  std::size_t row = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::string id = line.substr(line.find_first_of(" \t") + 1);
    ASSERT_LT(row, t.rows());
    EXPECT_EQ(t.at("index").integers[row], static_cast<std::int64_t>(row));
    EXPECT_EQ(t.at("id").texts[row], id.substr(id.find_first_not_of(" \t"))) << "row " << row;
    ++row;
  }
  EXPECT_EQ(row, t.rows());
  const hdf5::File file(dir_->file("bace1.h5"), hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(file.int_attribute("/", "complete"), 1);
  EXPECT_EQ(file.string_attribute("/", "schema"), "molsieve results store");
  EXPECT_EQ(file.string_list_attribute("/provenance", "models"), (std::vector<std::string>{"bace", "tox21", "clintox"}));
  EXPECT_EQ(file.string_list_attribute("/provenance", "model_sha256").size(), 3u);
}

TEST_F(Bace1Job, AffinityColumnEqualsMolsievePredictOnTheSameLibrary) {
  const auto& dir = *dir_;
  const CommandRun predict = molsieve(dir, "predict --model " + kSource + "/models/pretrained/bace.h5 --input " +
                                               test::rdkit_data("Data/NCI/first_5K.smi") + " -o " +
                                               dir.file("bace.csv") + " --threads 2 -q");
  ASSERT_EQ(predict.status, 0) << predict.err;
  const auto csv = test::read_csv(dir.file("bace.csv"));
  const ResultTable t = read_results(dir.file("bace1.h5"));
  ASSERT_EQ(csv.size(), t.rows() + 1);
  const auto pic50 = std::find(csv[0].begin(), csv[0].end(), "pIC50") - csv[0].begin();
  ASSERT_LT(pic50, static_cast<std::ptrdiff_t>(csv[0].size()));
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string& text = csv[r + 1][pic50];
    const double screened = t.at("pIC50").numbers[r];
    if (text.empty()) {
      EXPECT_TRUE(std::isnan(screened)) << "row " << r;
    } else {
      // float32 inference: batches group different molecules (chunks differ), so sums differ in the last bits.
      EXPECT_NEAR(std::stod(text), screened, 1e-5) << "row " << r;
    }
  }
}

TEST_F(Bace1Job, ScoreIsTheWeightedGeometricMeanOfTheDesirabilities) {
  const ResultTable t = read_results(dir_->file("bace1.h5"));
  std::size_t checked = 0;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (!t.at("passes_filters").flags[r]) {
      EXPECT_TRUE(std::isnan(t.at("score").numbers[r]));
      continue;
    }
    // The BACE-1 job's weights: bace 2, tox21 1, clintox 1, similarity 0.5.
    const double d[4] = {t.at("d_bace").numbers[r], t.at("d_tox21").numbers[r], t.at("d_clintox").numbers[r],
                         t.at("d_similarity").numbers[r]};
    const double w[4] = {2, 1, 1, 0.5};
    double expected = 1;
    for (int k = 0; k < 4; ++k) expected *= std::pow(d[k], w[k] / 4.5);
    EXPECT_NEAR(t.at("score").numbers[r], expected, 1e-12) << "row " << r;
    // Affinity desirability: the 68% interval's lower end on the 5..8 ramp (uncertainty_penalty
    // 1), whatever the domain (its wider interval counts); pIC50 - std where it is symmetric.
    const double bound = t.at("pIC50_lo68").numbers[r];
    if (t.at("bace_in_domain").flags[r] == 1)
      EXPECT_NEAR(bound, t.at("pIC50").numbers[r] - t.at("pIC50_std").numbers[r], 1e-9) << "row " << r;
    EXPECT_NEAR(d[0], documented_desirability((8.0 - bound) / 3.0, 0.1), 1e-12) << "row " << r;
    ++checked;
  }
  EXPECT_GT(checked, 1000u);
}

// An extrapolated affinity is no reason to put a molecule forward: with the rule (the
// default), only molecules inside the affinity model's domain are selected.
TEST_F(Bace1Job, OnlyMoleculesInsideTheAffinityDomainAreSelected) {
  ASSERT_NO_FATAL_FAILURE(screen_mixed_library());
  {
    const hdf5::File file(dir_->file("bace1.h5"), hdf5::File::Mode::ReadOnly);
    EXPECT_EQ(file.string_attribute("/", "selection_rule"),
              "scored and inside the applicability domain of every model it is ranked by (affinity and property terms)");
    const ResultTable t = read_results(dir_->file("bace1.h5"));
    for (std::int64_t r : file.read<std::int64_t>("/selection/index"))
      EXPECT_EQ(t.at("bace_in_domain").flags[static_cast<std::size_t>(r)], 1) << "row " << r;
    // The NCI compounds are far from the BACE series: almost all are extrapolations.
    std::size_t scored = 0, outside = 0;
    for (std::size_t r = 0; r < t.rows(); ++r)
      if (!std::isnan(t.at("score").numbers[r])) {
        ++scored;
        outside += t.at("bace_in_domain").flags[r] == 0;
      }
    EXPECT_GT(scored, 1000u);
    EXPECT_GT(outside, scored * 99 / 100);
  }
  const hdf5::File file(dir_->file("inside.h5"), hdf5::File::Mode::ReadOnly);
  const auto selection = file.read<std::int64_t>("/selection/index");
  const ResultTable t = read_results(dir_->file("inside.h5"));
  ASSERT_FALSE(selection.empty());
  for (const auto row : selection) {
    EXPECT_EQ(t.at("bace_in_domain").flags[row], 1) << t.at("id").texts[row];
    const std::string& id = t.at("id").texts[row];
    EXPECT_TRUE(id == "verubecestat" || id == "LY2886721" || id == "elenbecestat" || id == "atabecestat" ||
                id == "umibecestat" || id == "lanabecestat")
        << id << ": only the BACE-1 references are near enough to the training series";
  }
  // Without the rule, the best-scored molecule is selected whatever its domain.
  const auto open = hdf5::File(dir_->file("open.h5"), hdf5::File::Mode::ReadOnly).read<std::int64_t>("/selection/index");
  ASSERT_FALSE(open.empty());
  EXPECT_EQ(read_results(dir_->file("open.h5")).at("rank").integers[open[0]], 1);
}

TEST_F(Bace1Job, SelectionIsRankedPassesFiltersAndIsDiverse) {
  ASSERT_NO_FATAL_FAILURE(screen_mixed_library());
  const hdf5::File file(dir_->file("open.h5"), hdf5::File::Mode::ReadOnly);
  const auto selection = file.read<std::int64_t>("/selection/index");
  const ResultTable t = read_results(dir_->file("open.h5"));
  ASSERT_GE(selection.size(), 3u);  // 306 molecules, of which few score above 0
  ASSERT_LE(selection.size(), 50u);
  for (std::size_t k = 0; k < selection.size(); ++k) {
    const auto row = static_cast<std::size_t>(selection[k]);
    EXPECT_EQ(t.at("passes_filters").flags[row], 1);
    EXPECT_EQ(t.at("selection_rank").integers[row], static_cast<std::int64_t>(k + 1));
    EXPECT_GT(t.at("score").numbers[row], 0.0);
    if (k > 0) EXPECT_LE(t.at("score").numbers[row], t.at("score").numbers[selection[k - 1]]);
  }
  // The best-scored molecule is always selected first; ranks follow the scores.
  std::size_t best = 0;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.at("rank").integers[r] == 1) best = r;
  EXPECT_EQ(static_cast<std::size_t>(selection[0]), best);
}


}  // namespace
}  // namespace molsieve::test
