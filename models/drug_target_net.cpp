#include "models/drug_target_net.h"

#include <cstring>

#include "models/proteins.h"

namespace molsieve::models {
namespace {

constexpr char kStandardResidues[] = "ACDEFGHIKLMNPQRSTVWY";

int standard_residue(char c) {
  const char* at = std::strchr(kStandardResidues, c);
  return (at == nullptr || c == '\0') ? -1 : static_cast<int>(at - kStandardResidues);
}

}  // namespace

torch::Tensor protein_inputs(const ProteinEncoding& encoding, const std::vector<std::string>& sequences) {
  const auto proteins = static_cast<std::int64_t>(sequences.size());
  if (encoding.kind == "composition") {
    torch::Tensor out = torch::zeros({proteins, kCompositionFeatures});
    float* data = out.data_ptr<float>();
    for (std::int64_t p = 0; p < proteins; ++p) {
      const std::string& s = sequences[p];
      float* row = data + p * kCompositionFeatures;
      for (std::size_t i = 0; i < s.size(); ++i) {
        const int a = standard_residue(s[i]);
        if (a >= 0) row[a] += 1.0f / static_cast<float>(s.size());
        if (i + 1 < s.size()) {
          const int b = standard_residue(s[i + 1]);
          if (a >= 0 && b >= 0) row[20 + a * 20 + b] += 1.0f / static_cast<float>(s.size() - 1);
        }
      }
    }
    return out;
  }
  torch::Tensor out = torch::zeros({proteins, encoding.length}, torch::kInt64);
  std::int64_t* data = out.data_ptr<std::int64_t>();
  for (std::int64_t p = 0; p < proteins; ++p) {
    const std::string& s = sequences[p];
    const std::size_t n = std::min<std::size_t>(s.size(), static_cast<std::size_t>(encoding.length));
    for (std::size_t i = 0; i < n; ++i)
      data[p * encoding.length + static_cast<std::int64_t>(i)] = 1 + (std::strchr(kResidueLetters, s[i]) - kResidueLetters);
  }
  return out;
}

ProteinEncoderImpl::ProteinEncoderImpl(const ProteinEncoding& encoding, int outputs) : encoding_(encoding) {
  namespace nn = torch::nn;
  layers_ = nn::Sequential();
  if (encoding.kind == "composition") {
    layers_->push_back(nn::Linear(kCompositionFeatures, 256));
    layers_->push_back(nn::ReLU());
    layers_->push_back(nn::Linear(256, outputs));
  } else {
    const auto letters = static_cast<std::int64_t>(std::strlen(kResidueLetters)) + 1;
    embedding_ = register_module("embedding", nn::Embedding(letters, encoding.embedding));
    convolutions_ = register_module("convolutions", nn::ModuleList());
    int channels = encoding.embedding;
    for (int filters : encoding.filters) {
      convolutions_->push_back(nn::Conv1d(nn::Conv1dOptions(channels, filters, encoding.kernel)));
      channels = filters;
    }
    layers_->push_back(nn::Linear(channels, outputs));
  }
  register_module("layers", layers_);
}

torch::Tensor ProteinEncoderImpl::forward(const torch::Tensor& inputs) {
  if (encoding_.kind == "composition") return layers_->forward(inputs);
  torch::Tensor x = embedding_(inputs).transpose(1, 2);  // [proteins, embedding, length]
  for (const auto& convolution : *convolutions_)
    x = torch::relu(convolution->as<torch::nn::Conv1d>()->forward(x));
  return layers_->forward(std::get<0>(x.max(2)));  // the strongest response along the sequence
}

DrugTargetNetImpl::DrugTargetNetImpl(const Architecture& ligand, const ProteinEncoding& protein) {
  namespace nn = torch::nn;
  Architecture encoder = ligand;
  encoder.ffn_layers = 1;  // the D-MPNN's head is the ligand half of the joint first layer
  ligand_ = register_module("ligand", Dmpnn(encoder, ligand.fingerprint_features, ligand.ffn_hidden));
  protein_ = register_module("protein", ProteinEncoder(protein, ligand.ffn_hidden));
  head_ = nn::Sequential();
  for (int layer = 1; layer + 1 < ligand.ffn_layers; ++layer) {
    head_->push_back(nn::Dropout(ligand.dropout));
    head_->push_back(nn::Linear(ligand.ffn_hidden, ligand.ffn_hidden));
    head_->push_back(nn::ReLU());
  }
  head_->push_back(nn::Dropout(ligand.dropout));
  head_->push_back(nn::Linear(ligand.ffn_hidden, 1));
  register_module("head", head_);
}

torch::Tensor DrugTargetNetImpl::encode_ligands(const GraphBatch& batch) { return ligand_->forward(batch); }

torch::Tensor DrugTargetNetImpl::encode_proteins(const torch::Tensor& inputs) { return protein_->forward(inputs); }

torch::Tensor DrugTargetNetImpl::pairs(const torch::Tensor& ligands, const torch::Tensor& proteins) {
  const torch::Tensor joint = torch::relu(ligands.unsqueeze(1) + proteins.unsqueeze(0));  // [l, p, hidden]
  return head_->forward(joint).squeeze(2);
}

}  // namespace molsieve::models
