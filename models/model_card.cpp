#include "models/model_card.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "chem/library_store.h"
#include "core/error.h"

namespace molsieve::models {
namespace {

template <typename Enum>
Enum parse_choice(const std::string& text, const char* what,
                  const std::vector<std::pair<const char*, Enum>>& choices) {
  std::string known;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  throw Error("unknown " + std::string(what) + " '" + text + "' (choose " + known + ")");
}

const std::vector<std::pair<const char*, TaskType>> kTaskTypes = {
    {"classification", TaskType::Classification}, {"regression", TaskType::Regression}};
const std::vector<std::pair<const char*, Aggregation>> kAggregations = {
    {"mean", Aggregation::Mean}, {"sum", Aggregation::Sum}, {"norm", Aggregation::Norm}};
const std::vector<std::pair<const char*, SplitKind>> kSplits = {
    {"random", SplitKind::Random}, {"scaffold", SplitKind::Scaffold}, {"given", SplitKind::Given}};
const std::vector<std::pair<const char*, AtomFeatures>> kAtomFeatures = {
    {"chemprop-v1", AtomFeatures::ChempropV1}, {"chemprop-v2", AtomFeatures::ChempropV2}};

template <typename Enum>
std::string choice_name(Enum value, const std::vector<std::pair<const char*, Enum>>& choices) {
  for (const auto& [name, v] : choices)
    if (v == value) return name;
  return "?";
}

}  // namespace

TaskType parse_task_type(const std::string& text) { return parse_choice(text, "task type", kTaskTypes); }
Aggregation parse_aggregation(const std::string& text) {
  return parse_choice(text, "aggregation", kAggregations);
}
SplitKind parse_split(const std::string& text) { return parse_choice(text, "split", kSplits); }
std::string task_type_name(TaskType type) { return choice_name(type, kTaskTypes); }
std::string aggregation_name(Aggregation aggregation) {
  return choice_name(aggregation, kAggregations);
}
std::string split_name(SplitKind split) { return choice_name(split, kSplits); }
AtomFeatures parse_atom_features(const std::string& text) {
  return parse_choice(text, "atom features", kAtomFeatures);
}
std::string atom_features_name(AtomFeatures features) { return choice_name(features, kAtomFeatures); }
int atom_feature_count(AtomFeatures features) { return features == AtomFeatures::ChempropV2 ? 72 : 133; }

PredictionInterval task_interval(const ModelCard& card, const std::string& task, double mean, double raw_spread,
                                 double similarity, bool known_context) {
  const auto found = card.spread_calibration.find(task);
  if (found != card.spread_calibration.end()) return found->second.interval(mean, raw_spread, similarity, known_context);
  PredictionInterval raw;
  raw.half68 = raw_spread;
  raw.lo68 = raw.hi68 = raw.lo95 = raw.hi95 = std::numeric_limits<double>::quiet_NaN();
  return raw;
}

namespace {

// JSON has no NaN or infinity: a metric that is not a number is left out (as task_metrics does).
TaskMetrics finite_metrics(TaskMetrics metrics) {
  for (auto& [task, values] : metrics)
    for (auto it = values.begin(); it != values.end();) it = std::isfinite(it->second) ? std::next(it) : values.erase(it);
  return metrics;
}

nlohmann::json calibration_to_json(const ModelCard& card) {
  nlohmann::json c = {{"part", card.calibration_part}};
  if (!card.spread_calibration.empty()) {
    c["method"] =
        "split conformal per similarity band (Mondrian): in each band mean +- scale x (spread + spread_offset) "
        "holds 68.27% (scale_68) or 95% (scale_95) of the held-out truths; below the farthest band the interval "
        "of knowing nothing: the labels' equal-tailed interval [label_lo_68, label_hi_68] or [label_lo_95, "
        "label_hi_95] joined with mean +- the larger of unknown_68/95 (the labels' half-widths about their "
        "median label_center) and the farthest band's half-width, cut to [label_min, label_max] stretched to the "
        "mean";
    for (const auto& [task, s] : card.spread_calibration) {
      nlohmann::json bands = nlohmann::json::array();
      for (const auto& b : s.bands)
        bands.push_back({{"min_similarity", b.min_similarity}, {"rows", b.rows}, {"scale_68", b.scale68}, {"scale_95", b.scale95}});
      // Too few held-out rows for a quantile leave it infinite: JSON has no infinity, null stands for it.
      auto finite_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
      c["intervals"][task] = {{"spread_offset", s.spread_offset}, {"label_center", s.label_center},
                              {"unknown_68", finite_or_null(s.unknown68)}, {"unknown_95", finite_or_null(s.unknown95)},
                              {"label_lo_68", finite_or_null(s.label_lo68)}, {"label_hi_68", finite_or_null(s.label_hi68)},
                              {"label_lo_95", finite_or_null(s.label_lo95)}, {"label_hi_95", finite_or_null(s.label_hi95)},
                              {"label_min", finite_or_null(s.label_min)}, {"label_max", finite_or_null(s.label_max)},
                              {"informative_from", s.informative_from}, {"bands", bands}};
    }
  }
  for (const auto& [task, platt] : card.probability_calibration)
    c["probabilities"][task] = {{"method", "Platt scaling of the ensemble's mean probability"},
                                {"slope", platt.slope}, {"intercept", platt.intercept}};
  return c;
}

}  // namespace

std::string card_to_json(const ModelCard& card) {
  using nlohmann::json;
  const Architecture& a = card.architecture;
  json j;
  j["name"] = card.name;
  j["task_type"] = task_type_name(card.task_type);
  j["tasks"] = card.tasks;
  j["task_weights"] = card.task_weights;
  j["target_scaling"] = card.target_scaling;
  j["architecture"] = {{"model", "D-MPNN (directed message passing on bonds, Yang et al. 2019)"},
                       {"hidden", a.hidden},
                       {"depth", a.depth},
                       {"aggregation", aggregation_name(a.aggregation)},
                       {"dropout", a.dropout},
                       {"ffn_hidden", a.ffn_hidden},
                       {"ffn_layers", a.ffn_layers},
                       {"descriptors", a.descriptors},
                       {"fingerprint_features", a.fingerprint_features},
                       {"atom_features", atom_features_name(a.atom_features)},
                       {"ensemble", card.ensemble}};
  if (!card.protein.kind.empty())
    j["protein_encoder"] = {{"kind", card.protein.kind},
                            {"length", card.protein.length},
                            {"embedding", card.protein.embedding},
                            {"filters", card.protein.filters},
                            {"kernel", card.protein.kernel},
                            {"protein_column", card.protein_column}};
  j["featurizer"] = {{"graph_featurizer_version", card.graph_featurizer_version},
                     {"standardize", card.standardize},
                     {"fp_radius", card.fp_radius},
                     {"fp_bits", card.fp_bits}};
  j["training"] = {{"data", card.training_data},
                   {"data_sha256", card.training_sha256},
                   {"smiles_column", card.smiles_column},
                   {"rows", card.training_rows},
                   {"invalid_rows", card.training_invalid},
                   {"split", split_name(card.split)},
                   {"split_sizes", card.split_sizes},
                   {"split_counts", card.split_counts},
                   {"seed", card.seed},
                   {"epochs", card.epochs},
                   {"batch_size", card.batch_size},
                   {"init_lr", card.init_lr},
                   {"max_lr", card.max_lr},
                   {"final_lr", card.final_lr},
                   {"warmup_epochs", card.warmup_epochs},
                   {"patience", card.patience},
                   {"best_epochs", card.best_epochs},
                   {"selection_metric", card.selection_metric},
                   {"seconds", card.training_seconds},
                   {"command", card.command}};
  if (!card.pretrained_encoder.empty())
    j["training"]["pretrained_encoder"] = {{"file", card.pretrained_encoder}, {"sha256", card.pretrained_encoder_sha256}};
  j["metrics"] = {{"validation", finite_metrics(card.validation_metrics)}, {"test", finite_metrics(card.test_metrics)}};
  j["applicability_domain"] = {
      {"measure", "Tanimoto similarity to the nearest training molecule (Morgan fingerprints)"},
      {"threshold", card.domain_threshold},
      {"training_nearest_neighbour_quantiles", card.training_similarity_quantiles}};
  if (!card.protein.kind.empty())
    j["applicability_domain"]["protein_identity_threshold"] = card.protein_identity_threshold;
  if (!card.spread_calibration.empty() || !card.probability_calibration.empty())
    j["calibration"] = calibration_to_json(card);
  j["intended_use"] = card.intended_use;
  j["limitations"] = card.limitations;
  j["tool_version"] = card.tool_version;
  j["created"] = card.created;
  if (!card.imported_from.empty())
    j["imported_from"] = {{"file", card.imported_from}, {"sha256", card.imported_sha256}, {"tool", card.imported_tool}};
  return j.dump(2);
}

namespace {

using nlohmann::json;

// Reads a card's keys, remembering the last one asked for: an error names it.
struct CardKeys {
  std::string last;
  const json& at(const json& object, const char* name) {
    last = name;
    return object.at(name);
  }
};

void read_architecture(CardKeys& keys, const json& a, ModelCard& card) {
  card.architecture.hidden = keys.at(a, "hidden").get<int>();
  card.architecture.depth = keys.at(a, "depth").get<int>();
  card.architecture.aggregation = parse_aggregation(keys.at(a, "aggregation").get<std::string>());
  card.architecture.dropout = keys.at(a, "dropout").get<double>();
  card.architecture.ffn_hidden = keys.at(a, "ffn_hidden").get<int>();
  card.architecture.ffn_layers = keys.at(a, "ffn_layers").get<int>();
  card.architecture.descriptors = keys.at(a, "descriptors").get<bool>();
  card.architecture.fingerprint_features = a.value("fingerprint_features", 0);  // absent in older stores
  if (a.contains("atom_features"))  // absent in stores written before Chemprop v2's featurizer
    card.architecture.atom_features = parse_atom_features(keys.at(a, "atom_features").get<std::string>());
  card.ensemble = keys.at(a, "ensemble").get<unsigned>();
}

void read_protein_encoder(CardKeys& keys, const json& p, ModelCard& card) {
  card.protein.kind = keys.at(p, "kind").get<std::string>();
  card.protein.length = keys.at(p, "length").get<int>();
  card.protein.embedding = keys.at(p, "embedding").get<int>();
  card.protein.filters = keys.at(p, "filters").get<std::vector<int>>();
  card.protein.kernel = keys.at(p, "kernel").get<int>();
  card.protein_column = keys.at(p, "protein_column").get<std::string>();
}

void read_featurizer(CardKeys& keys, const json& f, ModelCard& card) {
  card.graph_featurizer_version = keys.at(f, "graph_featurizer_version").get<int>();
  card.standardize = keys.at(f, "standardize").get<bool>();
  card.fp_radius = keys.at(f, "fp_radius").get<unsigned>();
  card.fp_bits = keys.at(f, "fp_bits").get<unsigned>();
}

void read_training(CardKeys& keys, const json& t, ModelCard& card) {
  card.training_data = keys.at(t, "data").get<std::string>();
  card.training_sha256 = keys.at(t, "data_sha256").get<std::string>();
  card.smiles_column = keys.at(t, "smiles_column").get<std::string>();
  card.training_rows = keys.at(t, "rows").get<std::uint64_t>();
  card.training_invalid = keys.at(t, "invalid_rows").get<std::uint64_t>();
  card.split = parse_split(keys.at(t, "split").get<std::string>());
  card.split_sizes = keys.at(t, "split_sizes").get<std::vector<double>>();
  card.split_counts = keys.at(t, "split_counts").get<std::vector<std::uint64_t>>();
  card.seed = keys.at(t, "seed").get<std::uint64_t>();
  card.epochs = keys.at(t, "epochs").get<int>();
  card.batch_size = keys.at(t, "batch_size").get<int>();
  card.init_lr = keys.at(t, "init_lr").get<double>();
  card.max_lr = keys.at(t, "max_lr").get<double>();
  card.final_lr = keys.at(t, "final_lr").get<double>();
  card.warmup_epochs = keys.at(t, "warmup_epochs").get<double>();
  card.patience = keys.at(t, "patience").get<int>();
  card.best_epochs = keys.at(t, "best_epochs").get<std::vector<int>>();
  card.selection_metric = keys.at(t, "selection_metric").get<std::string>();
  card.training_seconds = keys.at(t, "seconds").get<double>();
  card.command = keys.at(t, "command").get<std::string>();
  if (t.contains("pretrained_encoder")) {
    const json& e = keys.at(t, "pretrained_encoder");
    card.pretrained_encoder = keys.at(e, "file").get<std::string>();
    card.pretrained_encoder_sha256 = keys.at(e, "sha256").get<std::string>();
  }
}

void read_applicability_domain(CardKeys& keys, const json& d, ModelCard& card) {
  card.domain_threshold = keys.at(d, "threshold").get<double>();
  card.training_similarity_quantiles =
      keys.at(d, "training_nearest_neighbour_quantiles").get<std::map<std::string, double>>();
  card.protein_identity_threshold = d.value("protein_identity_threshold", 0.0);
}

// Cards written before the intervals followed the distance hold one spread scale per task
// (mean ± scale·spread held 68% of the validation part): read as one band reaching every
// similarity, with the normal distribution's 95% factor; `molsieve calibrate` refits them.
SpreadCalibration legacy_spread_calibration(double scale) {
  SpreadCalibration c;
  c.bands.push_back({0.0, 0, scale, 1.959963984540054 * scale});
  c.informative_from = 0.0;
  return c;
}

void read_calibration(CardKeys& keys, const json& c, ModelCard& card) {
  if (c.contains("spread_scale")) {
    for (const auto& [task, scale] : keys.at(c, "spread_scale").get<std::map<std::string, double>>())
      card.spread_calibration[task] = legacy_spread_calibration(scale);
    card.calibration_part = "validation (one scale for every similarity)";
    return;
  }
  card.calibration_part = keys.at(c, "part").get<std::string>();
  if (c.contains("intervals"))
    for (const auto& [task, t] : keys.at(c, "intervals").items()) {
      SpreadCalibration& s = card.spread_calibration[task];
      s.spread_offset = keys.at(t, "spread_offset").get<double>();
      s.label_center = keys.at(t, "label_center").get<double>();
      auto infinite_if_null = [&](const char* key) {
        const json& v = keys.at(t, key);
        return v.is_null() ? std::numeric_limits<double>::infinity() : v.get<double>();
      };
      s.unknown68 = infinite_if_null("unknown_68");
      s.unknown95 = infinite_if_null("unknown_95");
      // Cards from before the equal-tailed label intervals: the labels' median ± half-widths.
      const auto bound = [&](const char* key, double sign, double fallback) {
        if (!t.contains(key)) return fallback;
        const json& v = keys.at(t, key);
        return v.is_null() ? sign * std::numeric_limits<double>::infinity() : v.get<double>();
      };
      s.label_lo68 = bound("label_lo_68", -1, s.label_center - s.unknown68);
      s.label_hi68 = bound("label_hi_68", 1, s.label_center + s.unknown68);
      s.label_lo95 = bound("label_lo_95", -1, s.label_center - s.unknown95);
      s.label_hi95 = bound("label_hi_95", 1, s.label_center + s.unknown95);
      s.label_min = bound("label_min", -1, -std::numeric_limits<double>::infinity());
      s.label_max = bound("label_max", 1, std::numeric_limits<double>::infinity());
      s.informative_from = keys.at(t, "informative_from").get<double>();
      for (const json& b : keys.at(t, "bands"))
        s.bands.push_back({keys.at(b, "min_similarity").get<double>(), keys.at(b, "rows").get<std::uint64_t>(),
                           keys.at(b, "scale_68").get<double>(), keys.at(b, "scale_95").get<double>()});
    }
  if (c.contains("probabilities"))
    for (const auto& [task, t] : keys.at(c, "probabilities").items())
      card.probability_calibration[task] = {keys.at(t, "slope").get<double>(), keys.at(t, "intercept").get<double>()};
}

}  // namespace

ModelCard card_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(source + ": model card is not valid JSON: " + e.what());
  }
  ModelCard card;
  CardKeys keys;
  try {
    card.name = keys.at(j, "name").get<std::string>();
    card.task_type = parse_task_type(keys.at(j, "task_type").get<std::string>());
    card.tasks = keys.at(j, "tasks").get<std::vector<std::string>>();
    card.task_weights = keys.at(j, "task_weights").get<std::vector<double>>();
    if (j.contains("target_scaling"))
      card.target_scaling = j["target_scaling"].get<std::map<std::string, std::map<std::string, double>>>();
    read_architecture(keys, keys.at(j, "architecture"), card);
    if (j.contains("protein_encoder")) read_protein_encoder(keys, keys.at(j, "protein_encoder"), card);
    read_featurizer(keys, keys.at(j, "featurizer"), card);
    read_training(keys, keys.at(j, "training"), card);
    const json& m = keys.at(j, "metrics");
    card.validation_metrics = keys.at(m, "validation").get<TaskMetrics>();
    card.test_metrics = keys.at(m, "test").get<TaskMetrics>();
    read_applicability_domain(keys, keys.at(j, "applicability_domain"), card);
    if (j.contains("calibration")) read_calibration(keys, keys.at(j, "calibration"), card);
    card.intended_use = keys.at(j, "intended_use").get<std::string>();
    card.limitations = keys.at(j, "limitations").get<std::string>();
    card.tool_version = keys.at(j, "tool_version").get<std::string>();
    card.created = keys.at(j, "created").get<std::string>();
    if (j.contains("imported_from")) {
      const json& i = keys.at(j, "imported_from");
      card.imported_from = keys.at(i, "file").get<std::string>();
      card.imported_sha256 = keys.at(i, "sha256").get<std::string>();
      card.imported_tool = keys.at(i, "tool").get<std::string>();
    }
  } catch (const json::exception& e) {
    throw Error(source + ": model card key '" + keys.last + "': " + e.what());
  }
  if (card.tasks.empty() || card.task_weights.size() != card.tasks.size())
    throw Error(source + ": model card key 'tasks': empty or not matching 'task_weights'");
  return card;
}

void check_store_matches_model(const chem::LibrarySummary& store, const models::ModelCard& card) {
  if (store.graph_featurizer_version != card.graph_featurizer_version)
    throw Error(store.path + ": graphs of featurizer version " + std::to_string(store.graph_featurizer_version) +
                ", the model was trained on version " + std::to_string(card.graph_featurizer_version) +
                " (featurize the library again)");
  if (store.standardized != card.standardize)
    throw Error(store.path + ": standardization " + (store.standardized ? "on" : "off") +
                " differs from the model's training data");
  if (store.fp_bits != card.fp_bits)
    throw Error(store.path + ": " + std::to_string(store.fp_bits) + "-bit fingerprints; the model's applicability domain uses " +
                std::to_string(card.fp_bits) + " bits (featurize with --fp-bits " + std::to_string(card.fp_bits) + ")");
}

}  // namespace molsieve::models
