#include "models/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

namespace molsieve::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct HeldOutRow {
  double mean, spread, similarity, label;
  std::size_t group;
};

std::vector<HeldOutRow> usable_rows(const std::vector<double>& mean, const std::vector<double>& spread,
                                    const std::vector<double>& similarity, const std::vector<double>& labels,
                                    const std::vector<std::size_t>& groups) {
  std::vector<HeldOutRow> rows;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (std::isfinite(mean[i]) && std::isfinite(spread[i]) && std::isfinite(similarity[i]) && std::isfinite(labels[i]))
      rows.push_back({mean[i], spread[i], similarity[i], labels[i], groups.empty() ? i : groups[i]});
  return rows;
}

// The index into similarity_band_edges() of the band holding `similarity`.
std::size_t band_of(double similarity) {
  const auto& edges = similarity_band_edges();
  std::size_t b = 0;
  while (b + 1 < edges.size() && similarity < edges[b]) ++b;
  return b;
}

double median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

}  // namespace

std::vector<PooledBand> pool_similarity_bands(const std::vector<double>& similarity,
                                              const std::vector<std::size_t>& groups) {
  const auto& edges = similarity_band_edges();
  std::vector<std::vector<std::size_t>> by_band(edges.size());
  for (std::size_t i = 0; i < similarity.size(); ++i)
    if (!std::isnan(similarity[i])) by_band[band_of(similarity[i])].push_back(i);
  std::vector<PooledBand> pooled;
  std::vector<std::size_t> current;
  std::set<std::size_t> current_groups;
  for (std::size_t b = 0; b < edges.size(); ++b) {
    if (by_band[b].empty()) continue;
    current.insert(current.end(), by_band[b].begin(), by_band[b].end());
    for (std::size_t i : by_band[b]) current_groups.insert(groups.empty() ? i : groups[i]);
    if (current_groups.size() >= kMinRowsPerBand) {
      pooled.push_back({edges[b], std::move(current)});
      current.clear();
      current_groups.clear();
    }
  }
  // A thin far remainder is not a measurement: lending it a nearer band's scale would claim
  // the near molecules' accuracy for far ones.
  return pooled;
}

double classification_informative_from(const std::vector<double>& probabilities, const std::vector<double>& labels,
                                       std::size_t tasks, const std::vector<double>& similarity) {
  std::vector<double> positives(tasks, 0), labelled(tasks, 0);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!std::isnan(labels[i])) {
      labelled[i % tasks] += 1;
      positives[i % tasks] += labels[i];
    }
  double informative_from = 2.0;
  for (const PooledBand& band : pool_similarity_bands(similarity)) {
    double model = 0, base = 0;
    for (std::size_t row : band.rows)
      for (std::size_t t = 0; t < tasks; ++t) {
        const double y = labels[row * tasks + t], p = probabilities[row * tasks + t];
        if (std::isnan(y) || std::isnan(p)) continue;
        const double rate = positives[t] / labelled[t];
        model += (p - y) * (p - y);
        base += (rate - y) * (rate - y);
      }
    if (!(model < base)) break;
    informative_from = band.min_similarity;
  }
  return informative_from;
}

double conformal_quantile(std::vector<double> scores, double coverage) {
  if (scores.empty()) return kNaN;
  const double n = static_cast<double>(scores.size());
  const auto rank = static_cast<std::size_t>(std::ceil((n + 1) * coverage));
  if (rank > scores.size()) return std::numeric_limits<double>::infinity();
  std::nth_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(rank - 1), scores.end());
  return scores[rank - 1];
}

std::pair<double, double> conformal_range(std::vector<double> values, double coverage) {
  if (values.empty()) return {kNaN, kNaN};
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size()), tail = (1.0 - coverage) / 2.0;
  const auto low = static_cast<std::size_t>(std::floor((n + 1) * tail));
  const auto high = static_cast<std::size_t>(std::ceil((n + 1) * (1.0 - tail)));
  const double inf = std::numeric_limits<double>::infinity();
  return {low < 1 ? -inf : values[low - 1], high > values.size() ? inf : values[high - 1]};
}

PredictionInterval SpreadCalibration::interval(double mean, double spread, double similarity,
                                               bool known_context) const {
  PredictionInterval out;
  if (!std::isfinite(mean) || std::isnan(similarity)) {
    out.half68 = out.lo68 = out.hi68 = out.lo95 = out.hi95 = kNaN;
    return out;
  }
  const double normalizer = (std::isfinite(spread) ? spread : 0.0) + spread_offset;
  const bool in_band = known_context && !bands.empty() && similarity >= bands.back().min_similarity;
  if (in_band) {
    const auto band = std::find_if(bands.begin(), bands.end(),
                                   [&](const SimilarityBand& b) { return similarity >= b.min_similarity; });
    out.half68 = band->scale68 * normalizer;
    const double half95 = band->scale95 * normalizer;
    out.lo68 = mean - out.half68, out.hi68 = mean + out.half68;
    out.lo95 = mean - half95, out.hi95 = mean + half95;
    out.measured = true;
    return out;
  }
  // Knowing nothing: the labels' own interval joined with the labels' spread about the model's
  // mean (an unmeasured mean may still know something) and with the farthest band's interval
  // (farther is never narrower), inside the held-out labels' range.
  const double band68 = bands.empty() ? 0.0 : bands.back().scale68 * normalizer;
  const double band95 = bands.empty() ? 0.0 : bands.back().scale95 * normalizer;
  const auto bounded = [&](double lo, double hi, double half, double& out_lo, double& out_hi) {
    out_lo = std::min(lo, std::max(mean - half, std::min(label_min, mean)));
    out_hi = std::max(hi, std::min(mean + half, std::max(label_max, mean)));
  };
  bounded(label_lo68, label_hi68, std::max(unknown68, band68), out.lo68, out.hi68);
  bounded(label_lo95, label_hi95, std::max(unknown95, band95), out.lo95, out.hi95);
  out.half68 = std::max(mean - out.lo68, out.hi68 - mean);
  return out;
}

SpreadCalibration fit_spread_calibration(const std::vector<double>& mean, const std::vector<double>& spread,
                                         const std::vector<double>& similarity, const std::vector<double>& labels,
                                         const std::vector<std::size_t>& groups) {
  const std::vector<HeldOutRow> rows = usable_rows(mean, spread, similarity, labels, groups);
  SpreadCalibration c;
  if (rows.empty()) return c;
  std::vector<double> spreads, label_values;
  for (const auto& r : rows) {
    spreads.push_back(r.spread);
    label_values.push_back(r.label);
  }
  // The offset keeps a molecule the members happen to agree on from an interval of width 0.
  const double typical_spread = median(spreads);
  c.spread_offset = typical_spread > 0 ? typical_spread : 1.0;  // one member: intervals from the residuals alone
  c.label_center = median(label_values);
  std::vector<double> label_distances;
  for (double y : label_values) label_distances.push_back(std::fabs(y - c.label_center));
  c.unknown68 = conformal_quantile(label_distances, kOneSigmaCoverage);
  c.unknown95 = conformal_quantile(label_distances, kCoverage95);
  std::tie(c.label_lo68, c.label_hi68) = conformal_range(label_values, kOneSigmaCoverage);
  std::tie(c.label_lo95, c.label_hi95) = conformal_range(label_values, kCoverage95);
  const auto [lowest, highest] = std::minmax_element(label_values.begin(), label_values.end());
  c.label_min = *lowest, c.label_max = *highest;

  std::vector<double> similarities;
  std::vector<std::size_t> row_groups;
  for (const auto& r : rows) {
    similarities.push_back(r.similarity);
    row_groups.push_back(r.group);
  }
  const std::vector<PooledBand> pooled = pool_similarity_bands(similarities, row_groups);
  for (const PooledBand& group : pooled) {
    std::vector<double> scores;
    for (std::size_t i : group.rows)
      scores.push_back(std::fabs(rows[i].label - rows[i].mean) / (rows[i].spread + c.spread_offset));
    SimilarityBand band;
    band.min_similarity = group.min_similarity;
    band.rows = group.rows.size();
    band.scale68 = conformal_quantile(scores, kOneSigmaCoverage);
    band.scale95 = conformal_quantile(scores, kCoverage95);
    // Farther never narrower: a band's scale is at least that of every nearer band.
    if (!c.bands.empty()) {
      band.scale68 = std::max(band.scale68, c.bands.back().scale68);
      band.scale95 = std::max(band.scale95, c.bands.back().scale95);
    }
    c.bands.push_back(band);
  }
  const double typical_normalizer = typical_spread + c.spread_offset;
  // Judged on the 95% intervals: a label distribution piled on one value (Davis: 70% of pairs
  // at the pKd 5 floor) gives a 68% "knowing nothing" width of 0 that no model beats.
  for (const auto& band : c.bands) {
    if (band.scale95 * typical_normalizer >= c.unknown95) break;
    c.informative_from = band.min_similarity;
  }
  return c;
}

std::string similarity_band_name(double similarity) {
  const auto& edges = similarity_band_edges();
  const std::size_t b = band_of(similarity);
  char name[32];
  std::snprintf(name, sizeof name, "%.2f-%s", edges[b], b == 0 ? "1" : std::to_string(edges[b - 1]).substr(0, 4).c_str());
  return name;
}

std::vector<BandCoverage> coverage_by_band(const SpreadCalibration& calibration, const std::vector<double>& mean,
                                           const std::vector<double>& spread, const std::vector<double>& similarity,
                                           const std::vector<double>& labels) {
  const std::vector<HeldOutRow> rows = usable_rows(mean, spread, similarity, labels, {});
  const auto& edges = similarity_band_edges();
  std::vector<BandCoverage> bands(edges.size() + 1);
  for (std::size_t b = 0; b < edges.size(); ++b) bands[b].band = similarity_band_name(edges[b]);
  bands.back().band = "all";
  for (const auto& r : rows) {
    const PredictionInterval i = calibration.interval(r.mean, r.spread, r.similarity);
    for (BandCoverage* band : {&bands[band_of(r.similarity)], &bands.back()}) {
      ++band->rows;
      band->coverage68 += r.label >= i.lo68 && r.label <= i.hi68;
      band->coverage95 += r.label >= i.lo95 && r.label <= i.hi95;
      band->rmse += (r.label - r.mean) * (r.label - r.mean);
      band->mean_half95 += (i.hi95 - i.lo95) / 2;
    }
  }
  std::vector<BandCoverage> out;
  for (auto& band : bands) {
    if (band.rows == 0) continue;
    const double n = static_cast<double>(band.rows);
    band.coverage68 /= n;
    band.coverage95 /= n;
    band.rmse = std::sqrt(band.rmse / n);
    band.mean_half95 /= n;
    out.push_back(band);
  }
  return out;
}

void record_band_coverage(const std::vector<BandCoverage>& bands, std::map<std::string, double>& metrics) {
  for (const BandCoverage& band : bands) {
    const std::string suffix = band.band == "all" ? "" : "_" + band.band;
    metrics["rows" + suffix] = static_cast<double>(band.rows);
    metrics["coverage_68" + suffix] = band.coverage68;
    metrics["coverage_95" + suffix] = band.coverage95;
    metrics["rmse" + suffix] = band.rmse;
    metrics["half_width_95" + suffix] = band.mean_half95;
  }
}

double PlattScaling::operator()(double probability) const {
  if (std::isnan(probability)) return probability;
  const double p = std::clamp(probability, 1e-7, 1 - 1e-7);
  const double z = slope * std::log(p / (1 - p)) + intercept;
  return 1 / (1 + std::exp(-z));
}

PlattScaling fit_platt_scaling(const std::vector<double>& probabilities, const std::vector<double>& labels) {
  std::vector<double> x, y;
  double positives = 0, negatives = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (std::isnan(labels[i]) || std::isnan(probabilities[i])) continue;
    const double p = std::clamp(probabilities[i], 1e-7, 1 - 1e-7);
    x.push_back(std::log(p / (1 - p)));
    y.push_back(labels[i]);
    (labels[i] > 0.5 ? positives : negatives) += 1;
  }
  PlattScaling s;
  if (positives == 0 || negatives == 0) return s;
  // Platt's targets keep a separable held-out part from an infinite slope.
  const double high = (positives + 1) / (positives + 2), low = 1 / (negatives + 2);
  for (double& t : y) t = t > 0.5 ? high : low;
  auto loss = [&](double slope, double intercept) {  // negative log-likelihood
    double sum = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double z = slope * x[i] + intercept;
      sum += std::log1p(std::exp(-std::fabs(z))) + std::max(z, 0.0) - y[i] * z;
    }
    return sum;
  };
  double current = loss(s.slope, s.intercept);
  for (int iteration = 0; iteration < 100; ++iteration) {
    double g_a = 0, g_b = 0, h_aa = 1e-12, h_ab = 0, h_bb = 1e-12;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double q = 1 / (1 + std::exp(-(s.slope * x[i] + s.intercept)));
      const double d = q - y[i], w = q * (1 - q);
      g_a += d * x[i];
      g_b += d;
      h_aa += w * x[i] * x[i];
      h_ab += w * x[i];
      h_bb += w;
    }
    const double det = h_aa * h_bb - h_ab * h_ab;
    if (!(det > 0)) break;
    double step_a = (h_bb * g_a - h_ab * g_b) / det, step_b = (h_aa * g_b - h_ab * g_a) / det;
    // Newton's step, halved until the likelihood improves (a full step can overshoot).
    double next = loss(s.slope - step_a, s.intercept - step_b);
    for (int halving = 0; halving < 40 && !(next < current); ++halving) {
      step_a /= 2;
      step_b /= 2;
      next = loss(s.slope - step_a, s.intercept - step_b);
    }
    if (!(next < current)) break;
    s.slope -= step_a;
    s.intercept -= step_b;
    const bool converged = current - next < 1e-12 * std::max(1.0, current);
    current = next;
    if (converged) break;
  }
  return s;
}

double expected_calibration_error(const std::vector<double>& probabilities, const std::vector<double>& labels,
                                  int bins) {
  std::vector<double> rows(bins, 0), predicted(bins, 0), observed(bins, 0);
  double total = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (std::isnan(labels[i]) || std::isnan(probabilities[i])) continue;
    const int b = std::min(bins - 1, static_cast<int>(probabilities[i] * bins));
    rows[b] += 1;
    predicted[b] += probabilities[i];
    observed[b] += labels[i];
    total += 1;
  }
  if (total == 0) return kNaN;
  double error = 0;
  for (int b = 0; b < bins; ++b)
    if (rows[b] > 0) error += std::fabs(observed[b] - predicted[b]);
  return error / total;
}

}  // namespace molsieve::models
