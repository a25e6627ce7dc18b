// Training of drug-target models: each member on ligand x protein blocks of the training
// grid, early stopping on the validation MSE, then the spread scale and the card's metrics.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <memory>
#include <numeric>
#include <tuple>

#include "core/error.h"
#include "core/timestamp.h"
#include "models/applicability.h"
#include "models/calibration.h"
#include "models/drug_target.h"
#include "models/drug_target_state.h"
#include "models/early_stopping.h"
#include "models/metrics.h"
#include "models/model_state.h"
#include "models/pretrained_encoder.h"
#include "models/torch_device.h"
#include "models/training.h"

namespace molsieve::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Where each pair of a split sits in a ligands x proteins grid, by part.
struct PartGrid {
  std::vector<float> scaled;  // ligands x proteins, NaN where the part measured nothing
  std::vector<std::size_t> ligands, proteins;  // those with a measured pair in the part
};

PartGrid part_grid(const PairSet& data, const std::vector<std::size_t>& pairs, double mean, double std) {
  PartGrid grid;
  const std::size_t proteins = data.proteins.size();
  grid.scaled.assign(data.ligands.size() * proteins, std::numeric_limits<float>::quiet_NaN());
  std::vector<char> ligand_used(data.ligands.size(), 0), protein_used(proteins, 0);
  for (std::size_t pair : pairs) {
    const std::size_t l = data.ligand[pair], p = data.protein[pair];
    if (!data.ligands.valid(l)) continue;
    grid.scaled[l * proteins + p] = static_cast<float>((data.affinity[pair] - mean) / std);
    ligand_used[l] = protein_used[p] = 1;
  }
  for (std::size_t l = 0; l < ligand_used.size(); ++l)
    if (ligand_used[l]) grid.ligands.push_back(l);
  for (std::size_t p = 0; p < protein_used.size(); ++p)
    if (protein_used[p]) grid.proteins.push_back(p);
  return grid;
}

// Predictions of `networks` for `pairs` of `data`, with their raw (unscaled) spread: a grid
// over only the ligands and proteins they name (the validation part each epoch, not the
// whole matrix).
struct PartPredictions {
  std::vector<double> mean, spread;
};

PartPredictions predict_part(const DrugTargetModel::State& s, const std::vector<DrugTargetNet>& networks, const PairSet& data,
                             const std::vector<std::size_t>& pairs) {
  std::vector<std::size_t> ligand_at(data.ligands.size(), SIZE_MAX), protein_at(data.proteins.size(), SIZE_MAX);
  std::vector<std::size_t> ligand_rows;
  std::vector<std::string> sequences;
  for (std::size_t pair : pairs) {
    const std::size_t l = data.ligand[pair], p = data.protein[pair];
    if (ligand_at[l] == SIZE_MAX) {
      ligand_at[l] = ligand_rows.size();
      ligand_rows.push_back(l);
    }
    if (protein_at[p] == SIZE_MAX) {
      protein_at[p] = sequences.size();
      sequences.push_back(data.proteins.sequence(p));
    }
  }
  const AffinityGrid grid = s.grid(networks, ligand_subset(data.ligands, ligand_rows), sequences);
  PartPredictions out;
  for (std::size_t pair : pairs) {
    const std::size_t at = ligand_at[data.ligand[pair]] * sequences.size() + protein_at[data.protein[pair]];
    out.mean.push_back(grid.mean[at]);
    out.spread.push_back(grid.spread[at]);
  }
  return out;
}

std::vector<double> values_at(const std::vector<double>& values, const std::vector<std::size_t>& pairs) {
  std::vector<double> out;
  for (std::size_t pair : pairs) out.push_back(values[pair]);
  return out;
}

// What one member's training shares with the others.
struct MemberInputs {
  const PairSet& data;
  const Split& split;
  const PartGrid& train;
  const torch::Tensor& protein_inputs;  // every protein of the data, encoder inputs
  const DrugTargetOptions& options;
  const std::function<void(const DrugTargetEpoch&)>& on_epoch;
  const PretrainedEncoder* encoder;  // null: the ligand encoder starts at random
};

// The learning-rate schedule of the molecule models, with the drug-target options' values.
TrainOptions learning_rate_schedule(const DrugTargetOptions& options) {
  TrainOptions schedule;
  schedule.epochs = options.epochs;
  schedule.init_lr = options.init_lr;
  schedule.max_lr = options.max_lr;
  schedule.final_lr = options.final_lr;
  schedule.warmup_epochs = options.warmup_epochs;
  return schedule;
}

// What an epoch's optimizer steps add up to.
struct EpochLoss {
  double sum = 0, labels = 0;  // the loss summed over the measured labels, and their count
  double learning_rate = 0;    // of the epoch's last step
};

// One epoch of one member: the training ligands and proteins shuffled with the member's
// `seed`, in blocks of ligand_batch x protein_batch, an optimizer step per block that holds a
// measured pair. `step` counts the blocks of every epoch so far: the schedule's clock.
EpochLoss train_epoch(const DrugTargetModel::State& s, const MemberInputs& in, DrugTargetNet& network,
                      torch::optim::Adam& optimizer, std::uint64_t seed, int epoch, std::size_t& step) {
  const DrugTargetOptions& options = in.options;
  const std::size_t ligand_batch = static_cast<std::size_t>(std::max(options.ligand_batch, 1));
  const std::size_t protein_batch = static_cast<std::size_t>(std::max(options.protein_batch, 1));
  const std::size_t steps_per_epoch = ((in.train.ligands.size() + ligand_batch - 1) / ligand_batch) *
                                      ((in.train.proteins.size() + protein_batch - 1) / protein_batch);
  const TrainOptions schedule = learning_rate_schedule(options);
  const std::size_t protein_count = in.data.proteins.size();
  network->train();
  std::vector<std::size_t> ligands = in.train.ligands, proteins = in.train.proteins;
  seeded_shuffle(ligands, seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
  seeded_shuffle(proteins, seed * 2000003ULL + static_cast<std::uint64_t>(epoch));
  EpochLoss out;
  out.learning_rate = options.init_lr;
  for (std::size_t lf = 0; lf < ligands.size(); lf += ligand_batch) {
    const std::vector<std::size_t> rows(ligands.begin() + lf, ligands.begin() + std::min(ligands.size(), lf + ligand_batch));
    const GraphBatch graphs = ligand_graphs(in.data.ligands, rows, options.ligand.fingerprint_features).to(s.device);
    for (std::size_t pf = 0; pf < proteins.size(); pf += protein_batch) {
      const std::vector<std::size_t> columns(proteins.begin() + pf,
                                             proteins.begin() + std::min(proteins.size(), pf + protein_batch));
      std::vector<float> labels(rows.size() * columns.size());
      for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < columns.size(); ++j)
          labels[i * columns.size() + j] = in.train.scaled[rows[i] * protein_count + columns[j]];
      const auto measured = std::count_if(labels.begin(), labels.end(), [](float v) { return !std::isnan(v); });
      ++step;
      if (measured == 0) continue;
      out.learning_rate = learning_rate_at(schedule, step - 1, steps_per_epoch);
      for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(out.learning_rate);
      const auto shape = std::vector<std::int64_t>{static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(columns.size())};
      torch::Tensor y = torch::from_blob(labels.data(), shape, torch::kFloat32).clone();
      const torch::Tensor mask = (~torch::isnan(y)).to(torch::kFloat32).to(s.device);
      y = torch::nan_to_num(y, 0.0).to(s.device);
      const torch::Tensor index = torch::tensor(std::vector<std::int64_t>(columns.begin(), columns.end()), torch::kInt64);
      optimizer.zero_grad();
      const torch::Tensor predicted = network->pairs(network->encode_ligands(graphs),
                                                     network->encode_proteins(in.protein_inputs.index_select(0, index).to(s.device)));
      // The molecule models' masked loss, with the block's proteins as its tasks.
      const torch::Tensor loss = loss_tensor(TaskType::Regression, predicted, y, mask,
                                             torch::ones({static_cast<std::int64_t>(columns.size())}, y.options()));
      loss.backward();
      optimizer.step();
      out.sum += loss.item<double>() * static_cast<double>(measured);
      out.labels += static_cast<double>(measured);
    }
  }
  return out;
}

// One network seeded with options.seed + member, at its best epoch by validation MSE.
DrugTargetNet train_member(const DrugTargetModel::State& s, const MemberInputs& in, unsigned member, int* best_epoch) {
  const DrugTargetOptions& options = in.options;
  const std::uint64_t seed = options.seed + member;
  torch::manual_seed(seed);
  DrugTargetNet network(options.ligand, options.protein);
  initialize_parameters(*network);
  if (in.encoder) in.encoder->start(*network, "ligand.");
  network->to(s.device);

  torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(options.init_lr));
  EarlyStopping stopping(options.patience);
  std::size_t step = 0;
  const std::vector<double> validation_values = values_at(in.data.affinity, in.split.validation);
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const EpochLoss loss = train_epoch(s, in, network, optimizer, seed, epoch, step);
    const auto validation =
        affinity_metrics(predict_part(s, {network}, in.data, in.split.validation).mean, validation_values);
    const double mse = validation.count("mse") ? validation.at("mse") : kNaN;
    bool improved = false;
    if (in.split.validation.empty())
      stopping.keep(epoch, *network);
    else
      improved = stopping.observe(epoch, mse, *network);
    if (in.on_epoch) {
      DrugTargetEpoch report;
      report.member = member;
      report.members = options.ensemble;
      report.epoch = epoch;
      report.epochs = options.epochs;
      report.train_loss = loss.labels > 0 ? loss.sum / loss.labels : kNaN;
      report.validation_mse = mse;
      report.learning_rate = loss.learning_rate;
      report.best = improved;
      report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
      in.on_epoch(report);
    }
    if (stopping.should_stop()) break;
  }
  *best_epoch = stopping.restore_best(*network);
  return network;
}

// Does the domain tell better predictions from worse? For `pairs`: the share inside it (ligand
// and protein), the MSE inside and outside, and the MSE by the protein's sequence identity to
// the nearest training protein (bins from 0.3 to 0.9 and 1: the same sequence), from which
// the identity threshold is read (docs/models.md). `similarity`: each ligand's to the nearest
// training ligand.
void record_domain_errors(const DrugTargetModel& model, const PairSet& data, const std::vector<std::size_t>& pairs,
                          const std::vector<double>& predicted, const std::vector<double>& similarity,
                          std::map<std::string, double>& metrics) {
  if (pairs.empty()) return;
  std::vector<double> identity(data.proteins.size(), kNaN);
  constexpr double kBins[] = {0.0, 0.3, 0.4, 0.5, 0.7, 0.9, 1.0};
  constexpr const char* kBinNames[] = {"below_30", "30_40", "40_50", "50_70", "70_90", "90_100", "100"};
  std::map<std::string, std::pair<double, double>> sums;  // key -> (squared error, count)
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::size_t pair = pairs[i];
    if (std::isnan(predicted[i])) continue;
    const std::size_t p = data.protein[pair];
    if (std::isnan(identity[p])) identity[p] = model.nearest_training_identity(data.proteins.sequence(p));
    const bool inside = similarity[data.ligand[pair]] >= model.card().domain_threshold &&
                        identity[p] >= model.card().protein_identity_threshold;
    const double error = (predicted[i] - data.affinity[pair]) * (predicted[i] - data.affinity[pair]);
    std::size_t bin = 0;
    while (bin + 1 < std::size(kBins) && identity[p] >= kBins[bin + 1]) ++bin;
    for (const std::string& key : {std::string(inside ? "in_domain" : "out_of_domain"),
                                   std::string("protein_identity_") + kBinNames[bin]}) {
      sums[key].first += error;
      sums[key].second += 1;
    }
  }
  const double inside = sums.count("in_domain") ? sums["in_domain"].second : 0.0;
  const double outside = sums.count("out_of_domain") ? sums["out_of_domain"].second : 0.0;
  if (inside + outside > 0) metrics["in_domain_share"] = inside / (inside + outside);
  for (const auto& [key, sum] : sums) {
    metrics["mse_" + key] = sum.first / sum.second;
    metrics["count_" + key] = sum.second;
  }
}

// The training affinities (pairs of `split.train` with a valid ligand); throws for options the
// data cannot take.
std::vector<double> checked_training_values(const PairSet& data, const Split& split, const DrugTargetOptions& options) {
  std::vector<double> train_values;
  for (std::size_t pair : split.train)
    if (data.ligands.valid(data.ligand[pair])) train_values.push_back(data.affinity[pair]);
  if (train_values.empty()) throw Error(options.data_path + ": the split leaves no training pair with a valid ligand");
  if (options.ensemble < 1) throw Error("--ensemble: at least one network");
  if (!is_fingerprint_fold(options.ligand.fingerprint_features, static_cast<unsigned>(data.ligands.fingerprint_words * 64)))
    throw Error("--fingerprint-features " + std::to_string(options.ligand.fingerprint_features) + ": give 0 or a divisor of the " +
                std::to_string(data.ligands.fingerprint_words * 64) + "-bit fingerprint");
  return train_values;
}

// The card's description of the training: task, architecture, data, split and schedule.
void describe_training(ModelCard& card, const PairSet& data, const Split& split, const DrugTargetOptions& options) {
  card.name = options.name;
  card.task_type = TaskType::Regression;
  card.tasks = {options.affinity_column};
  card.task_weights = {1.0};
  card.architecture = options.ligand;
  card.ensemble = options.ensemble;
  card.protein = options.protein;
  card.graph_featurizer_version = chem::kGraphFeaturizerVersion;
  card.training_data = options.data_path;
  card.training_sha256 = options.data_sha256;
  card.smiles_column = options.smiles_column;
  card.protein_column = options.protein_column;
  card.training_rows = data.size();
  for (std::size_t l = 0; l < data.ligands.size(); ++l) card.training_invalid += data.ligands.valid(l) ? 0 : 1;
  card.split = SplitKind::Given;
  card.split_sizes = options.split_sizes;
  card.split_counts = {split.train.size(), split.validation.size(), split.test.size()};
  card.seed = options.seed;
  card.epochs = options.epochs;
  card.batch_size = options.ligand_batch;
  card.init_lr = options.init_lr;
  card.max_lr = options.max_lr;
  card.final_lr = options.final_lr;
  card.warmup_epochs = options.warmup_epochs;
  card.patience = options.patience;
  card.selection_metric = "validation MSE";
  card.command = options.command;
  card.tool_version = MOLSIEVE_VERSION;
  card.created = utc_timestamp();
}

// The applicability domain's reference: the fingerprints of the ligands and the proteins
// with a training pair, and the quantiles of each training ligand's similarity to its
// nearest other one.
void fit_training_domain(DrugTargetModel::State& s, const PairSet& data, const PartGrid& train,
                         double protein_identity_threshold) {
  ModelCard& card = s.card;
  const std::size_t words = data.ligands.fingerprint_words;
  card.fp_bits = static_cast<unsigned>(words * 64);
  for (std::size_t l : train.ligands)
    s.training_fingerprints.insert(s.training_fingerprints.end(), data.ligands.fingerprints.begin() + l * words,
                                   data.ligands.fingerprints.begin() + (l + 1) * words);
  s.index_training_fingerprints();
  card.training_similarity_quantiles =
      nearest_neighbour_quantiles(*s.training_library, {s.training_fingerprints.data(), train.ligands.size(), words});
  card.domain_threshold = card.training_similarity_quantiles.at("p05");  // until calibration measures it
  card.protein_identity_threshold = protein_identity_threshold;
  for (std::size_t p : train.proteins) s.training_proteins.push_back(static_cast<std::uint32_t>(p));
}

}  // namespace

// Each part is predicted once; the intervals, the domain and every metric read these predictions.
void calibrate_drug_target(DrugTargetModel& model, const PairSet& data, const Split& split, double active_threshold) {
  DrugTargetModel::State& s = model.state();
  ModelCard& card = s.card;
  const std::string& task = card.tasks.at(0);
  card.spread_calibration.clear();
  const PartPredictions validation = predict_part(s, s.members, data, split.validation);
  const PartPredictions test = predict_part(s, s.members, data, split.test);
  const std::vector<double> similarity = model.nearest_training_similarity(data.ligands);
  const auto ligand_similarity = [&](const std::vector<std::size_t>& pairs) {
    std::vector<double> out;
    for (std::size_t pair : pairs) out.push_back(similarity[data.ligand[pair]]);
    return out;
  };
  card.validation_metrics.erase(task);
  card.test_metrics.erase(task);
  // One network has no spread: its intervals come from the validation residuals alone, band
  // by band, which is what lets a held-out single network report coverage on its test part.
  // Its domain stays the training ligands' 5th-percentile rule: what ships is an ensemble.
  if (!split.validation.empty()) {
    std::vector<std::size_t> ligand_of_pair;
    for (std::size_t pair : split.validation) ligand_of_pair.push_back(static_cast<std::size_t>(data.ligand[pair]));
    card.spread_calibration[task] =
        fit_spread_calibration(validation.mean, validation.spread, ligand_similarity(split.validation),
                               values_at(data.affinity, split.validation), ligand_of_pair);
    if (s.members.size() > 1) card.domain_threshold = card.spread_calibration[task].informative_from;
    card.calibration_part = "validation (" + std::to_string(split.validation.size()) + " pairs)";
  }
  const std::tuple<const std::vector<std::size_t>*, const PartPredictions*, std::map<std::string, double>*> parts[] = {
      {&split.validation, &validation, &card.validation_metrics[task]}, {&split.test, &test, &card.test_metrics[task]}};
  for (const auto& [pairs, predicted, metrics] : parts) {
    if (pairs->empty()) continue;
    const auto measured = affinity_metrics(predicted->mean, values_at(data.affinity, *pairs), active_threshold);
    metrics->insert(measured.begin(), measured.end());
    if (!std::isnan(active_threshold)) (*metrics)["active_threshold"] = active_threshold;
    if (!card.spread_calibration.empty())
      record_band_coverage(coverage_by_band(card.spread_calibration.at(task), predicted->mean, predicted->spread,
                                            ligand_similarity(*pairs), values_at(data.affinity, *pairs)),
                           *metrics);
    record_domain_errors(model, data, *pairs, predicted->mean, similarity, *metrics);
  }
}

DrugTargetModel train_drug_target(const PairSet& data, const Split& split, const DrugTargetOptions& options,
                                  const std::function<void(const DrugTargetEpoch&)>& on_epoch) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> train_values = checked_training_values(data, split, options);

  auto state = std::make_unique<DrugTargetModel::State>();
  DrugTargetModel::State& s = *state;
  s.proteins = data.proteins;
  s.target_mean = std::accumulate(train_values.begin(), train_values.end(), 0.0) / static_cast<double>(train_values.size());
  double squares = 0;
  for (double v : train_values) squares += (v - s.target_mean) * (v - s.target_mean);
  s.target_std = std::max(std::sqrt(squares / static_cast<double>(train_values.size())), 1e-6);
  ModelCard& card = s.card;
  describe_training(card, data, split, options);
  card.target_scaling[options.affinity_column] = {{"mean", s.target_mean}, {"std", s.target_std}};

  std::string chosen;
  s.device = torch_device(options.device, &chosen);
  const PartGrid train = part_grid(data, split.train, s.target_mean, s.target_std);
  fit_training_domain(s, data, train, options.protein_identity_threshold);
  std::vector<std::string> all_sequences;
  for (std::size_t p = 0; p < data.proteins.size(); ++p) all_sequences.push_back(data.proteins.sequence(p));
  const torch::Tensor all_inputs = protein_inputs(options.protein, all_sequences);

  const std::unique_ptr<PretrainedEncoder> encoder = load_pretrained_encoder(options.pretrained_encoder, card);
  const MemberInputs inputs{data, split, train, all_inputs, options, on_epoch, encoder.get()};
  for (unsigned member = 0; member < options.ensemble; ++member) {
    int best_epoch = 0;
    s.members.push_back(train_member(s, inputs, member, &best_epoch));
    card.best_epochs.push_back(best_epoch);
  }
  DrugTargetModel model(std::move(state));
  calibrate_drug_target(model, data, split, options.active_threshold);
  model.card().training_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

}  // namespace molsieve::models
