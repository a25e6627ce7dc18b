#include "models/drug_target.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "core/error.h"
#include "core/hdf5_file.h"
#include "models/drug_target_net.h"
#include "models/drug_target_state.h"
#include "models/module_store.h"
#include "models/proteins.h"
#include "models/torch_device.h"

namespace molsieve::models {
namespace {

constexpr const char* kSchema = "molsieve drug-target model store";
constexpr int kSchemaVersion = 2;  // 2: an ensemble of networks under /members
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kLigandsPerPass = 256;  // prediction: ligands encoded per forward pass

}  // namespace

GraphBatch ligand_graphs(const MoleculeSet& set, const std::vector<std::size_t>& rows, int folded) {
  std::vector<const chem::MolGraph*> graphs;
  for (std::size_t row : rows) graphs.push_back(&set.graphs[row]);
  std::vector<float> inputs(rows.size() * static_cast<std::size_t>(folded));
  const std::size_t words = set.fingerprint_words;
  for (std::size_t i = 0; folded > 0 && i < rows.size(); ++i)
    fold_fingerprint(&set.fingerprints[rows[i] * words], words, static_cast<std::size_t>(folded), &inputs[i * folded]);
  return make_batch(graphs, inputs, folded);
}

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

void DrugTargetModel::State::index_training_fingerprints() {
  const std::size_t words = card.fp_bits / 64;
  training_library = std::make_unique<kernels::SearchLibrary>(kernels::FingerprintMatrix{
      training_fingerprints.data(), words ? training_fingerprints.size() / words : 0, words});
}

AffinityGrid DrugTargetModel::State::grid(std::vector<DrugTargetNet> networks, const MoleculeSet& ligands,
                                          const std::vector<std::string>& sequences) const {
  torch::NoGradGuard no_grad;
  AffinityGrid out;
  out.proteins = sequences.size();
  out.mean.assign(ligands.size() * sequences.size(), kNaN);
  out.spread = out.lo68 = out.hi68 = out.lo95 = out.hi95 = out.mean;
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
    const torch::Tensor spread = all.std(0, /*unbiased=*/false).contiguous();
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

AffinityGrid DrugTargetModel::predict_grid(const MoleculeSet& ligands, const std::vector<std::string>& sequences,
                                           std::vector<char> proteins_inside) const {
  AffinityGrid grid = state_->grid(state_->members, ligands, sequences);
  grid.nearest_training_similarity = nearest_training_similarity(ligands);
  const std::vector<double>& similarity = grid.nearest_training_similarity;
  const ModelCard& card = state_->card;
  if (card.spread_calibration.empty()) return grid;
  if (proteins_inside.empty())
    for (const std::string& sequence : sequences)
      proteins_inside.push_back(nearest_training_identity(sequence) >= card.protein_identity_threshold);
  for (std::size_t row = 0; row < ligands.size(); ++row)
    for (std::size_t p = 0; p < sequences.size(); ++p) {
      const std::size_t at = row * sequences.size() + p;
      const PredictionInterval interval =
          task_interval(card, card.tasks[0], grid.mean[at], grid.spread[at], similarity[row], proteins_inside[p]);
      grid.spread[at] = interval.half68;
      grid.lo68[at] = interval.lo68;
      grid.hi68[at] = interval.hi68;
      grid.lo95[at] = interval.lo95;
      grid.hi95[at] = interval.hi95;
    }
  return grid;
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
