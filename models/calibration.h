#pragma once
// Uncertainty calibration of regression ensembles by split conformal prediction: the spread
// of an ensemble (its members' disagreement) is far narrower than its error on molecules it
// has not seen, so it is scaled by the factor k that makes mean ± k·spread hold the truth for
// 68.27% of a held-out part, as one standard deviation of a normal error would. The scaled
// spread is what every prediction then reports.
#include <cstdint>
#include <vector>

namespace molsieve::models {

// The share of a normal distribution within one standard deviation of its mean.
constexpr double kOneSigmaCoverage = 0.682689492137086;

// k such that |label - mean| <= k·spread for at least `coverage` of the rows with a label, a
// mean and a spread: the ceil((n + 1)·coverage)-th smallest |label - mean| / spread (the
// split-conformal quantile, valid for exchangeable molecules). Infinite when more rows are
// needed than there are; NaN without rows.
double conformal_spread_scale(const std::vector<double>& mean, const std::vector<double>& spread,
                              const std::vector<double>& labels, double coverage = kOneSigmaCoverage);

// The share of rows (with a label, a mean and a spread) with |label - mean| <= k·spread.
double interval_coverage(const std::vector<double>& mean, const std::vector<double>& spread,
                         const std::vector<double>& labels, double k);

}  // namespace molsieve::models
