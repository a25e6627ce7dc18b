// Intervals by similarity band and calibrated probabilities (models/calibration.h), checked
// against plain counts on synthetic held-out data whose error grows with the distance to
// the training data, as the shipped models' errors do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/calibration.h"
#include "models/model_card.h"

namespace molsieve {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rows whose error's standard deviation grows from 0.3 at similarity 1 to 2.1 at 0.1, with an
// ensemble spread that knows nothing of it (a narrow, noisy constant).
struct HeldOut {
  std::vector<double> mean, spread, similarity, label;
};

HeldOut distance_dependent_rows(std::size_t n, std::uint64_t seed, double min_similarity = 0.1) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> similarity(min_similarity, 1.0), spread(0.1, 0.2);
  HeldOut rows;
  for (std::size_t i = 0; i < n; ++i) {
    const double s = similarity(random);
    rows.mean.push_back(6.0 + noise(random));
    rows.spread.push_back(spread(random));
    rows.similarity.push_back(s);
    rows.label.push_back(rows.mean.back() + (0.3 + 2.0 * (1.0 - s)) * noise(random));
  }
  return rows;
}

TEST(BandCalibration, IntervalsHoldTheirCoverageInEveryBandOfNewRowsWhenErrorsGrowWithDistance) {
  const HeldOut fit = distance_dependent_rows(8000, 1);
  const HeldOut fresh = distance_dependent_rows(20000, 2);
  const models::SpreadCalibration c = models::fit_spread_calibration(fit.mean, fit.spread, fit.similarity, fit.label);
  ASSERT_EQ(c.bands.size(), models::similarity_band_edges().size());
  const auto bands = models::coverage_by_band(c, fresh.mean, fresh.spread, fresh.similarity, fresh.label);
  for (const auto& band : bands) {
    EXPECT_NEAR(band.coverage68, models::kOneSigmaCoverage, 0.04) << band.band;
    EXPECT_NEAR(band.coverage95, models::kCoverage95, 0.025) << band.band;
  }
  // Farther, wider: the interval at similarity 0.15 is several times the one at 0.9.
  const double near = c.interval(6.0, 0.15, 0.9).half68, far = c.interval(6.0, 0.15, 0.15).half68;
  EXPECT_GT(far, 3 * near);
  // One scale for every similarity (the calibration before bands) fails the far band.
  std::vector<double> scores;
  for (std::size_t i = 0; i < fit.label.size(); ++i)
    scores.push_back(std::fabs(fit.label[i] - fit.mean[i]) / (fit.spread[i] + c.spread_offset));
  const double one_scale = models::conformal_quantile(scores, models::kCoverage95);
  std::size_t far_rows = 0, far_inside = 0;
  for (std::size_t i = 0; i < fresh.label.size(); ++i)
    if (fresh.similarity[i] < 0.25) {
      ++far_rows;
      far_inside += std::fabs(fresh.label[i] - fresh.mean[i]) <= one_scale * (fresh.spread[i] + c.spread_offset);
    }
  EXPECT_LT(static_cast<double>(far_inside) / static_cast<double>(far_rows), 0.90);
}

TEST(BandCalibration, ABandScaleIsTheConformalQuantileOfItsNormalizedResiduals) {
  const HeldOut rows = distance_dependent_rows(301, 5, 0.75);  // all in the nearest band
  const models::SpreadCalibration c = models::fit_spread_calibration(rows.mean, rows.spread, rows.similarity, rows.label);
  ASSERT_EQ(c.bands.size(), 1u);
  EXPECT_EQ(c.bands[0].rows, 301u);
  std::vector<double> spreads = rows.spread;
  std::sort(spreads.begin(), spreads.end());
  EXPECT_EQ(c.spread_offset, spreads[150]);  // the median spread
  std::vector<double> scores;
  for (std::size_t i = 0; i < rows.label.size(); ++i)
    scores.push_back(std::fabs(rows.label[i] - rows.mean[i]) / (rows.spread[i] + c.spread_offset));
  std::sort(scores.begin(), scores.end());
  // ceil(302 x 0.6827) = 207th and ceil(302 x 0.95) = 287th smallest.
  EXPECT_EQ(c.bands[0].scale68, scores[206]);
  EXPECT_EQ(c.bands[0].scale95, scores[286]);
  const models::PredictionInterval i = c.interval(7.0, 0.12, 0.8);
  EXPECT_DOUBLE_EQ(i.half68, scores[206] * (0.12 + c.spread_offset));
  EXPECT_DOUBLE_EQ(i.hi95 - 7.0, scores[286] * (0.12 + c.spread_offset));
  EXPECT_DOUBLE_EQ(7.0 - i.lo95, i.hi95 - 7.0);
  EXPECT_TRUE(i.measured);
}

TEST(BandCalibration, BeyondTheFarthestHeldOutRowTheIntervalJoinsTheLabelsOwnWithTheirSpreadAboutTheMeanInTheirRange) {
  const HeldOut rows = distance_dependent_rows(400, 7, 0.6);
  const models::SpreadCalibration c = models::fit_spread_calibration(rows.mean, rows.spread, rows.similarity, rows.label);
  EXPECT_EQ(c.bands.back().min_similarity, 0.55);
  std::vector<double> labels = rows.label;
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(c.label_center, labels[200]);
  // Equal tails of 401 x 0.025 and 401 x 0.159 labels: the 10th and 391st, the 63rd and 338th smallest.
  EXPECT_EQ(c.label_lo95, labels[9]);
  EXPECT_EQ(c.label_hi95, labels[390]);
  EXPECT_EQ(c.label_lo68, labels[62]);
  EXPECT_EQ(c.label_hi68, labels[337]);
  EXPECT_EQ(c.label_min, labels.front());
  EXPECT_EQ(c.label_max, labels.back());
  // A molecule at similarity 0.2, unmeasured: its intervals hold the labels' own and the
  // labels' spread about its mean, and stay inside the held-out labels' range.
  for (const double mean : {c.label_center - 1.0, c.label_center + 0.5, labels.back() - 0.1}) {
    const models::PredictionInterval i = c.interval(mean, 0.15, 0.2);
    EXPECT_FALSE(i.measured);
    EXPECT_LE(i.lo95, c.label_lo95);
    EXPECT_GE(i.hi95, c.label_hi95);
    EXPECT_LE(i.lo68, c.label_lo68);
    EXPECT_GE(i.hi68, c.label_hi68);
    const double half95 = std::max(c.unknown95, c.bands.back().scale95 * (0.15 + c.spread_offset));
    EXPECT_DOUBLE_EQ(i.lo95, std::min(c.label_lo95, std::max(mean - half95, labels.front()))) << mean;
    EXPECT_DOUBLE_EQ(i.hi95, std::max(c.label_hi95, std::min(mean + half95, labels.back()))) << mean;
    EXPECT_DOUBLE_EQ(i.half68, std::max(mean - i.lo68, i.hi68 - mean));
  }
  // Farther is never narrower: members that disagree widely get at least the farthest band's
  // interval for their spread, cut to the labels' range.
  const models::PredictionInterval wide = c.interval(c.label_center, 5.0, 0.2);
  const models::PredictionInterval band = c.interval(c.label_center, 5.0, 0.6);
  EXPECT_TRUE(band.measured);
  EXPECT_EQ(wide.lo95, std::max(band.lo95, labels.front()));
  EXPECT_EQ(wide.hi95, std::min(band.hi95, labels.back()));
  // Predicted below every label: the interval reaches down to the mean and no further (a
  // symmetric one would claim values no label took), and up to the labels' own top.
  const double mean = labels.front() - 2.0;
  const models::PredictionInterval below = c.interval(mean, 0.15, 0.2);
  EXPECT_EQ(below.lo95, mean);
  EXPECT_EQ(below.lo68, mean);
  EXPECT_EQ(below.hi95, c.label_hi95);
  EXPECT_EQ(below.hi68, c.label_hi68);
  EXPECT_DOUBLE_EQ(below.half68, c.label_hi68 - mean);
  EXPECT_EQ(c.interval(labels.back() + 3.0, 0.15, 0.2).hi95, labels.back() + 3.0);
  // A protein outside a drug-target model's domain: the same, even at similarity 1.
  EXPECT_FALSE(c.interval(mean, 0.15, 1.0, false).measured);
  EXPECT_TRUE(std::isnan(c.interval(mean, 0.15, kNaN).half68));
}

TEST(BandCalibration, ThinBandsArePooledWithFartherOnesAThinFarTailIsUnmeasuredAndFartherNeverNarrower) {
  HeldOut rows = distance_dependent_rows(600, 9, 0.5);
  for (int i = 0; i < 20; ++i) {  // twenty rows at 0.56-0.58: pooled with 0.45-0.55, not alone
    rows.mean.push_back(6.0);
    rows.spread.push_back(0.15);
    rows.similarity.push_back(0.56 + 0.001 * i);
    rows.label.push_back(6.0 + 0.01 * i);  // tiny errors: alone they would narrow the interval
  }
  for (int i = 0; i < 10; ++i) {  // ten rows in 0.35-0.45: too few to measure anything there
    rows.mean.push_back(6.0);
    rows.spread.push_back(0.15);
    rows.similarity.push_back(0.4);
    rows.label.push_back(6.0);
  }
  const models::SpreadCalibration c = models::fit_spread_calibration(rows.mean, rows.spread, rows.similarity, rows.label);
  EXPECT_EQ(c.bands.back().min_similarity, 0.45);
  EXPECT_FALSE(c.interval(6.0, 0.15, 0.4).measured);
  for (std::size_t b = 1; b < c.bands.size(); ++b) {
    EXPECT_GE(c.bands[b].scale68, c.bands[b - 1].scale68) << b;
    EXPECT_GE(c.bands[b].scale95, c.bands[b - 1].scale95) << b;
  }
  const auto pooled = models::pool_similarity_bands(rows.similarity);
  std::size_t total = 0;
  for (const auto& band : pooled) {
    EXPECT_GE(band.rows.size(), models::kMinRowsPerBand);
    total += band.rows.size();
  }
  EXPECT_EQ(total, rows.similarity.size() - 10);
}

// 60 pairs of 6 ligands (a drug-target model's validation part): enough rows for a band, too
// few ligands; 25 more ligands one band farther make 31, and the two bands pool into one.
TEST(BandCalibration, RowsOfOneGroupCountOnceTowardsABand) {
  HeldOut rows;
  std::vector<std::size_t> ligand;
  for (int i = 0; i < 60; ++i) {
    rows.mean.push_back(6.0);
    rows.spread.push_back(0.1);
    rows.similarity.push_back(0.8);
    rows.label.push_back(6.0 + 0.1 * (i % 7));
    ligand.push_back(static_cast<std::size_t>(i / 10));
  }
  EXPECT_EQ(models::fit_spread_calibration(rows.mean, rows.spread, rows.similarity, rows.label).bands.size(), 1u);
  EXPECT_TRUE(models::fit_spread_calibration(rows.mean, rows.spread, rows.similarity, rows.label, ligand).bands.empty());
  for (int i = 0; i < 25; ++i) {  // 25 ligands of one pair each in 0.55-0.70
    rows.mean.push_back(6.0);
    rows.spread.push_back(0.1);
    rows.similarity.push_back(0.6);
    rows.label.push_back(6.5);
    ligand.push_back(static_cast<std::size_t>(100 + i));
  }
  const auto pooled = models::pool_similarity_bands(rows.similarity, ligand);
  ASSERT_EQ(pooled.size(), 1u);
  EXPECT_EQ(pooled[0].min_similarity, 0.55);
  EXPECT_EQ(pooled[0].rows.size(), 85u);
}

TEST(BandCalibration, DomainBeginsWhereTheModelStopsKnowingMoreThanTheLabels) {
  // Near rows: errors far below the labels' spread; beyond 0.45 the mean is noise.
  std::mt19937_64 random(11);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> similarity(0.1, 1.0);
  HeldOut rows;
  for (int i = 0; i < 3000; ++i) {
    const double s = similarity(random), label = 6.0 + 1.5 * noise(random);
    rows.similarity.push_back(s);
    rows.label.push_back(label);
    rows.mean.push_back(s >= 0.45 ? label + 0.2 * noise(random) : 6.0 + 1.5 * noise(random));  // far: noise
    rows.spread.push_back(0.1);
  }
  const models::SpreadCalibration c = models::fit_spread_calibration(rows.mean, rows.spread, rows.similarity, rows.label);
  EXPECT_EQ(c.informative_from, 0.45);
  // Too few rows for any band: nothing measured, nothing inside.
  const models::SpreadCalibration none = models::fit_spread_calibration({1, 2}, {0.1, 0.1}, {0.9, 0.9}, {1, 2});
  EXPECT_TRUE(none.bands.empty());
  EXPECT_GT(none.informative_from, 1.0);
  EXPECT_FALSE(none.interval(1.0, 0.1, 1.0).measured);
}

TEST(ProbabilityCalibration, PlattScalingUndoesOverconfidenceAndLowersTheCalibrationError) {
  std::mt19937_64 random(3);
  std::uniform_real_distribution<double> logit(-3, 3), unit(0, 1);
  std::vector<double> overconfident, labels;
  for (int i = 0; i < 5000; ++i) {
    const double z = logit(random);
    labels.push_back(unit(random) < 1 / (1 + std::exp(-z)) ? 1.0 : 0.0);
    overconfident.push_back(1 / (1 + std::exp(-3 * z)));  // three times the true logit
  }
  const models::PlattScaling platt = models::fit_platt_scaling(overconfident, labels);
  EXPECT_NEAR(platt.slope, 1.0 / 3, 0.03);
  EXPECT_NEAR(platt.intercept, 0.0, 0.1);
  std::vector<double> calibrated;
  for (double p : overconfident) calibrated.push_back(platt(p));
  EXPECT_GT(models::expected_calibration_error(overconfident, labels), 0.08);
  EXPECT_LT(models::expected_calibration_error(calibrated, labels), 0.03);
  // One class only: nothing to fit, the identity.
  const models::PlattScaling identity = models::fit_platt_scaling({0.2, 0.7}, {1.0, 1.0});
  EXPECT_DOUBLE_EQ(identity(0.7), 0.7);
}

TEST(ProbabilityCalibration, ExpectedCalibrationErrorIsTheRowWeightedGapPerBin) {
  // Bin [0.1, 0.2): 0.15, 0.15, observed 1 of 2; bin [0.9, 1]: 0.95, observed 1 of 1.
  const double ece = models::expected_calibration_error({0.15, 0.15, 0.95, kNaN}, {1, 0, 1, 1});
  EXPECT_NEAR(ece, (2 * std::fabs(0.5 - 0.15) + 1 * std::fabs(1.0 - 0.95)) / 3, 1e-12);
  EXPECT_TRUE(std::isnan(models::expected_calibration_error({0.5}, {kNaN})));
}

TEST(ProbabilityCalibration, ClassificationDomainEndsWhereTheBrierScoreStopsBeatingThePositiveRate) {
  std::mt19937_64 random(13);
  std::uniform_real_distribution<double> similarity(0.1, 1.0), unit(0, 1);
  std::vector<double> probabilities, labels, similarities;
  for (int i = 0; i < 4000; ++i) {
    const double s = similarity(random), y = unit(random) < 0.3 ? 1.0 : 0.0;
    similarities.push_back(s);
    labels.push_back(y);
    probabilities.push_back(s >= 0.55 ? (y > 0 ? 0.8 : 0.1) : unit(random));  // far: guesses
  }
  EXPECT_EQ(models::classification_informative_from(probabilities, labels, 1, similarities), 0.55);
}

// A card of one regression task "y" calibrated on `rows`.
models::ModelCard regression_card(const HeldOut& rows) {
  models::ModelCard card;
  card.name = "m";
  card.task_type = models::TaskType::Regression;
  card.tasks = {"y"};
  card.task_weights = {1.0};
  card.spread_calibration["y"] = models::fit_spread_calibration(rows.mean, rows.spread, rows.similarity, rows.label);
  card.calibration_part = "validation";
  return card;
}

TEST(ModelCardCalibration, ACardWithTheFormerSingleSpreadScaleReadsAsOneBandForEverySimilarity) {
  std::string json = models::card_to_json(regression_card({{1, 2}, {0.1, 0.1}, {0.9, 0.9}, {1, 2}}));
  const auto at = json.find("\"calibration\"");
  ASSERT_NE(at, std::string::npos);
  const auto end = json.find("\n  },\n", at);
  json.replace(at, end + 4 - at, "\"calibration\": {\"spread_scale\": {\"y\": 2.5}}");
  const models::ModelCard legacy = models::card_from_json(json, "legacy.h5");
  const models::PredictionInterval i = models::task_interval(legacy, "y", 5.0, 0.4, 0.1);
  EXPECT_DOUBLE_EQ(i.half68, 1.0);
  EXPECT_NEAR(i.hi95, 5.0 + 1.959963984540054, 1e-12);
}

// A card written before the label bounds: its knowing-nothing interval is the labels' median
// ± their half-widths, as it was, with no cut to a label range it does not record.
TEST(ModelCardCalibration, ACardFromBeforeTheLabelBoundsReadsThemAsTheMedianPlusOrMinusTheHalfWidths) {
  nlohmann::json json = nlohmann::json::parse(models::card_to_json(regression_card(distance_dependent_rows(400, 7, 0.6))));
  auto& intervals = json.at("calibration").at("intervals").at("y");
  for (const char* key : {"label_lo_68", "label_hi_68", "label_lo_95", "label_hi_95", "label_min", "label_max"})
    ASSERT_EQ(intervals.erase(key), 1u) << key;
  const models::SpreadCalibration& c = models::card_from_json(json.dump(), "old.h5").spread_calibration.at("y");
  EXPECT_EQ(c.label_lo68, c.label_center - c.unknown68);
  EXPECT_EQ(c.label_hi95, c.label_center + c.unknown95);
  EXPECT_TRUE(std::isinf(c.label_min) && c.label_min < 0);
  EXPECT_TRUE(std::isinf(c.label_max) && c.label_max > 0);
  const double far_below = c.label_center - 10.0;
  EXPECT_LT(c.interval(far_below, 0.15, 0.2).lo95, c.label_center - c.unknown95 - 10.0 + 1e-9);
}

}  // namespace
}  // namespace molsieve
