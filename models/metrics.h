#pragma once
// Evaluation metrics, computed as scikit-learn defines them. Labels are per task with NaN
// for missing values; missing labels are left out of every metric.
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "models/model_card.h"

namespace molsieve::models {

// Area under the ROC curve (ties count one half: the Mann-Whitney statistic, as
// sklearn.metrics.roc_auc_score). NaN when the labels hold only one class.
double roc_auc(const std::vector<double>& scores, const std::vector<double>& labels);
// Area under the precision-recall curve as average precision (sklearn's
// average_precision_score: precision summed over recall steps). NaN without positives.
double average_precision(const std::vector<double>& scores, const std::vector<double>& labels);
double brier_score(const std::vector<double>& probabilities, const std::vector<double>& labels);
double rmse(const std::vector<double>& predicted, const std::vector<double>& observed);
double mae(const std::vector<double>& predicted, const std::vector<double>& observed);
// Coefficient of determination, 1 - SS_res / SS_tot (sklearn's r2_score).
double r_squared(const std::vector<double>& predicted, const std::vector<double>& observed);
double pearson(const std::vector<double>& predicted, const std::vector<double>& observed);
// Concordance index (Gönen and Heller; DeepDTA's CI): over all pairs whose observed values
// differ, the share ordered the same way by the prediction, a tied prediction counting one
// half. NaN when no pair differs. O(n log n).
double concordance_index(const std::vector<double>& predicted, const std::vector<double>& observed);
// Pearson correlation of average ranks (scipy.stats.spearmanr).
double spearman(const std::vector<double>& predicted, const std::vector<double>& observed);

// The metrics of one task type, by name: roc_auc, pr_auc, brier (classification);
// rmse, mae, r2, spearman (regression). Rows whose label is NaN are left out; `count`
// (and `positives` for classification) says how many remained. NaN metrics are omitted.
std::map<std::string, double> task_metrics(TaskType type, const std::vector<double>& predicted,
                                           const std::vector<double>& labels);

// Metrics of predicted against observed affinities (drug-target models): count, mse, rmse,
// ci (concordance index), pearson, spearman, and with `active_threshold` set, the ROC-AUC of
// observed >= threshold (Davis: pKd 7). Pairs with a NaN on either side are left out; NaN
// metrics are omitted.
std::map<std::string, double> affinity_metrics(const std::vector<double>& predicted, const std::vector<double>& observed,
                                               double active_threshold = std::numeric_limits<double>::quiet_NaN());

// The metric shown per epoch: mean ROC-AUC over tasks or mean RMSE in the targets' units.
const char* selection_metric_name(TaskType type);

}  // namespace molsieve::models
