#pragma once
// Uncertainty that follows the evidence. An ensemble's spread (its members' disagreement) is
// far narrower than its error on molecules it has not seen, and the error grows with the
// distance to the training data while the spread often does not. So the intervals are fitted
// on held-out molecules per band of similarity to the nearest training molecule (Mondrian
// split conformal prediction, Vovk et al. 2005; normalized by spread + offset, Papadopoulos
// et al. 2011): in each band, mean ± scale·(spread + offset) holds the truth for 68% (95%) of
// the band's held-out molecules. Where no held-out molecule was that far, nothing is known
// beyond the labels' own spread, and the interval says so. Classification probabilities are
// recalibrated by Platt scaling on the same held-out part.
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace molsieve::models {

// The share of a normal distribution within one standard deviation of its mean.
constexpr double kOneSigmaCoverage = 0.682689492137086;
constexpr double kCoverage95 = 0.95;

// Lower edges of the similarity bands in which intervals are fitted and coverage is reported,
// highest first: band b holds similarities in [edge[b], edge[b - 1]) (the first up to 1).
inline const std::vector<double>& similarity_band_edges() {
  static const std::vector<double> edges{0.7, 0.55, 0.45, 0.35, 0.25, 0.0};
  return edges;
}
// Held-out rows a band needs before its own scale is fitted: thinner bands are pooled with
// the next farther ones (30 keeps the 95% quantile away from the band's single largest error).
constexpr std::size_t kMinRowsPerBand = 30;

// The ceil((n + 1)·coverage)-th smallest score (split conformal's quantile, valid for
// exchangeable rows); infinite when that rank exceeds n, NaN without scores.
double conformal_quantile(std::vector<double> scores, double coverage);
// The equal-tailed interval holding `coverage` of values exchangeable with `values`: the
// floor((n + 1)·tail)-th and ceil((n + 1)·(1 - tail))-th smallest, tail = (1 - coverage) / 2
// (infinite where that rank falls outside 1..n).
std::pair<double, double> conformal_range(std::vector<double> values, double coverage);

// Rows (indices into `similarity`; NaN ones left out) grouped into the bands nearest first,
// each band pooled with farther ones until it holds kMinRowsPerBand rows; a group reaches
// down to its farthest row's band edge. Rows farther than the last full group are left out:
// below it nothing is measured. With `groups` (one id per row), rows of one group count once
// towards kMinRowsPerBand: a drug-target model's pairs of one ligand share its similarity and
// their errors move together, so a band needs that many ligands, not pairs.
struct PooledBand {
  double min_similarity = 0;
  std::vector<std::size_t> rows;
};
std::vector<PooledBand> pool_similarity_bands(const std::vector<double>& similarity,
                                              const std::vector<std::size_t>& groups = {});

struct SimilarityBand {
  double min_similarity = 0;  // the band holds rows at or above this (and below the band before it)
  std::uint64_t rows = 0;     // held-out rows it was fitted on
  double scale68 = 0, scale95 = 0;  // half-width = scale x (spread + spread_offset)
};

// Inside a band the intervals are symmetric about the mean. Beyond the bands they join the
// labels' own interval with the labels' spread and the farthest band's width about the mean,
// cut to the range of the held-out labels (stretched to the mean where it lies outside): an
// extrapolated mean below every label does not get a symmetric interval reaching values no
// label ever took.
struct PredictionInterval {
  double half68 = 0;  // mean ± half68 holds 68% (reported as <task>_std): inside a band the
                      // 68% interval's half-width, beyond the bands its larger side
  double lo68 = 0, hi68 = 0;
  double lo95 = 0, hi95 = 0;
  bool measured = false;  // inside a band that held-out molecules reached
};

// One regression task's fitted intervals.
struct SpreadCalibration {
  double spread_offset = 0;
  std::vector<SimilarityBand> bands;  // nearest first; empty: too few held-out rows
  // Where no band reaches, what knowing nothing but the labels allows: the equal-tailed
  // intervals that hold 68% and 95% of the held-out labels (a floor such as Davis's pKd 5
  // stays their lower end); the labels' median and the half-widths about it that hold 68%
  // and 95% of them (also the spread allowed about the model's mean, and the measure of
  // whether a band is informative); the held-out labels' range.
  double label_lo68 = -std::numeric_limits<double>::infinity(), label_hi68 = std::numeric_limits<double>::infinity();
  double label_lo95 = -std::numeric_limits<double>::infinity(), label_hi95 = std::numeric_limits<double>::infinity();
  double label_min = -std::numeric_limits<double>::infinity(), label_max = std::numeric_limits<double>::infinity();
  double label_center = 0;
  double unknown68 = std::numeric_limits<double>::infinity();
  double unknown95 = std::numeric_limits<double>::infinity();
  // The lowest similarity from which every band's typical 95% half-width is narrower than
  // unknown95: below it the model was not measured to know more than the labels' spread.
  double informative_from = 2.0;

  // `similarity`: to the nearest training molecule; `known_context` false (a drug-target
  // model's protein outside its domain) gives the interval of knowing nothing.
  PredictionInterval interval(double mean, double spread, double similarity, bool known_context = true) const;
};

// Fits one task on held-out rows (those with a finite mean, spread, similarity and label);
// `groups` as for pool_similarity_bands.
SpreadCalibration fit_spread_calibration(const std::vector<double>& mean, const std::vector<double>& spread,
                                         const std::vector<double>& similarity, const std::vector<double>& labels,
                                         const std::vector<std::size_t>& groups = {});

// Coverage of the calibrated intervals on labelled rows, per similarity band of
// similarity_band_edges() (bands without rows are left out) and over all rows.
struct BandCoverage {
  std::string band;  // "0.45-0.55", "0.70-1", or "all"
  std::size_t rows = 0;
  double coverage68 = 0, coverage95 = 0, rmse = 0, mean_half95 = 0;
};
std::vector<BandCoverage> coverage_by_band(const SpreadCalibration& calibration, const std::vector<double>& mean,
                                           const std::vector<double>& spread, const std::vector<double>& similarity,
                                           const std::vector<double>& labels);

// Coverage as model-card metrics: rows_<band>, coverage_68_<band>, coverage_95_<band>,
// rmse_<band> and half_width_95_<band>, without the suffix for "all".
void record_band_coverage(const std::vector<BandCoverage>& bands, std::map<std::string, double>& metrics);

// Platt scaling (Platt 1999): p' = 1 / (1 + exp(-(slope·logit(p) + intercept))), fitted by
// Newton's method on held-out probabilities with Platt's smoothed targets.
struct PlattScaling {
  double slope = 1, intercept = 0;
  double operator()(double probability) const;
};
// Identity (slope 1, intercept 0) when the labels hold one class only.
PlattScaling fit_platt_scaling(const std::vector<double>& probabilities, const std::vector<double>& labels);

// A classification model's counterpart of SpreadCalibration::informative_from: the lowest
// similarity from which, in every pooled band, the held-out Brier score (summed over tasks,
// rows x tasks `probabilities` and `labels`) is below that of predicting each task's
// held-out positive rate.
double classification_informative_from(const std::vector<double>& probabilities, const std::vector<double>& labels,
                                       std::size_t tasks, const std::vector<double>& similarity);

// Expected calibration error over `bins` equal-width probability bins (Naeini et al. 2015):
// the row-weighted mean |observed rate - mean probability|. NaN without labelled rows.
double expected_calibration_error(const std::vector<double>& probabilities, const std::vector<double>& labels,
                                  int bins = 10);

// The band label of a similarity ("0.45-0.55").
std::string similarity_band_name(double similarity);

}  // namespace molsieve::models
