#pragma once
// Model::State: what a trained model holds. Internal to models/ (includes LibTorch).
#include <memory>
#include <vector>

#include "kernels/similarity_search.h"
#include "models/dmpnn.h"
#include "models/model.h"

namespace molsieve::models {

struct Model::State {
  ModelCard card;
  std::vector<Dmpnn> members;
  std::vector<double> target_mean, target_std;          // regression: per task
  std::vector<double> descriptor_mean, descriptor_std;  // with architecture.descriptors
  std::vector<std::uint64_t> training_fingerprints;     // rows x fp_bits / 64
  torch::Device device = torch::kCPU;
  std::unique_ptr<kernels::SearchLibrary> training_library;  // view of training_fingerprints

  int molecule_input_count() const;
  // Extra head inputs for the given rows (empty without any): scaled descriptors, then the
  // Morgan fingerprint folded to architecture.fingerprint_features bits (0 or 1).
  std::vector<float> molecule_inputs(const MoleculeSet& set, const std::vector<std::size_t>& rows) const;
  void index_training_fingerprints();
};

// One member's outputs for `rows` (probabilities, or values in the training units): row-major
// rows x tasks. Evaluation mode, no gradients.
std::vector<double> member_predictions(const Model::State& state, Dmpnn member,
                                       const MoleculeSet& molecules,
                                       const std::vector<std::size_t>& rows, std::size_t batch_size);

// The masked, weighted loss of raw outputs [rows, tasks] against labels y where mask is 1:
// binary cross-entropy on logits or squared error, summed and divided by the labels present
// (missing labels add nothing to the loss or the gradients). masked_loss exposes it for tests.
torch::Tensor loss_tensor(TaskType type, const torch::Tensor& outputs, const torch::Tensor& y,
                          const torch::Tensor& mask, const torch::Tensor& weights);

// Descriptor values fed to the network: standardized and clipped to [-5, 5], with NaN and
// infinities as 0 (the mean).
float scale_descriptor(float value, double mean, double std);

}  // namespace molsieve::models
