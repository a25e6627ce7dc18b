#include "models/pretrained_encoder.h"

#include <filesystem>

#include "core/error.h"
#include "core/sha256.h"
#include "models/model_state.h"

namespace molsieve::models {

PretrainedEncoder::PretrainedEncoder(const std::string& path, const Architecture& architecture,
                                     int graph_featurizer_version)
    : model_(Model::load(path)),
      file_name_(std::filesystem::path(path).filename().string()),
      sha256_(sha256_file(path)) {
  const ModelCard& from = model_.card();
  if (from.architecture.hidden != architecture.hidden || from.architecture.depth != architecture.depth)
    throw Error("--from-pretrained " + path + ": its encoder has hidden size " + std::to_string(from.architecture.hidden) +
                " and depth " + std::to_string(from.architecture.depth) + "; this model asks for " +
                std::to_string(architecture.hidden) + " and " + std::to_string(architecture.depth) +
                " (give the same --hidden-size and --depth)");
  if (from.architecture.atom_features != architecture.atom_features)
    throw Error("--from-pretrained " + path + ": its encoder reads other atom features than this model (" +
                atom_features_name(from.architecture.atom_features) + " against " +
                atom_features_name(architecture.atom_features) + ")");
  if (from.graph_featurizer_version != graph_featurizer_version)
    throw Error("--from-pretrained " + path + ": made with graph featurizer version " +
                std::to_string(from.graph_featurizer_version) + ", this molsieve has " +
                std::to_string(graph_featurizer_version) + " (pretrain it again)");
}

void PretrainedEncoder::start(torch::nn::Module& network, const std::string& prefix) const {
  torch::NoGradGuard no_grad;
  const auto from = model_.state().members.front()->named_parameters();
  auto to = network.named_parameters();
  for (const char* name : {"W_i.weight", "W_h.weight", "W_o.weight", "W_o.bias"})
    to[prefix + name].copy_(from[name].to(to[prefix + name].device()));
}

std::unique_ptr<PretrainedEncoder> load_pretrained_encoder(const std::string& path, ModelCard& card) {
  if (path.empty()) return nullptr;
  auto encoder = std::make_unique<PretrainedEncoder>(path, card.architecture, card.graph_featurizer_version);
  card.pretrained_encoder = encoder->file_name();
  card.pretrained_encoder_sha256 = encoder->sha256();
  return encoder;
}

}  // namespace molsieve::models
