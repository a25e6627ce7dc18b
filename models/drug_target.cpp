#include "models/drug_target.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <numeric>
#include <tuple>

#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/timestamp.h"
#include "models/applicability.h"
#include "models/calibration.h"
#include "models/drug_target_net.h"
#include "models/metrics.h"
#include "models/model_state.h"
#include "models/module_store.h"
#include "models/proteins.h"
#include "models/torch_device.h"
#include "models/training.h"

namespace molsieve::models {
namespace {

constexpr const char* kSchema = "molsieve drug-target model store";
constexpr int kSchemaVersion = 2;  // 2: an ensemble of networks under /members
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kLigandsPerPass = 256;  // prediction: ligands encoded per forward pass

// The ligands `rows` as a D-MPNN batch, with their Morgan fingerprints folded to `folded`
// bits as extra inputs of the ligand encoder's readout (none for 0).
GraphBatch ligand_graphs(const MoleculeSet& set, const std::vector<std::size_t>& rows, int folded) {
  std::vector<const chem::MolGraph*> graphs;
  for (std::size_t row : rows) graphs.push_back(&set.graphs[row]);
  std::vector<float> inputs(rows.size() * static_cast<std::size_t>(folded));
  const std::size_t words = set.fingerprint_words;
  for (std::size_t i = 0; folded > 0 && i < rows.size(); ++i)
    fold_fingerprint(&set.fingerprints[rows[i] * words], words, static_cast<std::size_t>(folded), &inputs[i * folded]);
  return make_batch(graphs, inputs, folded);
}

// A set of the rows of `set` that a ligand batch reads (ids, errors, graphs, fingerprints).
MoleculeSet ligand_subset(const MoleculeSet& set, const std::vector<std::size_t>& rows) {
  MoleculeSet out;
  out.fingerprint_words = set.fingerprint_words;
  for (std::size_t row : rows) {
    out.ids.push_back(set.ids[row]);
    out.errors.push_back(set.errors[row]);
    out.graphs.push_back(set.graphs[row]);
    out.fingerprints.insert(out.fingerprints.end(), set.fingerprints.begin() + row * set.fingerprint_words,
                            set.fingerprints.begin() + (row + 1) * set.fingerprint_words);
  }
  return out;
}

}  // namespace

struct DrugTargetModel::State {
  ModelCard card;
  ProteinTable proteins;
  std::vector<DrugTargetNet> members;  // forward passes are not const in LibTorch: see grid()
  double target_mean = 0, target_std = 1;
  torch::Device device = torch::kCPU;
  // Applicability domain: the training ligands' fingerprints and the training proteins.
  std::vector<std::uint64_t> training_fingerprints;
  std::unique_ptr<kernels::SearchLibrary> training_library;
  std::vector<std::uint32_t> training_proteins;

  void index_training_fingerprints() {
    const std::size_t words = card.fp_bits / 64;
    training_library = std::make_unique<kernels::SearchLibrary>(kernels::FingerprintMatrix{
        training_fingerprints.data(), words ? training_fingerprints.size() / words : 0, words});
  }

  double spread_scale() const {
    const auto found = card.spread_scale.find(card.tasks.at(0));
    return found == card.spread_scale.end() ? 1.0 : found->second;
  }

  // Mean and spread (times `scale`) of `networks` for every ligand against every sequence.
  AffinityGrid grid(std::vector<DrugTargetNet> networks, const MoleculeSet& ligands,
                    const std::vector<std::string>& sequences, double scale) const {
    torch::NoGradGuard no_grad;
    AffinityGrid out;
    out.proteins = sequences.size();
    out.mean.assign(ligands.size() * sequences.size(), kNaN);
    out.spread = out.mean;
    if (sequences.empty()) return out;
    std::vector<torch::Tensor> proteins;
    for (DrugTargetNet& network : networks) {
      network->eval();
      proteins.push_back(network->encode_proteins(protein_inputs(card.protein, sequences).to(device)));
    }
    const std::vector<std::size_t> valid = ligands.valid_rows();
    for (std::size_t first = 0; first < valid.size(); first += kLigandsPerPass) {
      const std::vector<std::size_t> rows(valid.begin() + first,
                                          valid.begin() + std::min(valid.size(), first + kLigandsPerPass));
      GraphBatch batch = ligand_graphs(ligands, rows, card.architecture.fingerprint_features);
      batch.ordered_sums = true;  // the same prediction whatever the batch-mates
      batch = batch.to(device);
      std::vector<torch::Tensor> outputs;
      for (std::size_t k = 0; k < networks.size(); ++k)
        outputs.push_back(networks[k]->pairs(networks[k]->encode_ligands(batch), proteins[k]).to(torch::kCPU, torch::kFloat64) *
                              target_std + target_mean);
      const torch::Tensor all = torch::stack(outputs);
      const torch::Tensor mean = all.mean(0).contiguous();
      const torch::Tensor spread = (all.std(0, /*unbiased=*/false) * scale).contiguous();
      const double* m = mean.data_ptr<double>();
      const double* sd = spread.data_ptr<double>();
      for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t p = 0; p < sequences.size(); ++p) {
          out.mean[rows[i] * sequences.size() + p] = m[i * sequences.size() + p];
          out.spread[rows[i] * sequences.size() + p] = sd[i * sequences.size() + p];
        }
    }
    return out;
  }
};

DrugTargetModel::DrugTargetModel() : state_(std::make_unique<State>()) {}
DrugTargetModel::~DrugTargetModel() = default;
DrugTargetModel::DrugTargetModel(DrugTargetModel&&) noexcept = default;
DrugTargetModel& DrugTargetModel::operator=(DrugTargetModel&&) noexcept = default;
DrugTargetModel::DrugTargetModel(std::unique_ptr<State> state) : state_(std::move(state)) {}

const ModelCard& DrugTargetModel::card() const { return state_->card; }
ModelCard& DrugTargetModel::card() { return state_->card; }
const ProteinTable& DrugTargetModel::proteins() const { return state_->proteins; }

std::string DrugTargetModel::use_device(const kernels::DeviceChoice& device) {
  std::string chosen;
  state_->device = torch_device(device, &chosen);
  for (DrugTargetNet& network : state_->members) network->to(state_->device);
  return chosen;
}

AffinityGrid DrugTargetModel::predict_grid(const MoleculeSet& ligands, const std::vector<std::string>& sequences) const {
  return state_->grid(state_->members, ligands, sequences, state_->spread_scale());
}

double DrugTargetModel::predict_pair(const MoleculeSet& ligands, std::size_t ligand, const std::string& sequence) const {
  if (!ligands.valid(ligand)) return kNaN;
  return predict_grid(ligand_subset(ligands, {ligand}), {sequence}).mean[0];
}

std::vector<double> DrugTargetModel::predict_pairs(const PairSet& pairs) const {
  std::vector<std::string> sequences;
  for (std::size_t p = 0; p < pairs.proteins.size(); ++p) sequences.push_back(pairs.proteins.sequence(p));
  const AffinityGrid grid = predict_grid(pairs.ligands, sequences);
  std::vector<double> out(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i)
    out[i] = grid.mean[static_cast<std::size_t>(pairs.ligand[i]) * sequences.size() + pairs.protein[i]];
  return out;
}

std::vector<double> DrugTargetModel::nearest_training_similarity(const MoleculeSet& ligands) const {
  const State& s = *state_;
  std::vector<double> out(ligands.size(), kNaN);
  const std::vector<std::size_t> rows = ligands.valid_rows();
  if (rows.empty()) return out;
  const std::size_t words = ligands.fingerprint_words;
  if (words * 64 != s.card.fp_bits)
    throw Error("molecules have " + std::to_string(words * 64) + "-bit fingerprints; the model's applicability domain uses " +
                std::to_string(s.card.fp_bits));
  std::vector<std::uint64_t> valid;
  for (std::size_t row : rows)
    valid.insert(valid.end(), ligands.fingerprints.begin() + row * words, ligands.fingerprints.begin() + (row + 1) * words);
  const auto nearest = kernels::nearest_reference(kernels::Backend::Cpu, {valid.data(), rows.size(), words},
                                                  *s.training_library, kernels::Metric{});
  for (std::size_t i = 0; i < rows.size(); ++i) out[rows[i]] = nearest[i].score;
  return out;
}

double DrugTargetModel::nearest_training_identity(const std::string& sequence) const {
  // A target from the model's own table is a training protein: no alignment needed (each
  // one is a million-cell table for kinase-length sequences).
  for (std::uint32_t p : state_->training_proteins)
    if (state_->proteins.sequence(p) == sequence) return 1.0;
  double best = 0;
  for (std::uint32_t p : state_->training_proteins)
    best = std::max(best, sequence_identity(sequence, state_->proteins.sequence(p)));
  return best;
}

std::map<std::string, double> affinity_metrics(const std::vector<double>& predicted, const std::vector<double>& observed,
                                               double active_threshold) {
  std::vector<double> p, y;
  for (std::size_t i = 0; i < observed.size(); ++i)
    if (!std::isnan(observed[i]) && !std::isnan(predicted[i])) {
      p.push_back(predicted[i]);
      y.push_back(observed[i]);
    }
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
  for (auto it = out.begin(); it != out.end();) it = std::isnan(it->second) ? out.erase(it) : std::next(it);
  return out;
}

namespace {

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
  const AffinityGrid grid = s.grid(networks, ligand_subset(data.ligands, ligand_rows), sequences, 1.0);
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
};

// One network seeded with options.seed + member, at its best epoch by validation MSE.
DrugTargetNet train_member(const DrugTargetModel::State& s, const MemberInputs& in, unsigned member, int* best_epoch) {
  const DrugTargetOptions& options = in.options;
  const std::uint64_t seed = options.seed + member;
  torch::manual_seed(seed);
  DrugTargetNet network(options.ligand, options.protein);
  initialize_parameters(*network);
  network->to(s.device);

  const std::size_t ligand_batch = static_cast<std::size_t>(std::max(options.ligand_batch, 1));
  const std::size_t protein_batch = static_cast<std::size_t>(std::max(options.protein_batch, 1));
  const std::size_t steps_per_epoch = ((in.train.ligands.size() + ligand_batch - 1) / ligand_batch) *
                                      ((in.train.proteins.size() + protein_batch - 1) / protein_batch);
  TrainOptions schedule;  // the learning-rate schedule of the molecule models
  schedule.epochs = options.epochs;
  schedule.init_lr = options.init_lr;
  schedule.max_lr = options.max_lr;
  schedule.final_lr = options.final_lr;
  schedule.warmup_epochs = options.warmup_epochs;

  torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(options.init_lr));
  std::vector<torch::Tensor> best_state;
  double best_mse = kNaN;
  int stale = 0;
  *best_epoch = 0;
  std::size_t step = 0;
  const std::size_t protein_count = in.data.proteins.size();
  const std::vector<double> validation_values = values_at(in.data.affinity, in.split.validation);
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    network->train();
    std::vector<std::size_t> ligands = in.train.ligands, proteins = in.train.proteins;
    seeded_shuffle(ligands, seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
    seeded_shuffle(proteins, seed * 2000003ULL + static_cast<std::uint64_t>(epoch));
    double loss_sum = 0, label_count = 0, lr = options.init_lr;
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
        lr = learning_rate_at(schedule, step - 1, steps_per_epoch);
        for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
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
        loss_sum += loss.item<double>() * static_cast<double>(measured);
        label_count += static_cast<double>(measured);
      }
    }
    const auto validation =
        affinity_metrics(predict_part(s, {network}, in.data, in.split.validation).mean, validation_values);
    const double mse = validation.count("mse") ? validation.at("mse") : kNaN;
    const bool improved = !std::isnan(mse) && (std::isnan(best_mse) || mse < best_mse);
    if (improved || in.split.validation.empty()) {
      best_mse = mse;
      *best_epoch = epoch;
      stale = 0;
      best_state.clear();
      for (const auto& p : network->parameters()) best_state.push_back(p.detach().clone());
    } else {
      ++stale;
    }
    if (in.on_epoch) {
      DrugTargetEpoch report;
      report.member = member;
      report.members = options.ensemble;
      report.epoch = epoch;
      report.epochs = options.epochs;
      report.train_loss = label_count > 0 ? loss_sum / label_count : kNaN;
      report.validation_mse = mse;
      report.learning_rate = lr;
      report.best = improved;
      report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
      in.on_epoch(report);
    }
    if (options.patience > 0 && stale >= options.patience) break;
  }
  torch::NoGradGuard no_grad;
  auto parameters = network->parameters();
  for (std::size_t i = 0; i < parameters.size() && i < best_state.size(); ++i) parameters[i].copy_(best_state[i]);
  return network;
}

// The spread scale that makes mean +- scale x spread hold 68% of the validation affinities,
// and the coverage it gives on the validation and test parts (as calibrate_spread records it
// for the molecule models), from each part's predictions with their raw spread.
void fit_spread_scale(ModelCard& card, const PairSet& data, const Split& split, const PartPredictions& validation,
                      const PartPredictions& test) {
  const std::string& task = card.tasks[0];
  const double scale = conformal_spread_scale(validation.mean, validation.spread, values_at(data.affinity, split.validation));
  if (!std::isfinite(scale) || scale <= 0) return;  // too few validation pairs
  card.spread_scale[task] = scale;
  const std::tuple<const std::vector<std::size_t>*, const PartPredictions*, std::map<std::string, double>*> parts[] = {
      {&split.validation, &validation, &card.validation_metrics[task]}, {&split.test, &test, &card.test_metrics[task]}};
  for (const auto& [pairs, raw, metrics] : parts) {
    if (pairs->empty()) continue;
    const std::vector<double> labels = values_at(data.affinity, *pairs);
    (*metrics)["coverage_1sd_uncalibrated"] = interval_coverage(raw->mean, raw->spread, labels, 1.0);
    (*metrics)["coverage_1sd"] = interval_coverage(raw->mean, raw->spread, labels, scale);
    (*metrics)["coverage_2sd"] = interval_coverage(raw->mean, raw->spread, labels, 2 * scale);
  }
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

}  // namespace

DrugTargetModel train_drug_target(const PairSet& data, const Split& split, const DrugTargetOptions& options,
                                  const std::function<void(const DrugTargetEpoch&)>& on_epoch) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> train_values;
  for (std::size_t pair : split.train)
    if (data.ligands.valid(data.ligand[pair])) train_values.push_back(data.affinity[pair]);
  if (train_values.empty()) throw Error(options.data_path + ": the split leaves no training pair with a valid ligand");
  if (options.ensemble < 1) throw Error("--ensemble: at least one network");
  if (!is_fingerprint_fold(options.ligand.fingerprint_features, static_cast<unsigned>(data.ligands.fingerprint_words * 64)))
    throw Error("--fingerprint-features " + std::to_string(options.ligand.fingerprint_features) + ": give 0 or a divisor of the " +
                std::to_string(data.ligands.fingerprint_words * 64) + "-bit fingerprint");

  auto state = std::make_unique<DrugTargetModel::State>();
  DrugTargetModel::State& s = *state;
  s.proteins = data.proteins;
  s.target_mean = std::accumulate(train_values.begin(), train_values.end(), 0.0) / static_cast<double>(train_values.size());
  double squares = 0;
  for (double v : train_values) squares += (v - s.target_mean) * (v - s.target_mean);
  s.target_std = std::max(std::sqrt(squares / static_cast<double>(train_values.size())), 1e-6);

  ModelCard& card = s.card;
  card.name = options.name;
  card.task_type = TaskType::Regression;
  card.tasks = {options.affinity_column};
  card.task_weights = {1.0};
  card.target_scaling[options.affinity_column] = {{"mean", s.target_mean}, {"std", s.target_std}};
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

  std::string chosen;
  s.device = torch_device(options.device, &chosen);
  const PartGrid train = part_grid(data, split.train, s.target_mean, s.target_std);
  const std::size_t words = data.ligands.fingerprint_words;
  card.fp_bits = static_cast<unsigned>(words * 64);
  for (std::size_t l : train.ligands)
    s.training_fingerprints.insert(s.training_fingerprints.end(), data.ligands.fingerprints.begin() + l * words,
                                   data.ligands.fingerprints.begin() + (l + 1) * words);
  s.index_training_fingerprints();
  card.training_similarity_quantiles =
      nearest_neighbour_quantiles(*s.training_library, {s.training_fingerprints.data(), train.ligands.size(), words});
  card.domain_threshold = card.training_similarity_quantiles.at("p05");
  card.protein_identity_threshold = options.protein_identity_threshold;
  for (std::size_t p : train.proteins) s.training_proteins.push_back(static_cast<std::uint32_t>(p));
  std::vector<std::string> all_sequences;
  for (std::size_t p = 0; p < data.proteins.size(); ++p) all_sequences.push_back(data.proteins.sequence(p));
  const torch::Tensor all_inputs = protein_inputs(options.protein, all_sequences);

  const MemberInputs inputs{data, split, train, all_inputs, options, on_epoch};
  for (unsigned member = 0; member < options.ensemble; ++member) {
    int best_epoch = 0;
    s.members.push_back(train_member(s, inputs, member, &best_epoch));
    card.best_epochs.push_back(best_epoch);
  }
  // Each part is predicted once; the spread scale and every metric read these predictions.
  const PartPredictions validation = predict_part(s, s.members, data, split.validation);
  const PartPredictions test = predict_part(s, s.members, data, split.test);
  if (options.ensemble > 1) fit_spread_scale(card, data, split, validation, test);
  DrugTargetModel model(std::move(state));
  const std::vector<double> similarity = model.nearest_training_similarity(data.ligands);
  const std::tuple<const std::vector<std::size_t>*, const PartPredictions*, std::map<std::string, double>*> parts[] = {
      {&split.validation, &validation, &card.validation_metrics[options.affinity_column]},
      {&split.test, &test, &card.test_metrics[options.affinity_column]}};
  for (const auto& [pairs, predicted, metrics] : parts) {
    const auto measured = affinity_metrics(predicted->mean, values_at(data.affinity, *pairs), options.active_threshold);
    metrics->insert(measured.begin(), measured.end());
    record_domain_errors(model, data, *pairs, predicted->mean, similarity, *metrics);
  }
  card.training_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

void DrugTargetModel::save(const std::string& path) const {
  const State& s = *state_;
  write_model_store(path, kSchema, kSchemaVersion, [&](hdf5::File& file) {
    file.set_attribute("/", "card", card_to_json(s.card));
    for (std::size_t k = 0; k < s.members.size(); ++k) save_parameters(file, "/members/" + std::to_string(k), *s.members[k]);
    file.set_attribute("/", "target_mean", s.target_mean);
    file.set_attribute("/", "target_std", s.target_std);
    std::vector<std::string> names, sequences;
    for (std::size_t p = 0; p < s.proteins.size(); ++p) {
      names.push_back(s.proteins.name(p));
      sequences.push_back(s.proteins.sequence(p));
    }
    hdf5::AppendableDataset(file, "/proteins/names", hdf5::Type::String, 0, 256).append_strings(names);
    hdf5::AppendableDataset(file, "/proteins/sequences", hdf5::Type::String, 0, 256).append_strings(sequences);
    hdf5::AppendableDataset(file, "/applicability/training_proteins", hdf5::Type::UInt32, 0, 256)
        .append(s.training_proteins);
    hdf5::AppendableDataset(file, "/applicability/training_fingerprints", hdf5::Type::UInt64, s.card.fp_bits / 64, 1024)
        .append(s.training_fingerprints);
  });
}

bool DrugTargetModel::is_drug_target_store(const std::string& path) {
  if (access(path.c_str(), R_OK) != 0 || !hdf5::is_hdf5_file(path)) return false;
  const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  return file.has_attribute("/", "schema") && file.string_attribute("/", "schema") == kSchema;
}

DrugTargetModel DrugTargetModel::load(const std::string& path) {
  const hdf5::File file = open_model_store(path, kSchema, kSchemaVersion);
  auto state = std::make_unique<State>();
  State& s = *state;
  s.card = card_from_json(file.string_attribute("/", "card"), path);
  if (s.card.protein.kind != "cnn" && s.card.protein.kind != "composition")
    throw Error(path + ": model card key 'protein_encoder/kind': '" + s.card.protein.kind + "' is not cnn or composition");
  s.target_mean = file.double_attribute("/", "target_mean");
  s.target_std = file.double_attribute("/", "target_std");
  const std::vector<std::string> names = file.read_strings("/proteins/names");
  const std::vector<std::string> sequences = file.read_strings("/proteins/sequences");
  if (names.size() != sequences.size()) throw Error(path + ": /proteins/names and /proteins/sequences differ in length");
  for (std::size_t p = 0; p < names.size(); ++p) s.proteins.add(names[p], sequences[p], path + ": /proteins");
  s.training_proteins = file.read<std::uint32_t>("/applicability/training_proteins");
  for (std::uint32_t p : s.training_proteins)
    if (p >= s.proteins.size()) throw Error(path + ": /applicability/training_proteins names protein " + std::to_string(p) + " of " + std::to_string(s.proteins.size()));
  s.training_fingerprints = file.read<std::uint64_t>("/applicability/training_fingerprints");
  s.index_training_fingerprints();
  if (s.card.ensemble < 1) throw Error(path + ": model card key 'architecture/ensemble' must be at least 1");
  for (unsigned k = 0; k < s.card.ensemble; ++k) {
    s.members.emplace_back(s.card.architecture, s.card.protein);
    load_parameters(file, "/members/" + std::to_string(k), *s.members.back(), path);
  }
  return DrugTargetModel(std::move(state));
}

}  // namespace molsieve::models
