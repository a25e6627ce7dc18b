#pragma once
// The message-passing weights of an encoder made by `molsieve pretrain`, checked against the
// D-MPNN they are to start: a molecule model's members (train --from-pretrained) and a
// drug-target model's ligand encoder alike. Internal to models/: this header includes LibTorch.
#include <torch/torch.h>

#include <memory>
#include <string>

#include "models/model.h"
#include "models/model_card.h"

namespace molsieve::models {

class PretrainedEncoder {
 public:
  // Throws molsieve::Error naming `path` when the encoder's hidden size, depth, atom
  // features or graph featurizer differ from what the model to be trained asks for.
  PretrainedEncoder(const std::string& path, const Architecture& architecture, int graph_featurizer_version);

  // Copies the encoder's W_i, W_h and W_o into the D-MPNN whose parameters in `network` are
  // named `prefix` + "W_i.weight", ...; every other weight keeps its initialisation.
  void start(torch::nn::Module& network, const std::string& prefix = "") const;

  // For the model card: the encoder's file name (without its folder) and SHA-256.
  const std::string& file_name() const { return file_name_; }
  const std::string& sha256() const { return sha256_; }

 private:
  Model model_;
  std::string file_name_, sha256_;
};

// The encoder at `path` for the model `card` describes, which then names it (file and
// SHA-256); null when `path` is empty (random weights).
std::unique_ptr<PretrainedEncoder> load_pretrained_encoder(const std::string& path, ModelCard& card);

}  // namespace molsieve::models
