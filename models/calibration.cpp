#include "models/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace molsieve::models {
namespace {

bool usable(double mean, double spread, double label) {
  return std::isfinite(mean) && std::isfinite(spread) && !std::isnan(label);
}

}  // namespace

double conformal_spread_scale(const std::vector<double>& mean, const std::vector<double>& spread,
                              const std::vector<double>& labels, double coverage) {
  std::vector<double> scores;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!usable(mean[i], spread[i], labels[i])) continue;
    const double residual = std::fabs(labels[i] - mean[i]);
    scores.push_back(spread[i] > 0 ? residual / spread[i]
                     : residual > 0 ? std::numeric_limits<double>::infinity()
                                    : 0.0);
  }
  if (scores.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(scores.size());
  const auto rank = static_cast<std::size_t>(std::ceil((n + 1) * coverage));
  if (rank > scores.size()) return std::numeric_limits<double>::infinity();
  std::nth_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(rank - 1), scores.end());
  return scores[rank - 1];
}

double interval_coverage(const std::vector<double>& mean, const std::vector<double>& spread,
                         const std::vector<double>& labels, double k) {
  std::size_t rows = 0, inside = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!usable(mean[i], spread[i], labels[i])) continue;
    ++rows;
    inside += std::fabs(labels[i] - mean[i]) <= k * spread[i];
  }
  return rows ? static_cast<double>(inside) / static_cast<double>(rows) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace molsieve::models
