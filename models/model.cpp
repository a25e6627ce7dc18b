#include "models/model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>
#include <unistd.h>

#include "chem/descriptors.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/timestamp.h"
#include "models/model_state.h"
#include "models/module_store.h"
#include "models/torch_device.h"

namespace molsieve::models {
namespace {

constexpr const char* kSchema = "molsieve model store";
constexpr int kSchemaVersion = 1;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string member_group(std::size_t member) { return "/members/" + std::to_string(member); }

void write_doubles(hdf5::File& file, const std::string& path, const std::vector<double>& values) {
  hdf5::AppendableDataset dataset(file, path, hdf5::Type::Float64, 0, std::max<std::size_t>(values.size(), 1));
  dataset.append(values);
}

}  // namespace

int Model::State::molecule_input_count() const {
  return (card.architecture.descriptors ? chem::kDescriptorCount : 0) + card.architecture.fingerprint_features;
}

float scale_descriptor(float value, double mean, double std) {
  if (!std::isfinite(value)) return 0.0f;
  // Clipped so that a molecule far outside the training set's property range (a peptide
  // among drug-like molecules) cannot drive the head with a huge input.
  constexpr double kClip = 5.0;
  return static_cast<float>(std::clamp((value - mean) / (std > 0 ? std : 1.0), -kClip, kClip));
}

std::vector<float> Model::State::molecule_inputs(const MoleculeSet& set,
                                                 const std::vector<std::size_t>& rows) const {
  std::vector<float> out;
  const Architecture& a = card.architecture;
  const auto folded_bits = static_cast<std::size_t>(a.fingerprint_features);
  out.reserve(rows.size() * static_cast<std::size_t>(molecule_input_count()));
  for (std::size_t row : rows) {
    if (a.descriptors)
      for (int d = 0; d < chem::kDescriptorCount; ++d)
        out.push_back(scale_descriptor(set.descriptors[row * chem::kDescriptorCount + d],
                                       descriptor_mean[d], descriptor_std[d]));
    if (folded_bits == 0) continue;
    const std::size_t first = out.size();
    out.resize(first + folded_bits);
    fold_fingerprint(&set.fingerprints[row * set.fingerprint_words], set.fingerprint_words, folded_bits,
                     &out[first]);
  }
  return out;
}

void Model::State::index_training_fingerprints() {
  const std::size_t words = card.fp_bits / 64;
  training_library = std::make_unique<kernels::SearchLibrary>(kernels::FingerprintMatrix{
      training_fingerprints.data(), words ? training_fingerprints.size() / words : 0, words});
}

std::vector<double> member_predictions(const Model::State& s, Dmpnn member,
                                       const MoleculeSet& molecules,
                                       const std::vector<std::size_t>& rows, std::size_t batch_size) {
  torch::NoGradGuard no_grad;
  member->eval();
  const std::size_t tasks = s.card.tasks.size();
  batch_size = std::max<std::size_t>(batch_size, 1);
  std::vector<double> out;
  out.reserve(rows.size() * tasks);
  for (std::size_t first = 0; first < rows.size(); first += batch_size) {
    const std::vector<std::size_t> batch_rows(rows.begin() + first,
                                              rows.begin() + std::min(rows.size(), first + batch_size));
    std::vector<const chem::MolGraph*> graphs;
    for (std::size_t row : batch_rows) graphs.push_back(&molecules.graphs[row]);
    GraphBatch batch = make_batch(graphs, s.molecule_inputs(molecules, batch_rows), s.molecule_input_count(),
                                  s.card.architecture.atom_features);
    batch.ordered_sums = true;  // the same prediction whatever the batch-mates, on every device
    torch::Tensor y = member->forward(batch.to(s.device));
    if (s.card.task_type == TaskType::Classification) y = torch::sigmoid(y);
    y = y.to(torch::kCPU, torch::kFloat64).contiguous();
    const double* values = y.data_ptr<double>();
    for (std::size_t i = 0; i < batch_rows.size(); ++i)
      for (std::size_t t = 0; t < tasks; ++t) {
        const double v = values[i * tasks + t];
        out.push_back(s.card.task_type == TaskType::Regression ? v * s.target_std[t] + s.target_mean[t] : v);
      }
  }
  return out;
}

void set_compute_threads(unsigned threads) { torch::set_num_threads(static_cast<int>(std::max(threads, 1u))); }

bool torch_cuda_available(std::string* reason) {
  if (torch::cuda::is_available()) return true;
  if (reason) *reason = "this LibTorch has no CUDA support or sees no CUDA device";
  return false;
}

Model::Model() : state_(std::make_unique<State>()) {}
Model::Model(std::unique_ptr<State> state) : state_(std::move(state)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

const ModelCard& Model::card() const { return state_->card; }
ModelCard& Model::card() { return state_->card; }

std::string Model::use_device(const kernels::DeviceChoice& device) {
  std::string chosen;
  state_->device = torch_device(device, &chosen);
  for (auto& member : state_->members) member->to(state_->device);
  return chosen;
}

Predictions Model::predict(const MoleculeSet& molecules, const PredictOptions& options) const {
  const State& s = *state_;
  const std::size_t tasks = s.card.tasks.size(), members = s.members.size();
  Predictions out;
  out.rows = molecules.size();
  out.tasks = tasks;
  out.mean.assign(out.rows * tasks, kNaN);
  out.std.assign(out.rows * tasks, kNaN);
  out.lo68.assign(out.rows * tasks, kNaN);
  out.hi68.assign(out.rows * tasks, kNaN);
  out.lo95.assign(out.rows * tasks, kNaN);
  out.hi95.assign(out.rows * tasks, kNaN);
  out.nearest_training_similarity.assign(out.rows, kNaN);
  const std::vector<std::size_t> rows = molecules.valid_rows();
  if (rows.empty()) return out;
  if (molecules.fingerprint_words * 64 != s.card.fp_bits)
    throw Error("molecules have " + std::to_string(molecules.fingerprint_words * 64) +
                "-bit fingerprints; the model's applicability domain uses " +
                std::to_string(s.card.fp_bits));

  // Copies of a molecule (the same standardized SMILES and descriptors) are computed once:
  // a matrix product may round a row differently by its place in the batch, and copies must
  // score alike, or a screen ranks them apart.
  std::vector<std::size_t> distinct, computed_as(rows.size());
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const float* descriptors = &molecules.descriptors[rows[i] * chem::kDescriptorCount];
    std::string key = molecules.smiles[rows[i]];
    key.append(reinterpret_cast<const char*>(descriptors), chem::kDescriptorCount * sizeof(float));
    const auto [found, added] = seen.emplace(std::move(key), distinct.size());
    if (added) distinct.push_back(rows[i]);
    computed_as[i] = found->second;
  }
  std::vector<std::vector<double>> outputs;
  for (const auto& member : s.members)
    outputs.push_back(member_predictions(s, member, molecules, distinct, options.batch_size));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t t = 0; t < tasks; ++t) {
      const std::size_t at = computed_as[i] * tasks + t;
      double sum = 0;
      for (std::size_t m = 0; m < members; ++m) sum += outputs[m][at];
      const double mean = sum / static_cast<double>(members);
      double squares = 0;
      for (std::size_t m = 0; m < members; ++m) squares += (outputs[m][at] - mean) * (outputs[m][at] - mean);
      out.mean[rows[i] * tasks + t] = mean;
      // An imported model is one model: it has no spread to report.
      out.std[rows[i] * tasks + t] =
          s.card.imported_from.empty() ? std::sqrt(squares / static_cast<double>(members)) : kNaN;
    }

  if (s.training_fingerprints.empty()) {  // an imported model: no training set, no domain
    apply_calibration(s.card, out);
    return out;
  }
  std::vector<std::uint64_t> valid_fingerprints;
  const std::size_t words = molecules.fingerprint_words;
  for (std::size_t row : rows)
    valid_fingerprints.insert(valid_fingerprints.end(), molecules.fingerprints.begin() + row * words,
                              molecules.fingerprints.begin() + (row + 1) * words);
  const auto nearest = kernels::nearest_reference(
      kernels::Backend::Cpu, {valid_fingerprints.data(), rows.size(), words}, *s.training_library,
      kernels::Metric{});
  for (std::size_t i = 0; i < rows.size(); ++i) out.nearest_training_similarity[rows[i]] = nearest[i].score;
  apply_calibration(s.card, out);
  return out;
}

void apply_calibration(const ModelCard& card, Predictions& p) {
  for (std::size_t t = 0; t < p.tasks; ++t) {
    const std::string& task = card.tasks[t];
    const auto platt = card.probability_calibration.find(task);
    for (std::size_t row = 0; row < p.rows; ++row) {
      const std::size_t at = row * p.tasks + t;
      if (std::isnan(p.mean[at])) continue;  // an invalid row
      if (card.task_type == TaskType::Classification) {
        if (platt != card.probability_calibration.end()) p.mean[at] = platt->second(p.mean[at]);
        continue;
      }
      // An imported model's molecules have no distance to training data: calibrate fitted one band for all.
      const double similarity = card.imported_from.empty() ? p.nearest_training_similarity[row] : 0.0;
      const PredictionInterval interval = task_interval(card, task, p.mean[at], p.std[at], similarity);
      p.std[at] = interval.half68;
      p.lo68[at] = interval.lo68;
      p.hi68[at] = interval.hi68;
      p.lo95[at] = interval.lo95;
      p.hi95[at] = interval.hi95;
    }
  }
}

void Model::save(const std::string& path) const {
  const State& s = *state_;
  write_model_store(path, kSchema, kSchemaVersion, [&](hdf5::File& file) {
    file.set_attribute("/", "card", card_to_json(s.card));
    for (std::size_t m = 0; m < s.members.size(); ++m) save_parameters(file, member_group(m), *s.members[m]);
    write_doubles(file, "/scaling/target_mean", s.target_mean);
    write_doubles(file, "/scaling/target_std", s.target_std);
    write_doubles(file, "/scaling/descriptor_mean", s.descriptor_mean);
    write_doubles(file, "/scaling/descriptor_std", s.descriptor_std);
    const std::uint64_t words = s.card.fp_bits / 64;
    hdf5::AppendableDataset fingerprints(file, "/applicability/training_fingerprints",
                                         hdf5::Type::UInt64, words, 1024);
    fingerprints.append(s.training_fingerprints);
  });
}

Model Model::load(const std::string& path) {
  const hdf5::File file = open_model_store(path, kSchema, kSchemaVersion);
  auto state = std::make_unique<State>();
  State& s = *state;
  s.card = card_from_json(file.string_attribute("/", "card"), path);
  s.target_mean = file.read<double>("/scaling/target_mean");
  s.target_std = file.read<double>("/scaling/target_std");
  s.descriptor_mean = file.read<double>("/scaling/descriptor_mean");
  s.descriptor_std = file.read<double>("/scaling/descriptor_std");
  const std::size_t tasks = s.card.tasks.size();
  if (s.card.task_type == TaskType::Regression && (s.target_mean.size() != tasks || s.target_std.size() != tasks))
    throw Error(path + ": /scaling/target_mean and target_std need one value per task");
  if (s.card.architecture.descriptors &&
      (s.descriptor_mean.size() != chem::kDescriptorCount || s.descriptor_std.size() != chem::kDescriptorCount))
    throw Error(path + ": /scaling/descriptor_mean and descriptor_std need " +
                std::to_string(chem::kDescriptorCount) + " values");
  const int folded = s.card.architecture.fingerprint_features;
  if (!is_fingerprint_fold(folded, s.card.fp_bits))
    throw Error(path + ": card key architecture/fingerprint_features (" + std::to_string(folded) +
                ") does not divide featurizer/fp_bits (" + std::to_string(s.card.fp_bits) + ")");
  s.training_fingerprints = file.read<std::uint64_t>("/applicability/training_fingerprints");
  for (unsigned m = 0; m < s.card.ensemble; ++m) {
    Dmpnn member(s.card.architecture, s.molecule_input_count(), static_cast<int>(tasks));
    load_parameters(file, member_group(m), *member, path);
    s.members.push_back(member);
  }
  s.index_training_fingerprints();
  return Model(std::move(state));
}

}  // namespace molsieve::models
