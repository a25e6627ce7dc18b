#include "models/chemprop_import.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "chem/graph_features.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "models/model_state.h"

namespace molsieve::models {
namespace {

using nlohmann::json;

// BatchNorm1d's default epsilon: Chemprop builds its batch norm with it and does not store it.
constexpr double kBatchNormEpsilon = 1e-5;

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// The hyperparameters of one part (message_passing, agg, predictor), and errors that name them.
class Part {
 public:
  Part(const ChempropCheckpoint& checkpoint, const json& root, const std::string& name)
      : file_(checkpoint.file), name_(name) {
    if (!root.contains(name))
      refuse("no '" + name + "' hyperparameters: not a single-molecule Chemprop v2 MPNN "
             "(multicomponent and atom/bond-property models are not implemented)");
    const json& part = root.at(name);
    // Lightning stores a part's hyperparameters as an AttributeDict: a dict's items.
    values_ = part.contains("items") ? part.at("items") : part;
  }
  [[noreturn]] void refuse(const std::string& why) const { throw Error(file_ + ": " + why); }
  [[noreturn]] void refuse(const std::string& key, const std::string& why) const {
    refuse("hyperparameter " + name_ + "." + key + ": " + why);
  }
  bool has(const std::string& key) const { return values_.contains(key) && !values_.at(key).is_null(); }
  const json& at(const std::string& key) const {
    if (!values_.contains(key)) refuse(key, "missing");
    return values_.at(key);
  }
  template <typename T>
  T get(const std::string& key) const {
    try {
      return at(key).get<T>();
    } catch (const json::exception&) {
      refuse(key, "unexpected value " + at(key).dump());
    }
  }
  // The class name a hyperparameter holds ({"class": ...}), or "".
  std::string class_name(const std::string& key) const {
    const json& v = at(key);
    return v.is_object() && v.contains("class") ? v.at("class").get<std::string>() : "";
  }
  // Chemprop accepts an activation as a name ("relu"), an Activation member or a torch module.
  void require_relu(const std::string& key) const {
    const json& v = at(key);
    std::string name = v.is_string() ? v.get<std::string>() : class_name(key);
    if (v.is_object() && v.contains("args") && !v.at("args").empty() && v.at("args")[0].is_string())
      name = v.at("args")[0].get<std::string>();  // chemprop.nn.utils.Activation("relu")
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name != "relu" && !ends_with(name, ".relu"))
      refuse(key, v.dump() + ": molsieve's D-MPNN uses ReLU only");
  }

 private:
  std::string file_, name_;
  json values_;
};

// An optional transform (V_d_transform, X_d_transform, ...): none, or an identity.
bool is_identity(const json& transform) {
  if (transform.is_null()) return true;
  const std::string cls = transform.value("class", "");
  if (ends_with(cls, "Identity")) return true;
  if (!ends_with(cls, "GraphTransform") || !transform.contains("modules")) return false;
  for (const auto& [name, module] : transform.at("modules").items())
    if (!is_identity(module)) return false;
  return true;
}

std::string short_class(const std::string& qualified) {
  const auto dot = qualified.rfind('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

struct Mapping {
  Architecture architecture;
  TaskType task_type = TaskType::Regression;
  std::size_t tasks = 0;
  bool batch_norm = false;
  std::vector<double> task_weights;
};

Mapping map_hyperparameters(const ChempropCheckpoint& checkpoint, const json& root) {
  Mapping m;
  Architecture& a = m.architecture;
  const Part mp(checkpoint, root, "message_passing");
  const std::string mp_class = short_class(mp.class_name("cls"));
  if (mp_class != "BondMessagePassing")
    mp.refuse("cls", mp_class + ": molsieve implements BondMessagePassing (directed messages on bonds)");
  if (mp.get<bool>("undirected")) mp.refuse("undirected", "true: molsieve passes directed messages only");
  if (mp.get<bool>("bias")) mp.refuse("bias", "true: molsieve's W_i and W_h have no bias");
  mp.require_relu("activation");
  if (mp.has("d_vd") && mp.get<int>("d_vd") != 0)
    mp.refuse("d_vd", std::to_string(mp.get<int>("d_vd")) + ": extra atom descriptors (V_d) are not implemented");
  if (mp.has("V_d_transform") && !is_identity(mp.at("V_d_transform")))
    mp.refuse("V_d_transform", "extra atom descriptors (V_d) are not implemented");
  if (mp.has("graph_transform") && !is_identity(mp.at("graph_transform")))
    mp.refuse("graph_transform", "scales extra atom or bond features (V_f, E_f), which are not implemented");
  const int d_v = mp.get<int>("d_v"), d_e = mp.get<int>("d_e");
  if (d_v == atom_feature_count(AtomFeatures::ChempropV2))
    a.atom_features = AtomFeatures::ChempropV2;
  else if (d_v == atom_feature_count(AtomFeatures::ChempropV1))
    a.atom_features = AtomFeatures::ChempropV1;
  else
    mp.refuse("d_v", std::to_string(d_v) + ": molsieve implements Chemprop's V2 (72) and V1 (133) atom features "
              "without extra atom features (ORGANIC, RIGR and --atom-features-path are not implemented)");
  if (d_e != kBondFeatures)
    mp.refuse("d_e", std::to_string(d_e) + ": molsieve implements Chemprop's 14 bond features without extra bond "
              "features (RIGR and --bond-features-path are not implemented)");
  a.hidden = mp.get<int>("d_h");
  a.depth = mp.get<int>("depth");
  if (a.depth < 1) mp.refuse("depth", std::to_string(a.depth) + ": at least 1");
  a.dropout = mp.get<double>("dropout");

  const Part agg(checkpoint, root, "agg");
  const std::string agg_class = short_class(agg.class_name("cls"));
  if (agg_class == "MeanAggregation") {
    a.aggregation = Aggregation::Mean;
  } else if (agg_class == "SumAggregation") {
    a.aggregation = Aggregation::Sum;
  } else if (agg_class == "NormAggregation") {
    a.aggregation = Aggregation::Norm;
    if (agg.has("norm") && agg.get<double>("norm") != 100.0)
      agg.refuse("norm", agg.at("norm").dump() + ": molsieve's norm aggregation divides by 100 (Chemprop's default)");
  } else {
    agg.refuse("cls", agg_class + ": molsieve implements mean, sum and norm aggregation");
  }

  if (root.contains("X_d_transform") && !is_identity(root.at("X_d_transform")))
    throw Error(checkpoint.file + ": hyperparameter X_d_transform: extra molecule features (X_d) are not implemented");
  m.batch_norm = root.value("batch_norm", false);

  const Part predictor(checkpoint, root, "predictor");
  const std::string head = short_class(predictor.class_name("cls"));
  if (head == "RegressionFFN")
    m.task_type = TaskType::Regression;
  else if (head == "BinaryClassificationFFN")
    m.task_type = TaskType::Classification;
  else
    predictor.refuse("cls", head + ": molsieve implements RegressionFFN and BinaryClassificationFFN (MVE, evidential, "
                     "quantile, Dirichlet, multiclass and spectral heads are not implemented)");
  predictor.require_relu("activation");
  if (predictor.get<int>("input_dim") != a.hidden)
    predictor.refuse("input_dim", std::to_string(predictor.get<int>("input_dim")) + " is not d_h (" +
                     std::to_string(a.hidden) + "): extra molecule features (X_d) are not implemented");
  // predictor.dropout may differ from message_passing.dropout (the card keeps the latter):
  // dropout is inactive when predicting.
  m.tasks = predictor.get<std::size_t>("n_tasks");
  const int layers = predictor.get<int>("n_layers");
  std::vector<int> widths;
  if (predictor.at("hidden_dim").is_array())
    widths = predictor.get<std::vector<int>>("hidden_dim");
  else
    widths.assign(static_cast<std::size_t>(std::max(layers, 0)), predictor.get<int>("hidden_dim"));
  if (widths.size() != static_cast<std::size_t>(layers))
    predictor.refuse("hidden_dim", "holds " + std::to_string(widths.size()) + " widths for n_layers " + std::to_string(layers));
  if (std::adjacent_find(widths.begin(), widths.end(), std::not_equal_to<>()) != widths.end())
    predictor.refuse("hidden_dim", predictor.at("hidden_dim").dump() + ": molsieve's head has one hidden width");
  // Chemprop's n_layers counts hidden layers; molsieve's ffn_layers counts linear layers.
  a.ffn_layers = layers + 1;
  a.ffn_hidden = widths.empty() ? a.hidden : widths.front();
  if (predictor.has("task_weights")) {
    const json& w = predictor.at("task_weights");
    for (const json& v : w.is_array() && !w.empty() && w[0].is_array() ? w[0] : w) m.task_weights.push_back(v.get<double>());
  }
  if (m.task_weights.empty()) m.task_weights.assign(m.tasks, 1.0);
  if (m.task_weights.size() != m.tasks) predictor.refuse("task_weights", "not one weight per task");
  return m;
}

// The checkpoint's weights, each taken once; what is left over is something molsieve would ignore.
class Weights {
 public:
  explicit Weights(const ChempropCheckpoint& checkpoint) : checkpoint_(checkpoint) {}
  const NamedArray* find(const std::string& name) {
    const auto found = checkpoint_.state_dict.find(name);
    if (found == checkpoint_.state_dict.end()) return nullptr;
    used_.insert(name);
    return &found->second;
  }
  const NamedArray& take(const std::string& name, const std::vector<std::int64_t>& shape) {
    const NamedArray* array = find(name);
    if (!array) throw Error(checkpoint_.file + ": state_dict has no " + name);
    if (array->shape != shape || array->values.size() != element_count(shape))
      throw Error(checkpoint_.file + ": state_dict " + name + " has shape " + shape_text(array->shape) + ", expected " +
                  shape_text(shape));
    return *array;
  }
  // Training-only entries (the loss's and metrics' task weights) are not part of the model.
  void check_all_used() const {
    for (const auto& [name, array] : checkpoint_.state_dict) {
      if (used_.count(name) || name.rfind("metrics.", 0) == 0 || name.rfind("predictor.criterion.", 0) == 0 ||
          name == "bn.num_batches_tracked")
        continue;
      throw Error(checkpoint_.file + ": state_dict " + name + ": a weight molsieve's D-MPNN has no place for");
    }
  }
  static std::size_t element_count(const std::vector<std::int64_t>& shape) {
    std::size_t n = 1;
    for (std::int64_t d : shape) n *= static_cast<std::size_t>(d);
    return n;
  }
  static std::string shape_text(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
  }

 private:
  const ChempropCheckpoint& checkpoint_;
  std::set<std::string> used_;
};

std::vector<std::int64_t> shape_of(const torch::Tensor& t) { return t.sizes().vec(); }

void copy_into(torch::Tensor& parameter, const std::vector<float>& values) {
  parameter.copy_(torch::from_blob(const_cast<float*>(values.data()), parameter.sizes(), torch::kFloat32));
}

// Chemprop's MLP: ffn.0.0 is the first linear layer, ffn.<k>.2 the k-th after it (behind its
// activation and dropout). molsieve's head: Dropout, Linear, ReLU per hidden layer, then
// Dropout, Linear: linear layer k is ffn.<3k + 1>.
std::string chemprop_linear(int layer) { return "predictor.ffn." + std::to_string(layer) + (layer == 0 ? ".0" : ".2"); }
std::string molsieve_linear(int layer) { return "ffn." + std::to_string(3 * layer + 1); }

// Batch norm in evaluation, y = (x - mean) / sqrt(var + eps) * gamma + beta, then the first
// linear layer W y + b, is one linear layer: W diag(s) x + b + W (beta - s mean) with
// s = gamma / sqrt(var + eps). Folded in double precision.
void fold_batch_norm(Weights& weights, std::int64_t width, std::vector<float>& w, std::vector<float>& b) {
  const std::vector<std::int64_t> shape{width};
  const auto& gamma = weights.take("bn.weight", shape).values;
  const auto& beta = weights.take("bn.bias", shape).values;
  const auto& mean = weights.take("bn.running_mean", shape).values;
  const auto& var = weights.take("bn.running_var", shape).values;
  const std::size_t outputs = b.size(), inputs = static_cast<std::size_t>(width);
  for (std::size_t o = 0; o < outputs; ++o) {
    double bias = b[o];
    for (std::size_t i = 0; i < inputs; ++i) {
      const double s = gamma[i] / std::sqrt(static_cast<double>(var[i]) + kBatchNormEpsilon);
      bias += static_cast<double>(w[o * inputs + i]) * (beta[i] - s * mean[i]);
      w[o * inputs + i] = static_cast<float>(w[o * inputs + i] * s);
    }
    b[o] = static_cast<float>(bias);
  }
}

void load_weights(Weights& weights, const Mapping& m, DmpnnImpl& member) {
  torch::NoGradGuard no_grad;
  auto parameters = member.named_parameters();
  for (const char* name : {"W_i.weight", "W_h.weight", "W_o.weight", "W_o.bias"})
    copy_into(parameters[name], weights.take(std::string("message_passing.") + name, shape_of(parameters[name])).values);
  for (int layer = 0; layer < m.architecture.ffn_layers; ++layer) {
    torch::Tensor& w = parameters[molsieve_linear(layer) + ".weight"];
    torch::Tensor& b = parameters[molsieve_linear(layer) + ".bias"];
    std::vector<float> w_values = weights.take(chemprop_linear(layer) + ".weight", shape_of(w)).values;
    std::vector<float> b_values = weights.take(chemprop_linear(layer) + ".bias", shape_of(b)).values;
    if (layer == 0 && m.batch_norm) fold_batch_norm(weights, m.architecture.hidden, w_values, b_values);
    copy_into(w, w_values);
    copy_into(b, b_values);
  }
}

std::string tool_text(const ChempropCheckpoint& checkpoint) {
  const auto chemprop = checkpoint.versions.find("chemprop_version");
  if (chemprop != checkpoint.versions.end()) return "Chemprop " + chemprop->second;
  const auto lightning = checkpoint.versions.find("pytorch-lightning_version");
  return "Chemprop v2 (its version is not recorded" +
         (lightning == checkpoint.versions.end() ? std::string() : "; saved by PyTorch Lightning " + lightning->second) +
         ")";
}

ModelCard imported_card(const ChempropCheckpoint& checkpoint, const Mapping& m) {
  ModelCard card;
  std::string name = checkpoint.file.substr(checkpoint.file.rfind('/') + 1);
  card.name = name.substr(0, name.rfind('.'));
  card.task_type = m.task_type;
  card.tasks = checkpoint.tasks;
  if (card.tasks.empty())
    for (std::size_t t = 0; t < m.tasks; ++t) card.tasks.push_back("task_" + std::to_string(t));
  if (card.tasks.size() != m.tasks)
    throw Error(checkpoint.file + ": " + std::to_string(checkpoint.tasks.size()) + " task names for a model of " +
                std::to_string(m.tasks) + " tasks");
  card.task_weights = m.task_weights;
  card.architecture = m.architecture;
  card.graph_featurizer_version = chem::kGraphFeaturizerVersion;
  card.standardize = false;  // Chemprop featurizes the molecule as RDKit reads it
  card.imported_from = checkpoint.file;
  card.imported_sha256 = checkpoint.sha256;
  card.imported_tool = tool_text(checkpoint);
  card.intended_use = "predictions of the Chemprop model " + checkpoint.file + " as Chemprop computes them";
  card.limitations =
      "imported: molsieve has not seen its training set, so it has no applicability domain "
      "(nearest_training_similarity and in_domain are empty) and, being one model, no spread; its "
      "intervals are empty until `molsieve calibrate` fits them on labelled held-out molecules";
  card.tool_version = MOLSIEVE_VERSION;
  card.created = utc_timestamp();
  return card;
}

}  // namespace

Model import_chemprop(const ChempropCheckpoint& checkpoint) {
  json root;
  try {
    root = json::parse(checkpoint.hyper_parameters);
  } catch (const json::exception& e) {
    throw Error(checkpoint.file + ": hyperparameters are not valid JSON: " + e.what());
  }
  if (!root.is_object()) throw Error(checkpoint.file + ": hyperparameters are not a mapping");
  // Chemprop's model files (.pt) hold them as one AttributeDict, Lightning's .ckpt as a dict.
  if (root.contains("class") && root.contains("items")) root = json(root.at("items"));
  const Mapping m = map_hyperparameters(checkpoint, root);
  auto state = std::make_unique<Model::State>();
  state->card = imported_card(checkpoint, m);
  Weights weights(checkpoint);
  Dmpnn member(m.architecture, 0, static_cast<int>(m.tasks));
  load_weights(weights, m, *member);
  state->members.push_back(member);
  const std::vector<std::int64_t> per_task{1, static_cast<std::int64_t>(m.tasks)};
  const NamedArray* mean = weights.find("predictor.output_transform.mean");
  const NamedArray* scale = weights.find("predictor.output_transform.scale");
  if (m.task_type == TaskType::Classification && (mean || scale))
    throw Error(checkpoint.file + ": state_dict predictor.output_transform: a classification head that unscales");
  if (m.task_type == TaskType::Regression) {
    // Without an output transform Chemprop's outputs are the targets themselves.
    state->target_mean.assign(m.tasks, 0.0);
    state->target_std.assign(m.tasks, 1.0);
    for (auto [name, out] : {std::pair{"predictor.output_transform.mean", &state->target_mean},
                              std::pair{"predictor.output_transform.scale", &state->target_std}})
      if (weights.find(name)) {
        const std::vector<float>& values = weights.take(name, per_task).values;
        out->assign(values.begin(), values.end());
      }
    for (std::size_t t = 0; t < m.tasks; ++t)
      state->card.target_scaling[state->card.tasks[t]] = {{"mean", state->target_mean[t]}, {"std", state->target_std[t]}};
  }
  weights.check_all_used();
  state->index_training_fingerprints();
  return Model(std::move(state));
}

}  // namespace molsieve::models
