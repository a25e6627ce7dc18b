#pragma once
// The D-MPNN as a LibTorch module, and the batch of graphs it reads. Internal to models/:
// this header includes LibTorch, so only models' own sources include it.
#include <torch/torch.h>

#include <vector>

#include "chem/graph_features.h"
#include "models/model_card.h"

namespace molsieve::models {

// Chemprop's bond feature size; the atom's depends on Architecture::atom_features.
constexpr int kBondFeatures = 14;

// Graphs of a batch, joined into one disconnected graph. Directed edge 2b runs from the
// begin to the end atom of bond b and 2b + 1 back, so an edge's reverse is its neighbour.
struct GraphBatch {
  torch::Tensor atom_features;  // [atoms, atom_feature_count]
  torch::Tensor edge_features;  // [edges, atom_feature_count + kBondFeatures]: source atom, bond
  torch::Tensor edge_source;    // [edges] int64
  torch::Tensor edge_target;    // [edges] int64
  torch::Tensor atom_molecule;  // [atoms] int64
  torch::Tensor atom_counts;    // [molecules, 1] float
  torch::Tensor molecule_inputs;  // [molecules, input count]: descriptors, fingerprint bits; or undefined
  torch::Tensor incoming_order;    // [edges] int64: edges sorted by target atom (stable)
  torch::Tensor incoming_counts;   // [atoms] int64: edges arriving at each atom
  torch::Tensor molecule_atoms;    // [molecules] int64: atoms of each molecule
  std::int64_t molecules = 0;
  // Sums over neighbours and atoms in a fixed order (segment sums over sorted rows) instead
  // of scatter_add, whose CUDA kernel adds with atomics in whatever order threads arrive, so
  // that a molecule's prediction would depend on its batch-mates. Prediction sets it; training
  // keeps scatter_add, whose backward is a gather (index_select's loops over rows on the CPU).
  bool ordered_sums = false;

  GraphBatch to(const torch::Device& device) const;
};

// `molecule_inputs`: `molecule_input_count` values per graph for the head, or empty.
GraphBatch make_batch(const std::vector<const chem::MolGraph*>& graphs,
                      const std::vector<float>& molecule_inputs, int molecule_input_count,
                      AtomFeatures atom_features = AtomFeatures::ChempropV1);

class DmpnnImpl : public torch::nn::Module {
 public:
  DmpnnImpl(const Architecture& architecture, int molecule_input_count, int outputs);
  // Raw outputs (logits for classification, scaled values for regression): [molecules, tasks].
  torch::Tensor forward(const GraphBatch& batch);

 private:
  Architecture architecture_;
  torch::nn::Linear input_{nullptr}, hidden_{nullptr}, output_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Sequential head_{nullptr};
};
TORCH_MODULE(Dmpnn);

// Chemprop's initialisation: Xavier-normal weights, zero biases.
void initialize_parameters(torch::nn::Module& module);

}  // namespace molsieve::models
