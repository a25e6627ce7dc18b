#include "workflows/screen/job.h"

// RDKit 2022.09's RDLog.h uses std::uint64_t without including <cstdint>; GCC 13 needs it.
#include <cstdint>

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "chem/alerts.h"
#include "chem/descriptors.h"
#include "core/error.h"
#include "models/proteins.h"

namespace molsieve::workflows {

double Desirability::operator()(double value) const {
  if (std::isnan(value)) return edge;
  double shortfall = 0;
  switch (shape) {
    case Shape::Increasing: shortfall = (high - value) / (high - low); break;
    case Shape::Decreasing: shortfall = (value - low) / (high - low); break;
    case Shape::Window: shortfall = std::max(low - value, value - high) / width; break;
  }
  if (shortfall <= 0) return 1.0;
  if (shortfall <= 1) return 1.0 - (1.0 - edge) * shortfall;
  // Far enough out (or at infinity) edge / shortfall would round to 0: the smallest normal
  // double keeps the term from vetoing.
  return std::max(edge / shortfall, std::numeric_limits<double>::min());
}

double Desirability::worst(double lo, double hi) const { return std::min((*this)(lo), (*this)(hi)); }

namespace {

// Whether a path names something; a path the system cannot even look up (too long, say) does
// not, and never throws (found by fuzz_screen_job).
bool path_exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

}  // namespace

std::string shipped_model_path(const std::string& name) {
  // MOLSIEVE_MODELS points at another folder of model stores (an installed copy, say).
  const char* folder = std::getenv("MOLSIEVE_MODELS");
  const std::string base = folder && *folder ? folder : MOLSIEVE_PRETRAINED_DIR;
  const std::string path = (std::filesystem::absolute(base) / (name + ".h5")).lexically_normal().string();
  return path_exists(path) ? path : std::string();
}

namespace {

namespace fs = std::filesystem;

// The query of a SMARTS, or null when it does not parse. RDKit would log the reason to
// stderr; the job's error carries it instead, so its logs are off.
std::shared_ptr<const RDKit::ROMol> compile_smarts(const std::string& smarts) {
  static const bool silenced = [] {
    RDLog::InitLogs();
    boost::logging::disable_logs("rdApp.*");
    return true;
  }();
  (void)silenced;
  try {
    return std::shared_ptr<const RDKit::ROMol>(RDKit::SmartsToMol(smarts));
  } catch (const std::exception&) {
    return nullptr;
  }
}

// Reads one job file, remembering where each value came from for messages.
class JobReader {
 public:
  explicit JobReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& key, const std::string& what) const {
    std::string where = path_;
    if (node && node->source().begin.line > 0) where += ":" + std::to_string(node->source().begin.line);
    throw Error(where + ": " + key + ": " + what);
  }

  // Keys of `table` must be among `known`.
  void only_keys(const toml::table& table, const std::string& prefix,
                 const std::set<std::string>& known) const {
    for (auto&& [key, value] : table) {
      const std::string name(key.str());
      if (!known.count(name)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        fail(&value, prefix + name, "unknown key (known here: " + list + ")");
      }
    }
  }

  const toml::table* table(const toml::table& parent, const std::string& key, const std::string& prefix) const {
    const toml::node* node = parent.get(key);
    if (!node) return nullptr;
    if (!node->is_table()) fail(node, prefix + key, "must be a table ([" + prefix + key + "])");
    return node->as_table();
  }

  std::string string(const toml::table& t, const std::string& key, const std::string& prefix,
                     const std::string& fallback) const {
    const toml::node* node = t.get(key);
    if (!node) return fallback;
    if (!node->is_string()) fail(node, prefix + key, "must be a string");
    return node->as_string()->get();
  }

  double number(const toml::table& t, const std::string& key, const std::string& prefix, double fallback) const {
    const toml::node* node = t.get(key);
    if (!node) return fallback;
    if (node->is_integer()) return static_cast<double>(node->as_integer()->get());
    if (!node->is_floating_point()) fail(node, prefix + key, "must be a number");
    const double value = node->as_floating_point()->get();
    if (!std::isfinite(value)) fail(node, prefix + key, "must be finite");
    return value;
  }

  long long integer(const toml::table& t, const std::string& key, const std::string& prefix, long long fallback,
                    long long min) const {
    const toml::node* node = t.get(key);
    if (!node) return fallback;
    if (!node->is_integer()) fail(node, prefix + key, "must be an integer");
    const long long value = node->as_integer()->get();
    if (value < min) fail(node, prefix + key, "must be at least " + std::to_string(min));
    return value;
  }

  bool boolean(const toml::table& t, const std::string& key, const std::string& prefix, bool fallback) const {
    const toml::node* node = t.get(key);
    if (!node) return fallback;
    if (!node->is_boolean()) fail(node, prefix + key, "must be true or false");
    return node->as_boolean()->get();
  }

  std::vector<std::string> strings(const toml::table& t, const std::string& key, const std::string& prefix) const {
    const toml::node* node = t.get(key);
    if (!node) return {};
    if (node->is_string()) return {node->as_string()->get()};
    if (!node->is_array()) fail(node, prefix + key, "must be a string or an array of strings");
    std::vector<std::string> out;
    for (const toml::node& item : *node->as_array()) {
      if (!item.is_string()) fail(&item, prefix + key, "must hold strings only");
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  // A ramp { low, high, direction, edge } or a window { window = [low, high], width, edge };
  // keys not given keep the fallback's.
  Desirability desirability(const toml::table& t, const std::string& prefix, Desirability fallback) const {
    const toml::node* node = t.get("desirability");
    if (!node) return fallback;
    const std::string key = prefix + "desirability";
    if (!node->is_table())
      fail(node, key, "must be a table such as { low = 6.0, high = 8.0 } or { window = [1.0, 3.0], width = 1.0 }");
    const toml::table& d = *node->as_table();
    if (const toml::node* floor = d.get("floor"))
      fail(floor, key + ".floor",
           "no longer a key: a desirability never reaches 0; edge (default 0.1) is its value at the ramp's far end");
    only_keys(d, key + ".", {"low", "high", "direction", "window", "width", "edge"});
    Desirability out = fallback;
    if (const toml::node* window = d.get("window")) {
      for (const char* ramp : {"low", "high", "direction"})
        if (d.get(ramp)) fail(d.get(ramp), key + "." + ramp, "give a ramp (low, high, direction) or a window, not both");
      const toml::array* bounds = window->as_array();
      if (!bounds || bounds->size() != 2 || !(*bounds)[0].is_number() || !(*bounds)[1].is_number())
        fail(window, key + ".window", "must be [low, high]");
      out.shape = Desirability::Shape::Window;
      out.low = (*bounds)[0].value<double>().value();
      out.high = (*bounds)[1].value<double>().value();
      if (!(out.low <= out.high)) fail(window, key + ".window", "inverted: the low end must not exceed the high end");
      if (!d.get("width")) fail(node, key + ".width", "missing: the ramp's length on each side of the window");
      out.width = number(d, "width", key + ".", 0.0);
      if (!(out.width > 0)) fail(d.get("width"), key + ".width", "must be above 0");
    } else {
      if (d.get("width")) fail(d.get("width"), key + ".width", "is for a window: give window = [low, high] too");
      out.low = number(d, "low", key + ".", fallback.low);
      out.high = number(d, "high", key + ".", fallback.high);
      if (!(out.low < out.high)) fail(node, key, "low must be below high");
      const std::string direction = string(d, "direction", key + ".", "");
      if (direction == "increasing") out.shape = Desirability::Shape::Increasing;
      else if (direction == "decreasing") out.shape = Desirability::Shape::Decreasing;
      else if (!direction.empty()) fail(d.get("direction"), key + ".direction", "must be \"increasing\" or \"decreasing\"");
    }
    out.edge = number(d, "edge", key + ".", fallback.edge);
    if (!(out.edge > 0 && out.edge < 1))
      fail(d.get("edge"), key + ".edge", "must be above 0 and below 1: a term that reaches 0 vetoes; hard limits are [filters]");
    return out;
  }

  // Calls read(entry, table, "<kind>[i].") for each table of the array of tables [[kind]].
  template <class Read>
  void each_table(const toml::table& root, const std::string& kind, Read&& read) const {
    const toml::node* node = root.get(kind);
    if (!node) return;
    if (!node->is_array_of_tables()) fail(node, kind, "must be an array of tables ([[" + kind + "]])");
    std::size_t i = 0;
    for (const toml::node& entry : *node->as_array())
      read(entry, *entry.as_table(), kind + "[" + std::to_string(i++) + "].");
  }

  // The weight of a score term: 1 unless given, never negative.
  double weight(const toml::table& t, const std::string& prefix) const {
    const double value = number(t, "weight", prefix, 1.0);
    if (value < 0) fail(t.get("weight"), prefix + "weight", "must not be negative");
    return value;
  }

  // A path as written in the job: "rdkit-data:" names RDKit's data folder; a relative path
  // is taken relative to the job file's folder.
  std::string resolve(const std::string& written) const {
    const std::string rdkit_prefix = "rdkit-data:";
    if (written.rfind(rdkit_prefix, 0) == 0) {
      const char* rdbase = std::getenv("RDBASE");
      const std::string base = rdbase && *rdbase ? rdbase : MOLSIEVE_RDKIT_DATA_DIR;
      return base + "/" + written.substr(rdkit_prefix.size());
    }
    const fs::path p(written);
    if (p.is_absolute()) return written;
    // Absolute, so that the results' provenance still finds it from another folder (the report).
    return fs::absolute(fs::path(path_).parent_path() / p).lexically_normal().string();
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void read_library(const JobReader& in, const toml::table& root, ScreenJob& job) {
  const toml::table* t = in.table(root, "library", "");
  if (!t) in.fail(nullptr, "library", "missing: the job needs a [library] table with inputs");
  in.only_keys(*t, "library.", {"inputs", "smiles_column", "id_column", "standardize", "chunk_size"});
  for (const auto& input : in.strings(*t, "inputs", "library.")) job.library.push_back(in.resolve(input));
  job.smiles_column = in.string(*t, "smiles_column", "library.", job.smiles_column);
  job.id_column = in.string(*t, "id_column", "library.", job.id_column);
  job.standardize = in.boolean(*t, "standardize", "library.", job.standardize);
  job.chunk_size = static_cast<std::size_t>(in.integer(*t, "chunk_size", "library.", 4096, 1));
}

void read_filters(const JobReader& in, const toml::table& root, ScreenJob& job) {
  const toml::table* t = in.table(root, "filters", "");
  if (!t) return;
  in.only_keys(*t, "filters.", {"ranges", "max_lipinski_violations", "veber", "exclude_alerts", "require_smarts",
                                "exclude_smarts"});
  job.max_lipinski_violations =
      static_cast<int>(in.integer(*t, "max_lipinski_violations", "filters.", -1, 0));
  job.require_veber = in.boolean(*t, "veber", "filters.", false);
  const auto& families = chem::AlertCatalog::families();
  for (const auto& family : in.strings(*t, "exclude_alerts", "filters.")) {
    if (std::find(families.begin(), families.end(), family) == families.end())
      in.fail(t->get("exclude_alerts"), "filters.exclude_alerts",
              "unknown alert family '" + family + "' (known: PAINS_A, PAINS_B, PAINS_C, BRENK, NIH)");
    job.exclude_alerts.push_back(family);
  }
  if (const toml::table* ranges = in.table(*t, "ranges", "filters.")) {
    const auto& names = chem::descriptor_names();
    for (auto&& [key, value] : *ranges) {
      const std::string name(key.str());
      const std::string where = "filters.ranges." + name;
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        std::string list;
        for (const char* n : names) list += (list.empty() ? "" : ", ") + std::string(n);
        in.fail(&value, where, "unknown descriptor (known: " + list + ")");
      }
      const toml::array* pair = value.as_array();
      if (!pair || pair->size() != 2 || !(*pair)[0].is_number() || !(*pair)[1].is_number())
        in.fail(&value, where, "must be [min, max]");
      const double min = (*pair)[0].value<double>().value(), max = (*pair)[1].value<double>().value();
      if (!(min <= max)) in.fail(&value, where, "min must not exceed max");
      job.ranges.push_back({name, min, max});
    }
  }
  for (const bool required : {true, false}) {
    const std::string key = required ? "require_smarts" : "exclude_smarts";
    const toml::table* named = in.table(*t, key, "filters.");
    if (!named) continue;
    for (auto&& [name, value] : *named) {
      const std::string where = "filters." + key + "." + std::string(name.str());
      if (!value.is_string()) in.fail(&value, where, "must be a SMARTS string");
      SmartsFilter filter{std::string(name.str()), value.as_string()->get(), required, nullptr};
      filter.query = compile_smarts(filter.smarts);
      if (!filter.query) in.fail(&value, where, "invalid SMARTS '" + filter.smarts + "'");
      job.smarts.push_back(std::move(filter));
    }
  }
}

// The model store a `model` key names: a shipped model's name, or a path (relative to the job).
std::string resolve_model(const JobReader& in, const toml::node& entry, const toml::table& t, const std::string& prefix,
                          const std::string& model) {
  if (model.empty()) in.fail(&entry, prefix + "model", "missing: a shipped model name or a model store path");
  const bool is_path =
      model.find('/') != std::string::npos || (model.size() > 3 && model.compare(model.size() - 3, 3, ".h5") == 0);
  const std::string path = is_path ? in.resolve(model) : shipped_model_path(model);
  if (path.empty())
    in.fail(t.get("model"), prefix + "model",
            "unknown model '" + model + "' (shipped: tox21, clintox, bace, pdbbind, davis; or give a path to a .h5 model store)");
  if (!path_exists(path)) in.fail(t.get("model"), prefix + "model", "no model store at " + path);
  return path;
}

std::vector<ModelTerm> read_models(const JobReader& in, const toml::table& root, const std::string& kind,
                                   Desirability fallback) {
  std::vector<ModelTerm> terms;
  in.each_table(root, kind, [&](const toml::node& entry, const toml::table& t, const std::string& prefix) {
    if (kind == "affinity")
      in.only_keys(t, prefix, {"model", "name", "task", "target", "sequence", "desirability", "weight"});
    else
      in.only_keys(t, prefix, {"model", "name", "risk_tasks", "aggregate", "desirability", "weight"});
    ModelTerm term;
    term.model = in.string(t, "model", prefix, "");
    term.path = resolve_model(in, entry, t, prefix, term.model);
    term.name = in.string(t, "name", prefix, fs::path(term.model).stem().string());
    if (term.name.empty()) in.fail(t.get("name"), prefix + "name", "must not be empty");
    if (kind == "affinity") {
      term.task = in.string(t, "task", prefix, "");
      term.target = in.string(t, "target", prefix, "");
      term.sequence = in.string(t, "sequence", prefix, "");
      if (!term.target.empty() && !term.sequence.empty())
        in.fail(t.get("sequence"), prefix + "sequence", "give the protein by target (a name) or by sequence, not both");
      if (t.get("sequence")) {
        const std::string problem = models::sequence_problem(term.sequence);
        if (!problem.empty()) in.fail(t.get("sequence"), prefix + "sequence", problem);
        term.sequence = models::checked_sequence(term.sequence, prefix + "sequence");
      }
    } else {
      term.risk_tasks = in.strings(t, "risk_tasks", prefix);
      const std::string aggregate = in.string(t, "aggregate", prefix, "max");
      if (aggregate == "mean") term.aggregate = RiskAggregate::Mean;
      else if (aggregate != "max")
        in.fail(t.get("aggregate"), prefix + "aggregate", "unknown aggregation '" + aggregate + "' (known: max, mean)");
    }
    term.desirability = in.desirability(t, prefix, fallback);
    term.weight = in.weight(t, prefix);
    terms.push_back(std::move(term));
  });
  return terms;
}

std::vector<PanelTerm> read_panels(const JobReader& in, const toml::table& root) {
  std::vector<PanelTerm> panels;
  in.each_table(root, "panel", [&](const toml::node& entry, const toml::table& t, const std::string& prefix) {
    in.only_keys(t, prefix, {"model", "name", "targets", "on_target", "desirability", "weight"});
    PanelTerm panel;
    panel.model = in.string(t, "model", prefix, "");
    panel.path = resolve_model(in, entry, t, prefix, panel.model);
    panel.name = in.string(t, "name", prefix, "panel");
    if (panel.name.empty()) in.fail(t.get("name"), prefix + "name", "must not be empty");
    panel.targets = in.strings(t, "targets", prefix);
    if (panel.targets.empty()) in.fail(&entry, prefix + "targets", "missing: the off-targets, by name in the model's protein table");
    panel.on_target = in.string(t, "on_target", prefix, "");
    panel.desirability = in.desirability(t, prefix, {Desirability::Shape::Increasing, 0.0, 2.0});
    panel.weight = in.weight(t, prefix);
    panels.push_back(std::move(panel));
  });
  return panels;
}

std::vector<PropertyTerm> read_properties(const JobReader& in, const toml::table& root) {
  std::vector<PropertyTerm> properties;
  in.each_table(root, "property", [&](const toml::node& entry, const toml::table& t, const std::string& prefix) {
    in.only_keys(t, prefix, {"column", "name", "desirability", "weight"});
    PropertyTerm property;
    property.column = in.string(t, "column", prefix, "");
    if (property.column.empty())
      in.fail(&entry, prefix + "column", "missing: a descriptor (clogp, tpsa, ...) or a task of one of the job's models");
    const toml::node* column = t.get("column");
    property.where = in.path() + ":" + std::to_string(column->source().begin.line) + ": " + prefix + "column";
    property.name = in.string(t, "name", prefix, property.column);
    if (property.name.empty()) in.fail(t.get("name"), prefix + "name", "must not be empty");
    if (!t.get("desirability"))
      in.fail(&entry, prefix + "desirability", "missing: a ramp { low, high, direction } or a window { window = [low, high], width }");
    property.desirability = in.desirability(t, prefix, {});
    property.weight = in.weight(t, prefix);
    properties.push_back(std::move(property));
  });
  return properties;
}

void read_similarity(const JobReader& in, const toml::table& root, ScreenJob& job) {
  const toml::table* t = in.table(root, "similarity", "");
  if (!t) return;
  in.only_keys(*t, "similarity.", {"references", "metric", "desirability", "weight"});
  const std::string references = in.string(*t, "references", "similarity.", "");
  if (references.empty()) in.fail(t->get("references"), "similarity.references", "missing: a molecule file of known actives");
  job.references = in.resolve(references);
  const std::string metric = in.string(*t, "metric", "similarity.", "tanimoto");
  try {
    job.metric = kernels::parse_metric(metric);
  } catch (const Error& e) {
    in.fail(t->get("metric"), "similarity.metric", e.what());
  }
  job.similarity_desirability = in.desirability(*t, "similarity.", job.similarity_desirability);
  job.similarity_weight = in.weight(*t, "similarity.");
}

void read_score_and_selection(const JobReader& in, const toml::table& root, ScreenJob& job) {
  if (const toml::table* t = in.table(root, "score", "")) {
    if (const toml::node* factor = t->get("out_of_domain_factor"))
      in.fail(factor, "score.out_of_domain_factor",
              "no longer a key: a prediction outside a model's domain lowers its term through its wider interval "
              "(uncertainty_penalty), not by a factor; selection.require_in_domain keeps such molecules out of the selection");
    in.only_keys(*t, "score.", {"uncertainty_penalty"});
    job.uncertainty_penalty = in.number(*t, "uncertainty_penalty", "score.", job.uncertainty_penalty);
    if (job.uncertainty_penalty < 0) in.fail(t->get("uncertainty_penalty"), "score.uncertainty_penalty", "must not be negative");
  }
  if (const toml::table* t = in.table(root, "selection", "")) {
    in.only_keys(*t, "selection.", {"keep", "diversity", "pool", "require_in_domain"});
    job.keep = static_cast<std::size_t>(in.integer(*t, "keep", "selection.", 100, 1));
    job.diversity = in.number(*t, "diversity", "selection.", job.diversity);
    if (job.diversity <= 0 || job.diversity > 1) in.fail(t->get("diversity"), "selection.diversity", "must be in (0, 1]");
    job.pool = static_cast<std::size_t>(in.integer(*t, "pool", "selection.", 0, 0));
    job.require_in_domain = in.boolean(*t, "require_in_domain", "selection.", job.require_in_domain);
  }
  if (job.pool == 0) job.pool = 20 * job.keep;
  if (job.pool < job.keep) job.pool = job.keep;
}

}  // namespace

ScreenJob read_screen_job(const std::string& path, const std::vector<std::string>& library_override) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot open the job file");
  std::ostringstream text;
  text << file.rdbuf();
  ScreenJob job;
  job.path = path;
  job.text = text.str();
  toml::table root;
  try {
    root = toml::parse(job.text, path);
  } catch (const toml::parse_error& e) {
    throw Error(path + ":" + std::to_string(e.source().begin.line) + ":" +
                std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  const JobReader in(path);
  in.only_keys(root, "", {"name", "description", "library", "filters", "affinity", "toxicity", "panel", "property",
                          "similarity", "score", "selection", "output"});
  job.name = in.string(root, "name", "", fs::path(path).stem().string());
  job.description = in.string(root, "description", "", "");
  read_library(in, root, job);
  if (!library_override.empty()) job.library = library_override;
  if (job.library.empty()) in.fail(root.get("library"), "library.inputs", "no library files");
  for (const auto& input : job.library)
    if (!path_exists(input)) throw Error(path + ": library.inputs: no such file: " + input);
  read_filters(in, root, job);
  job.affinity = read_models(in, root, "affinity", {Desirability::Shape::Increasing, 5.0, 8.0});
  job.toxicity = read_models(in, root, "toxicity", {Desirability::Shape::Decreasing, 0.2, 0.6});
  job.panels = read_panels(in, root);
  job.properties = read_properties(in, root);
  read_similarity(in, root, job);
  if (!job.references.empty() && !path_exists(job.references))
    throw Error(path + ": similarity.references: no such file: " + job.references);
  read_score_and_selection(in, root, job);
  if (job.affinity.empty() && job.toxicity.empty() && job.properties.empty() && job.references.empty())
    throw Error(path + ": nothing to score: give [[affinity]], [[toxicity]], [[property]] or [similarity]");
  std::set<std::string> names;
  for (const auto* terms : {&job.affinity, &job.toxicity})
    for (const auto& term : *terms)
      if (!names.insert(term.name).second)
        throw Error(path + ": two models are named '" + term.name + "': give one of them another name = \"...\"");
  for (const auto& panel : job.panels)
    if (!names.insert(panel.name).second)
      throw Error(path + ": a panel and another term are both named '" + panel.name + "': give the panel another name = \"...\"");
  if (!job.references.empty()) names.insert("similarity");  // d_similarity
  for (const auto& property : job.properties)
    if (!names.insert(property.name).second)
      throw Error(path + ": a property and another term are both named '" + property.name +
                  "': give the property another name = \"...\"");
  if (const toml::table* t = in.table(root, "output", "")) {
    in.only_keys(*t, "output.", {"path"});
    const std::string output = in.string(*t, "path", "output.", "");
    job.output = output;  // relative to the working directory, like -o
  }
  if (job.output.empty()) job.output = fs::path(path).stem().string() + ".results.h5";
  return job;
}

std::vector<std::string> input_files(const ScreenJob& job) {
  std::vector<std::string> files = job.library;
  for (const auto* terms : {&job.affinity, &job.toxicity})
    for (const auto& term : *terms) files.push_back(term.path);
  for (const auto& panel : job.panels) files.push_back(panel.path);
  if (!job.references.empty()) files.push_back(job.references);
  return files;
}

}  // namespace molsieve::workflows
