#include "models/training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "chem/graph_features.h"
#include "chem/scaffold.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "models/applicability.h"
#include "models/calibration.h"
#include "models/early_stopping.h"
#include "models/metrics.h"
#include "models/model_state.h"
#include "models/pretrained_encoder.h"

namespace molsieve::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Labels as a [rows, tasks] tensor with missing values 0, and the mask of present ones.
std::pair<torch::Tensor, torch::Tensor> labels_and_mask(const std::vector<double>& labels,
                                                        std::int64_t rows, std::int64_t tasks) {
  auto y = torch::empty({rows, tasks});
  auto mask = torch::empty({rows, tasks});
  float* yd = y.data_ptr<float>();
  float* md = mask.data_ptr<float>();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool present = !std::isnan(labels[i]);
    yd[i] = present ? static_cast<float>(labels[i]) : 0.0f;
    md[i] = present ? 1.0f : 0.0f;
  }
  return {y, mask};
}

double mean_selection_metric(TaskType type, const std::vector<double>& predicted,
                             const MoleculeSet& data, const std::vector<std::size_t>& rows) {
  const std::size_t tasks = data.tasks;
  double sum = 0;
  int counted = 0;
  for (std::size_t t = 0; t < tasks; ++t) {
    std::vector<double> p(rows.size()), y(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      p[i] = predicted[i * tasks + t];
      y[i] = data.label(rows[i], t);
    }
    const auto metrics = task_metrics(type, p, y);
    const auto it = metrics.find(selection_metric_name(type));
    if (it != metrics.end()) {
      sum += it->second;
      ++counted;
    }
  }
  return counted ? sum / counted : kNaN;
}

// The training loss on the validation rows, from predictions in final units: masked and
// weighted binary cross-entropy, or squared error on standardized targets.
double validation_loss(const Model::State& s, const std::vector<double>& predicted, const MoleculeSet& data,
                       const std::vector<std::size_t>& rows) {
  const std::size_t tasks = data.tasks;
  double sum = 0, labels = 0;
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t t = 0; t < tasks; ++t) {
      const double y = data.label(rows[i], t);
      if (std::isnan(y)) continue;
      const double p = predicted[i * tasks + t];
      double loss;
      if (s.card.task_type == TaskType::Classification) {
        const double q = std::clamp(p, 1e-7, 1.0 - 1e-7);
        loss = -(y * std::log(q) + (1 - y) * std::log(1 - q));
      } else {
        loss = (p - y) * (p - y) / (s.target_std[t] * s.target_std[t]);
      }
      sum += s.card.task_weights[t] * loss;
      labels += 1;
    }
  return labels > 0 ? sum / labels : kNaN;
}

// Per task, the (mean, spread, label) of `rows`.
struct TaskColumns {
  std::vector<double> mean, spread, label;
};
TaskColumns task_columns(const Predictions& p, const MoleculeSet& data, const std::vector<std::size_t>& rows,
                         std::size_t task) {
  TaskColumns c;
  for (std::size_t row : rows) {
    c.mean.push_back(p.mean[row * p.tasks + task]);
    c.spread.push_back(p.std[row * p.tasks + task]);
    c.label.push_back(data.label(row, task));
  }
  return c;
}

TaskMetrics metrics_on(const TrainOptions& options, const Predictions& predictions,
                       const MoleculeSet& data, const std::vector<std::size_t>& rows) {
  TaskMetrics out;
  for (std::size_t t = 0; t < options.tasks.size(); ++t) {
    std::vector<double> p, y;
    for (std::size_t row : rows) {
      p.push_back(predictions.value(row, t));
      y.push_back(data.label(row, t));
    }
    out[options.tasks[t]] = task_metrics(options.task_type, p, y);
  }
  return out;
}

void check_labels(const MoleculeSet& data, const TrainOptions& options) {
  if (data.tasks != options.tasks.size() || options.tasks.empty())
    throw Error("give at least one target, and one label column per target");
  if (!options.task_weights.empty() && options.task_weights.size() != options.tasks.size())
    throw Error("--task-weights: give one weight per target (" + std::to_string(options.tasks.size()) + ")");
  for (std::size_t t = 0; t < data.tasks; ++t) {
    std::size_t present = 0;
    for (std::size_t row = 0; row < data.size(); ++row) {
      const double y = data.label(row, t);
      if (std::isnan(y)) continue;
      ++present;
      if (options.task_type == TaskType::Classification && y != 0.0 && y != 1.0)
        throw Error("target '" + options.tasks[t] + "', row " + std::to_string(row + 1) + ": label " +
                    std::to_string(y) + " is not 0 or 1 (classification)");
    }
    if (present == 0) throw Error("target '" + options.tasks[t] + "' has no labels");
  }
  if (options.epochs < 1) throw Error("--epochs must be at least 1");
  if (options.batch_size < 1) throw Error("--batch-size must be at least 1");
  if (options.ensemble < 1) throw Error("--ensemble must be at least 1");
  if (options.architecture.depth < 1 || options.architecture.hidden < 1 || options.architecture.ffn_layers < 1)
    throw Error("--depth, --hidden-size and --ffn-layers must be at least 1");
  if (!(options.architecture.dropout >= 0 && options.architecture.dropout < 1))
    throw Error("--dropout must be in [0, 1)");
  const int folded = options.architecture.fingerprint_features;
  const unsigned fp_bits = data.fingerprint_words * 64;
  if (!is_fingerprint_fold(folded, fp_bits))
    throw Error("--fingerprint-features " + std::to_string(folded) + ": give 0 or a divisor of the " +
                std::to_string(fp_bits) + "-bit fingerprint (e.g. " + std::to_string(fp_bits / 4) + ")");
}

void fit_scaling(Model::State& s, const MoleculeSet& data, const std::vector<std::size_t>& train) {
  auto mean_std = [&](auto value_of, double* mean, double* std) {
    double sum = 0, squares = 0, n = 0;
    for (std::size_t row : train) {
      const double v = value_of(row);
      if (!std::isfinite(v)) continue;
      sum += v;
      squares += v * v;
      n += 1;
    }
    *mean = n > 0 ? sum / n : 0.0;
    const double variance = n > 0 ? squares / n - *mean * *mean : 0.0;
    *std = variance > 1e-12 ? std::sqrt(variance) : 1.0;
  };
  if (s.card.task_type == TaskType::Regression) {
    s.target_mean.resize(data.tasks);
    s.target_std.resize(data.tasks);
    for (std::size_t t = 0; t < data.tasks; ++t) {
      mean_std([&](std::size_t row) { return data.label(row, t); }, &s.target_mean[t], &s.target_std[t]);
      s.card.target_scaling[s.card.tasks[t]] = {{"mean", s.target_mean[t]}, {"std", s.target_std[t]}};
    }
  }
  if (s.card.architecture.descriptors) {
    s.descriptor_mean.resize(chem::kDescriptorCount);
    s.descriptor_std.resize(chem::kDescriptorCount);
    for (int d = 0; d < chem::kDescriptorCount; ++d)
      mean_std([&](std::size_t row) { return data.descriptors[row * chem::kDescriptorCount + d]; },
               &s.descriptor_mean[d], &s.descriptor_std[d]);
  }
}

// Training fingerprints, and the quantiles of each training molecule's similarity to its
// nearest other training molecule: the reference for the applicability domain.
void fit_applicability(Model::State& s, const MoleculeSet& data, const std::vector<std::size_t>& train) {
  const std::size_t words = data.fingerprint_words;
  s.training_fingerprints.clear();
  for (std::size_t row : train)
    s.training_fingerprints.insert(s.training_fingerprints.end(), data.fingerprints.begin() + row * words,
                                   data.fingerprints.begin() + (row + 1) * words);
  s.index_training_fingerprints();
  s.card.training_similarity_quantiles =
      nearest_neighbour_quantiles(*s.training_library, {s.training_fingerprints.data(), train.size(), words});
}

}  // namespace

torch::Tensor loss_tensor(TaskType type, const torch::Tensor& outputs, const torch::Tensor& y,
                          const torch::Tensor& mask, const torch::Tensor& weights) {
  const torch::Tensor per_label =
      type == TaskType::Classification
          ? torch::binary_cross_entropy_with_logits(outputs, y, {}, {}, at::Reduction::None)
          : (outputs - y).pow(2);
  // Missing labels are multiplied by zero: nothing in the loss, nothing in the gradients.
  return (per_label * mask * weights).sum() / mask.sum().clamp_min(1.0);
}

double learning_rate_at(const TrainOptions& o, std::size_t step, std::size_t steps_per_epoch) {
  const double warmup = o.warmup_epochs * static_cast<double>(steps_per_epoch);
  const double total = static_cast<double>(o.epochs) * static_cast<double>(steps_per_epoch);
  const double s = static_cast<double>(step);
  if (s < warmup) return o.init_lr + s * (o.max_lr - o.init_lr) / warmup;
  if (total <= warmup) return o.final_lr;
  return o.max_lr * std::pow(o.final_lr / o.max_lr, (s - warmup) / (total - warmup));
}

double masked_loss(TaskType type, const std::vector<float>& outputs, const std::vector<double>& labels,
                   const std::vector<double>& task_weights, std::vector<float>* output_gradients) {
  const auto tasks = static_cast<std::int64_t>(task_weights.size());
  const auto rows = static_cast<std::int64_t>(labels.size()) / tasks;
  auto x = torch::from_blob(const_cast<float*>(outputs.data()), {rows, tasks}, torch::kFloat32)
               .clone()
               .requires_grad_(true);
  const auto [y, mask] = labels_and_mask(labels, rows, tasks);
  const auto weights = torch::tensor(std::vector<float>(task_weights.begin(), task_weights.end()));
  torch::Tensor loss = loss_tensor(type, x, y, mask, weights);
  loss.backward();
  if (output_gradients) {
    const torch::Tensor g = x.grad().contiguous();
    output_gradients->assign(g.data_ptr<float>(), g.data_ptr<float>() + g.numel());
  }
  return loss.item<double>();
}

Split make_split(const MoleculeSet& data, const TrainOptions& options) {
  if (options.split == SplitKind::Given) {
    Split split;
    auto keep_valid = [&](const std::vector<std::size_t>& rows, std::vector<std::size_t>& out) {
      for (std::size_t row : rows)
        if (row < data.size() && data.valid(row)) out.push_back(row);
    };
    keep_valid(options.given_split.train, split.train);
    keep_valid(options.given_split.validation, split.validation);
    keep_valid(options.given_split.test, split.test);
    return split;
  }
  const std::vector<std::size_t> rows = data.valid_rows();
  if (options.split == SplitKind::Random) return random_split(rows, options.split_sizes, options.seed);
  std::vector<std::string> scaffolds;
  for (std::size_t row : rows) scaffolds.push_back(chem::murcko_scaffold_smiles(data.smiles[row]));
  return scaffold_split(rows, scaffolds, options.split_sizes, options.seed);
}

namespace {

// The interval and reliability measurements of one part, per task, into `metrics`: coverage
// by similarity band for regression (coverage_68_<band>, coverage_95_<band>, rows_<band>,
// rmse_<band>, half_width_95_<band>, and the same over the part without a band suffix),
// expected calibration error for classification; and the share inside the domain.
void record_calibration(const ModelCard& card, const MoleculeSet& data, const std::vector<std::size_t>& rows,
                        const Predictions& raw, const Predictions& calibrated, TaskMetrics& metrics) {
  if (rows.empty()) return;
  std::vector<double> similarity;
  std::size_t inside = 0;
  for (std::size_t row : rows) {
    similarity.push_back(raw.nearest_training_similarity[row]);
    inside += raw.nearest_training_similarity[row] >= card.domain_threshold;
  }
  for (std::size_t t = 0; t < card.tasks.size(); ++t) {
    auto& m = metrics[card.tasks[t]];
    m["in_domain_share"] = static_cast<double>(inside) / static_cast<double>(rows.size());
    const TaskColumns r = task_columns(raw, data, rows, t), c = task_columns(calibrated, data, rows, t);
    if (card.task_type == TaskType::Classification) {
      m["ece_uncalibrated"] = expected_calibration_error(r.mean, r.label);
      m["ece"] = expected_calibration_error(c.mean, c.label);
      m["brier_uncalibrated"] = brier_score(r.mean, r.label);
      continue;
    }
    const auto found = card.spread_calibration.find(card.tasks[t]);
    if (found == card.spread_calibration.end()) continue;
    record_band_coverage(coverage_by_band(found->second, r.mean, r.spread, similarity, r.label), m);
  }
}

// Fits the card's calibration on the validation part of `raw` (predictions made without any
// calibration), sets the applicability domain from it, and records the measurements of the
// validation and test parts, with the metrics recomputed on the calibrated predictions.
void fit_calibration(Model& model, const MoleculeSet& data, const TrainOptions& options, const Split& split,
                     const Predictions& raw) {
  ModelCard& card = model.card();
  std::vector<double> similarity;
  for (std::size_t row : split.validation) similarity.push_back(raw.nearest_training_similarity[row]);
  double threshold = 0;
  if (card.task_type == TaskType::Regression) {
    for (std::size_t t = 0; t < card.tasks.size(); ++t) {
      const TaskColumns v = task_columns(raw, data, split.validation, t);
      SpreadCalibration c = fit_spread_calibration(v.mean, v.spread, similarity, v.label);
      threshold = std::max(threshold, c.informative_from);
      card.spread_calibration[card.tasks[t]] = std::move(c);
    }
  } else {
    std::vector<double> probabilities, labels;
    for (std::size_t t = 0; t < card.tasks.size(); ++t) {
      const TaskColumns v = task_columns(raw, data, split.validation, t);
      card.probability_calibration[card.tasks[t]] = fit_platt_scaling(v.mean, v.label);
    }
    for (std::size_t row : split.validation)
      for (std::size_t t = 0; t < card.tasks.size(); ++t) {
        probabilities.push_back(card.probability_calibration[card.tasks[t]](raw.mean[row * raw.tasks + t]));
        labels.push_back(data.label(row, t));
      }
    threshold = classification_informative_from(probabilities, labels, card.tasks.size(), similarity);
  }
  card.domain_threshold = threshold;
  card.calibration_part = "validation (" + std::to_string(split.validation.size()) + " molecules)";
  Predictions calibrated = raw;  // the network need not run again
  apply_calibration(card, calibrated);
  card.validation_metrics = metrics_on(options, calibrated, data, split.validation);
  card.test_metrics = metrics_on(options, calibrated, data, split.test);
  record_calibration(card, data, split.validation, raw, calibrated, card.validation_metrics);
  record_calibration(card, data, split.test, raw, calibrated, card.test_metrics);
}

// Whether the options' metric (not the loss) picks the best epoch: a validation set with one
// class only has no ROC-AUC, and the loss picks the epoch there.
bool selects_by_metric(const MoleculeSet& data, const TrainOptions& options, const Split& split) {
  return options.selection == EpochSelection::Metric &&
         !std::isnan(mean_selection_metric(options.task_type, std::vector<double>(split.validation.size() * data.tasks, 0.5),
                                           data, split.validation));
}

// The card's description of the training: tasks, architecture, data, split and schedule.
void describe_training(ModelCard& card, const MoleculeSet& data, const TrainOptions& options, const Split& split,
                       bool select_by_metric) {
  card.name = options.name;
  card.task_type = options.task_type;
  card.tasks = options.tasks;
  card.task_weights = options.task_weights.empty() ? std::vector<double>(options.tasks.size(), 1.0)
                                                   : options.task_weights;
  card.architecture = options.architecture;
  card.ensemble = options.ensemble;
  card.graph_featurizer_version = chem::kGraphFeaturizerVersion;
  card.fp_bits = data.fingerprint_words * 64;
  card.training_data = options.data_path;
  card.training_sha256 = options.data_sha256;
  card.smiles_column = options.smiles_column;
  card.training_rows = data.size();
  card.training_invalid = data.size() - data.valid_rows().size();
  card.split = options.split;
  card.split_sizes = options.split_sizes;
  card.split_counts = {split.train.size(), split.validation.size(), split.test.size()};
  card.seed = options.seed;
  card.epochs = options.epochs;
  card.batch_size = options.batch_size;
  card.init_lr = options.init_lr;
  card.max_lr = options.max_lr;
  card.final_lr = options.final_lr;
  card.warmup_epochs = options.warmup_epochs;
  card.patience = options.patience;
  const bool classification = options.task_type == TaskType::Classification;
  if (select_by_metric)
    card.selection_metric = classification ? "validation mean ROC-AUC" : "validation mean RMSE";
  else
    card.selection_metric = classification ? "validation loss (masked binary cross-entropy)"
                                           : "validation loss (squared error on standardized targets)";
  card.command = options.command;
  card.tool_version = MOLSIEVE_VERSION;
  card.created = utc_timestamp();
}

// Training targets: regression targets standardized, classification labels as given.
std::vector<double> scaled_targets(const Model::State& s, const MoleculeSet& data, const TrainOptions& options) {
  std::vector<double> targets(data.labels);
  if (options.task_type == TaskType::Regression)
    for (std::size_t row = 0; row < data.size(); ++row)
      for (std::size_t t = 0; t < data.tasks; ++t)
        targets[row * data.tasks + t] = (targets[row * data.tasks + t] - s.target_mean[t]) / s.target_std[t];
  return targets;
}

// What one member's training shares with the others.
struct MemberInputs {
  const MoleculeSet& data;
  const Split& split;
  const TrainOptions& options;
  const std::vector<double>& targets;  // scaled_targets
  const torch::Tensor& task_weights;   // on the training device
  bool select_by_metric;
  const EpochCallback& on_epoch;
  const PretrainedEncoder* encoder;  // null: random initialisation
};

// What an epoch's optimizer steps add up to.
struct EpochLoss {
  double sum = 0;            // the loss summed over the training rows
  double learning_rate = 0;  // of the epoch's last step
};

// One epoch of one member: the training rows shuffled with the member's `seed`, an optimizer
// step per batch. `step` counts the batches of every epoch so far: the schedule's clock.
EpochLoss train_epoch(const Model::State& s, const MemberInputs& in, Dmpnn& network,
                                      torch::optim::Adam& optimizer, std::uint64_t seed, int epoch, std::size_t& step) {
  const MoleculeSet& data = in.data;
  const TrainOptions& options = in.options;
  const auto tasks = static_cast<std::int64_t>(options.tasks.size());
  const std::size_t batch_size = static_cast<std::size_t>(options.batch_size);
  const std::size_t steps_per_epoch = (in.split.train.size() + batch_size - 1) / batch_size;
  network->train();
  std::vector<std::size_t> order = in.split.train;
  seeded_shuffle(order, seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
  EpochLoss out;
  out.learning_rate = options.init_lr;
  for (std::size_t first = 0; first < order.size(); first += batch_size) {
    const std::vector<std::size_t> rows(order.begin() + first,
                                        order.begin() + std::min(order.size(), first + batch_size));
    std::vector<const chem::MolGraph*> graphs;
    std::vector<double> batch_labels;
    for (std::size_t row : rows) {
      graphs.push_back(&data.graphs[row]);
      batch_labels.insert(batch_labels.end(), in.targets.begin() + row * data.tasks,
                          in.targets.begin() + (row + 1) * data.tasks);
    }
    const GraphBatch batch =
        make_batch(graphs, s.molecule_inputs(data, rows), s.molecule_input_count()).to(s.device);
    auto [y, mask] = labels_and_mask(batch_labels, static_cast<std::int64_t>(rows.size()), tasks);
    out.learning_rate = learning_rate_at(options, step++, steps_per_epoch);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(out.learning_rate);
    optimizer.zero_grad();
    torch::Tensor loss =
        loss_tensor(options.task_type, network->forward(batch), y.to(s.device), mask.to(s.device), in.task_weights);
    loss.backward();
    optimizer.step();
    out.sum += loss.item<double>() * static_cast<double>(rows.size());
  }
  return out;
}

// One network seeded with options.seed + member, at its best epoch (TrainOptions::selection).
Dmpnn train_member(const Model::State& s, const MemberInputs& in, unsigned member, int* best_epoch) {
  const MoleculeSet& data = in.data;
  const TrainOptions& options = in.options;
  const bool classification = options.task_type == TaskType::Classification;
  const std::uint64_t member_seed = options.seed + member;
  torch::manual_seed(member_seed);
  Dmpnn network(options.architecture, s.molecule_input_count(), static_cast<int>(options.tasks.size()));
  initialize_parameters(*network);
  if (in.encoder) in.encoder->start(*network);
  network->to(s.device);
  torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(options.init_lr));
  EarlyStopping stopping(options.patience);
  std::size_t step = 0;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const EpochLoss train_loss = train_epoch(s, in, network, optimizer, member_seed, epoch, step);
    const std::vector<double> predicted = member_predictions(s, network, data, in.split.validation, 256);
    const double loss = validation_loss(s, predicted, data, in.split.validation);
    const double metric = mean_selection_metric(options.task_type, predicted, data, in.split.validation);
    const double cost = !in.select_by_metric ? loss : classification ? -metric : metric;  // lower is better
    const bool improved = stopping.observe(epoch, cost, *network);
    if (in.on_epoch) {
      EpochReport report;
      report.member = member + 1;
      report.members = options.ensemble;
      report.epoch = epoch;
      report.epochs = options.epochs;
      report.train_loss = train_loss.sum / static_cast<double>(in.split.train.size());
      report.validation_loss = loss;
      report.validation = metric;
      report.metric = selection_metric_name(options.task_type);
      report.learning_rate = train_loss.learning_rate;
      report.best = improved;
      report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
      in.on_epoch(report);
    }
    if (stopping.should_stop()) break;
  }
  *best_epoch = stopping.restore_best(*network);
  return network;
}

}  // namespace

Model train_model(const MoleculeSet& data, const TrainOptions& options, const EpochCallback& on_epoch) {
  check_labels(data, options);
  const auto start = std::chrono::steady_clock::now();
  const Split split = make_split(data, options);
  if (split.train.empty() || split.validation.empty())
    throw Error("too few valid molecules (" + std::to_string(data.valid_rows().size()) +
                ") for a training and a validation set");

  Model model;
  Model::State& s = model.state();
  ModelCard& card = s.card;
  const bool select_by_metric = selects_by_metric(data, options, split);
  describe_training(card, data, options, split, select_by_metric);
  fit_scaling(s, data, split.train);
  fit_applicability(s, data, split.train);
  model.use_device(options.device);

  const auto weights = torch::tensor(std::vector<float>(card.task_weights.begin(), card.task_weights.end()))
                           .to(s.device);
  const std::vector<double> targets = scaled_targets(s, data, options);
  const std::unique_ptr<PretrainedEncoder> encoder = load_pretrained_encoder(options.pretrained_encoder, card);
  const MemberInputs inputs{data, split, options, targets, weights, select_by_metric, on_epoch, encoder.get()};
  for (unsigned member = 0; member < options.ensemble; ++member) {
    int best_epoch = 0;
    s.members.push_back(train_member(s, inputs, member, &best_epoch));
    card.best_epochs.push_back(best_epoch);
  }

  // Made before any calibration existed: the raw ensemble statistics the calibration is fitted on.
  const Predictions raw = model.predict(data);
  fit_calibration(model, data, options, split, raw);
  card.training_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

void calibrate(Model& model, const MoleculeSet& data, const Split& split) {
  ModelCard& card = model.card();
  card.spread_calibration.clear();
  card.probability_calibration.clear();
  TrainOptions options;
  options.task_type = card.task_type;
  options.tasks = card.tasks;
  Predictions raw = model.predict(data);
  if (!card.imported_from.empty()) {
    // One model without a training set (models/chemprop_import.h): no spread and no distance,
    // so the held-out residuals fit one band that every molecule falls in (apply_calibration).
    for (double& spread : raw.std) spread = std::isnan(spread) ? 0.0 : spread;
    std::fill(raw.nearest_training_similarity.begin(), raw.nearest_training_similarity.end(), 0.0);
  }
  fit_calibration(model, data, options, split, raw);
}

}  // namespace molsieve::models
