#pragma once
// A screening job as written in a TOML job file (docs/screening.md lists every key and its
// default). Parsing checks every key and value and resolves paths: library files and
// reference files relative to the job file, models by shipped name or path. Errors name
// the job file, the line and the key at fault.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kernels/similarity_metric.h"

namespace RDKit { class ROMol; }

namespace molsieve::workflows {

// A desirability function (Derringer and Suich 1980) from a value to (0, 1]. Its best region
// (d = 1) is at or above `high` (Increasing), at or below `low` (Decreasing), or inside
// [low, high] (Window). The shortfall s is the value's distance from the best region in ramp
// lengths (high - low for a ramp, `width` for each side of a window): d = 1 - (1 - edge) x s
// on the ramp (0 < s <= 1), then edge / s beyond it. d never reaches 0, so a term ranks
// molecules but never vetoes one: hard limits are filters.
struct Desirability {
  enum class Shape { Increasing, Decreasing, Window };
  Shape shape = Shape::Increasing;
  double low = 0.0;
  double high = 1.0;
  double width = 0.0;  // Window: the ramp's length on each side
  double edge = 0.1;   // d at the ramp's far end
  double operator()(double value) const;
  // The lowest d over the interval [lo, hi]: d rises then falls, so one of the ends.
  double worst(double lo, double hi) const;
};

// How a toxicity term combines its risk tasks' probabilities.
enum class RiskAggregate { Max, Mean };

// A named substructure filter (RDKit SMARTS): a molecule must match it (required) or must not.
struct SmartsFilter {
  std::string name;
  std::string smarts;
  bool required = false;
  std::shared_ptr<const RDKit::ROMol> query;  // compiled when the job is read
};

struct DescriptorRange {
  std::string descriptor;  // a library-store descriptor name (mw, clogp, ...)
  double min = 0.0;
  double max = 0.0;
};

// One model in the composite score. Affinity terms score one task; toxicity terms score their
// risk tasks' probabilities combined by `aggregate` (docs/screening.md).
struct ModelTerm {
  std::string name;                     // column prefix: <name>_in_domain, <name>_similarity
  std::string model;                    // as written in the job
  std::string path;                     // resolved model store
  std::vector<std::string> risk_tasks;  // toxicity: tasks that count as risk (empty: all)
  RiskAggregate aggregate = RiskAggregate::Max;  // toxicity
  std::string task;                     // affinity: the scored task (empty: the only one)
  // Affinity with a drug-target model: the protein, by name in the model's protein table or
  // by sequence (exactly one of the two).
  std::string target, sequence;
  Desirability desirability;
  double weight = 1.0;
};

// A selectivity panel: off-targets scored by a drug-target model. Its term is the margin
// between the on-target affinity (an [[affinity]] term with a drug-target model) and the
// strongest predicted off-target affinity (higher is better).
struct PanelTerm {
  std::string name;                  // column prefix: <name>:<target>, <name>_strongest, <name>_margin
  std::string model;                 // as written in the job
  std::string path;                  // resolved drug-target model store
  std::vector<std::string> targets;  // names in the model's protein table
  std::string on_target;             // the [[affinity]] term's name (empty: the only drug-target one)
  Desirability desirability;
  double weight = 1.0;
};

// A desirability on a column computed before the score: a library-store descriptor, or a
// task of one of the job's models (then scored over its interval, as affinity is).
struct PropertyTerm {
  std::string name;    // its desirability column is d_<name>; default: the column
  std::string column;
  std::string where;   // "<job>:<line>: property[i].column", for a column the models must provide
  Desirability desirability;
  double weight = 1.0;
};

struct ScreenJob {
  std::string path;  // the job file
  std::string text;  // its contents, kept in the results store as provenance
  std::string name;
  std::string description;

  // [library]
  std::vector<std::string> library;  // molecule files or library stores, resolved
  std::string smiles_column = "smiles";
  std::string id_column;
  bool standardize = true;
  std::size_t chunk_size = 4096;

  // [filters]
  std::vector<DescriptorRange> ranges;
  int max_lipinski_violations = -1;  // -1: not applied
  bool require_veber = false;
  std::vector<std::string> exclude_alerts;  // alert families
  std::vector<SmartsFilter> smarts;         // required ones first, each kind in name order

  // [[affinity]], [[toxicity]]
  std::vector<ModelTerm> affinity;
  std::vector<ModelTerm> toxicity;
  // [[panel]]
  std::vector<PanelTerm> panels;
  // [[property]]
  std::vector<PropertyTerm> properties;

  // [similarity]
  std::string references;  // molecule file of known actives; empty: no similarity term
  kernels::Metric metric;
  Desirability similarity_desirability{Desirability::Shape::Increasing, 0.2, 0.6};
  double similarity_weight = 1.0;

  // [score]
  // k: a model's terms score the worst value of [mean - k*std, mean + k*std]; the interval
  // widens outside the model's domain, which is how extrapolation lowers a score.
  double uncertainty_penalty = 1.0;

  // [selection]
  std::size_t keep = 100;
  double diversity = 0.65;  // most similarity allowed between two kept molecules; 1: no limit
  std::size_t pool = 0;     // candidates considered for the diverse selection; 0: 20 x keep
  // Only molecules inside the applicability domain of every affinity model are selected: an
  // extrapolated affinity is no reason to put a molecule forward.
  bool require_in_domain = true;

  // [output]
  std::string output;  // relative to the working directory; default <job stem>.results.h5
};

// Reads and checks a job file. `library_override` (molsieve screen --library) replaces the
// job's library list; its paths are taken as given (relative to the working directory).
ScreenJob read_screen_job(const std::string& path,
                          const std::vector<std::string>& library_override = {});

// Every file a run of the job reads: the library, the models (panels' included), the references.
std::vector<std::string> input_files(const ScreenJob& job);

// The shipped model of that name (models/pretrained/<name>.h5), or "" when there is none.
std::string shipped_model_path(const std::string& name);

}  // namespace molsieve::workflows
