#include "models/metrics.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>

namespace molsieve::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Average ranks (1-based), ties sharing the mean of their positions.
std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}


// The predictions and observations of the rows where both are present (not NaN).
std::pair<std::vector<double>, std::vector<double>> labelled_pairs(const std::vector<double>& predicted,
                                                                   const std::vector<double>& observed) {
  std::vector<double> p, y;
  for (std::size_t i = 0; i < observed.size(); ++i)
    if (!std::isnan(observed[i]) && !std::isnan(predicted[i])) {
      p.push_back(predicted[i]);
      y.push_back(observed[i]);
    }
  return {p, y};
}

void drop_nan(std::map<std::string, double>& metrics) {
  for (auto it = metrics.begin(); it != metrics.end();) it = std::isnan(it->second) ? metrics.erase(it) : std::next(it);
}

}  // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<double>& labels) {
  const std::vector<double> ranks = average_ranks(scores);
  double positives = 0, rank_sum = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] > 0.5) {
      positives += 1;
      rank_sum += ranks[i];
    }
  const double negatives = static_cast<double>(labels.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

double average_precision(const std::vector<double>& scores, const std::vector<double>& labels) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  const double positives = static_cast<double>(
      std::count_if(labels.begin(), labels.end(), [](double y) { return y > 0.5; }));
  if (positives == 0) return kNaN;
  // One precision-recall point per distinct score (tied scores form one threshold).
  double ap = 0, true_positives = 0, previous_recall = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j)
      if (labels[order[j]] > 0.5) true_positives += 1;
    const double recall = true_positives / positives;
    const double precision = true_positives / static_cast<double>(j);
    ap += (recall - previous_recall) * precision;
    previous_recall = recall;
    i = j;
  }
  return ap;
}

double brier_score(const std::vector<double>& probabilities, const std::vector<double>& labels) {
  double sum = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    sum += (probabilities[i] - labels[i]) * (probabilities[i] - labels[i]);
  return labels.empty() ? kNaN : sum / static_cast<double>(labels.size());
}

double rmse(const std::vector<double>& predicted, const std::vector<double>& observed) {
  return std::sqrt(brier_score(predicted, observed));
}

double mae(const std::vector<double>& predicted, const std::vector<double>& observed) {
  double sum = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) sum += std::abs(predicted[i] - observed[i]);
  return observed.empty() ? kNaN : sum / static_cast<double>(observed.size());
}

double r_squared(const std::vector<double>& predicted, const std::vector<double>& observed) {
  if (observed.empty()) return kNaN;
  const double mean = std::accumulate(observed.begin(), observed.end(), 0.0) /
                      static_cast<double>(observed.size());
  double residual = 0, total = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    residual += (observed[i] - predicted[i]) * (observed[i] - predicted[i]);
    total += (observed[i] - mean) * (observed[i] - mean);
  }
  return total > 0 ? 1.0 - residual / total : kNaN;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() < 2) return kNaN;
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return (sxx > 0 && syy > 0) ? sxy / std::sqrt(sxx * syy) : kNaN;
}

double concordance_index(const std::vector<double>& predicted, const std::vector<double>& observed) {
  // Rows in order of the observed value; a Fenwick tree over prediction ranks counts, for
  // each row, the rows of strictly smaller observed value with a smaller or equal prediction.
  const std::size_t n = observed.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return observed[a] < observed[b]; });
  std::vector<double> sorted_predictions(predicted.begin(), predicted.end());
  std::sort(sorted_predictions.begin(), sorted_predictions.end());
  sorted_predictions.erase(std::unique(sorted_predictions.begin(), sorted_predictions.end()), sorted_predictions.end());
  auto rank_of = [&](double p) {
    return static_cast<std::size_t>(std::lower_bound(sorted_predictions.begin(), sorted_predictions.end(), p) -
                                    sorted_predictions.begin()) + 1;
  };
  std::vector<double> tree(sorted_predictions.size() + 1, 0.0);
  auto count_up_to = [&](std::size_t rank) {
    double c = 0;
    for (; rank > 0; rank -= rank & (~rank + 1)) c += tree[rank];
    return c;
  };
  double agreeing = 0, comparable = 0, inserted = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && observed[order[j]] == observed[order[i]]) ++j;
    for (std::size_t k = i; k < j; ++k) {
      const std::size_t rank = rank_of(predicted[order[k]]);
      const double below = count_up_to(rank - 1), tied = count_up_to(rank) - below;
      agreeing += below + 0.5 * tied;
      comparable += inserted;
    }
    for (std::size_t k = i; k < j; ++k)
      for (std::size_t rank = rank_of(predicted[order[k]]); rank < tree.size(); rank += rank & (~rank + 1))
        tree[rank] += 1;
    inserted += static_cast<double>(j - i);
    i = j;
  }
  return comparable > 0 ? agreeing / comparable : kNaN;
}

double spearman(const std::vector<double>& predicted, const std::vector<double>& observed) {
  if (observed.size() < 2) return kNaN;
  return pearson(average_ranks(predicted), average_ranks(observed));
}

std::map<std::string, double> task_metrics(TaskType type, const std::vector<double>& predicted,
                                           const std::vector<double>& labels) {
  const auto [p, y] = labelled_pairs(predicted, labels);
  std::map<std::string, double> out;
  out["count"] = static_cast<double>(y.size());
  if (type == TaskType::Classification) {
    out["positives"] = static_cast<double>(std::count(y.begin(), y.end(), 1.0));
    out["roc_auc"] = roc_auc(p, y);
    out["pr_auc"] = average_precision(p, y);
    out["brier"] = brier_score(p, y);
  } else {
    out["rmse"] = rmse(p, y);
    out["mae"] = mae(p, y);
    out["r2"] = r_squared(p, y);
    out["spearman"] = spearman(p, y);
  }
  drop_nan(out);
  return out;
}

std::map<std::string, double> affinity_metrics(const std::vector<double>& predicted, const std::vector<double>& observed,
                                               double active_threshold) {
  const auto [p, y] = labelled_pairs(predicted, observed);
  std::map<std::string, double> out;
  out["count"] = static_cast<double>(y.size());
  if (y.empty()) return out;
  const double r = rmse(p, y);
  out["rmse"] = r;
  out["mse"] = r * r;
  out["ci"] = concordance_index(p, y);
  out["pearson"] = pearson(p, y);
  out["spearman"] = spearman(p, y);
  if (!std::isnan(active_threshold)) {
    std::vector<double> active;
    for (double v : y) active.push_back(v >= active_threshold ? 1.0 : 0.0);
    out["roc_auc_active"] = roc_auc(p, active);
  }
  drop_nan(out);
  return out;
}

const char* selection_metric_name(TaskType type) {
  return type == TaskType::Classification ? "roc_auc" : "rmse";
}

}  // namespace molsieve::models
