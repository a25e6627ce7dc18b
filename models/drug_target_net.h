#pragma once
// The drug-target network as LibTorch modules. Internal to models/ (includes LibTorch).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "models/dmpnn.h"
#include "models/model_card.h"

namespace molsieve::models {

// Amino-acid and dipeptide frequencies over the 20 standard residues.
constexpr int kCompositionFeatures = 20 + 20 * 20;

// Encoder inputs for `sequences`: residue codes [proteins, length] int64 (1 + the letter's
// place in kResidueLetters, 0 past the end) for "cnn", frequencies [proteins,
// kCompositionFeatures] float for "composition".
torch::Tensor protein_inputs(const ProteinEncoding& encoding, const std::vector<std::string>& sequences);

class ProteinEncoderImpl : public torch::nn::Module {
 public:
  ProteinEncoderImpl(const ProteinEncoding& encoding, int outputs);
  torch::Tensor forward(const torch::Tensor& inputs);  // [proteins, outputs]

 private:
  ProteinEncoding encoding_;
  torch::nn::Embedding embedding_{nullptr};
  torch::nn::ModuleList convolutions_{nullptr};
  torch::nn::Sequential layers_{nullptr};
};
TORCH_MODULE(ProteinEncoder);

// Ligand and protein encoders both end in the joint head's first layer (the ligand's and the
// protein's halves of its weights); a pair adds the two and runs the rest of the head.
class DrugTargetNetImpl : public torch::nn::Module {
 public:
  DrugTargetNetImpl(const Architecture& ligand, const ProteinEncoding& protein);
  torch::Tensor encode_ligands(const GraphBatch& batch);     // [ligands, ffn_hidden]
  torch::Tensor encode_proteins(const torch::Tensor& inputs);  // [proteins, ffn_hidden]
  // Scaled affinities [ligands, proteins] of every pair of the two encodings.
  torch::Tensor pairs(const torch::Tensor& ligands, const torch::Tensor& proteins);

 private:
  Dmpnn ligand_{nullptr};
  ProteinEncoder protein_{nullptr};
  torch::nn::Sequential head_{nullptr};
};
TORCH_MODULE(DrugTargetNet);

}  // namespace molsieve::models
