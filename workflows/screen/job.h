#pragma once
// A screening job as written in a TOML job file (docs/screening.md lists every key and its
// default). Parsing checks every key and value and resolves paths: library files and
// reference files relative to the job file, models by shipped name or path. Errors name
// the job file, the line and the key at fault.
#include <cstddef>
#include <string>
#include <vector>

#include "kernels/similarity_metric.h"

namespace molsieve::workflows {

// A desirability function (Derringer and Suich 1980): maps a value to [0, 1], linear
// between `low` and `high`. Increasing: 0 at or below low, 1 at or above high.
// Decreasing: 1 at or below low, 0 at or above high.
// `floor` lifts the bottom of the ramp (d = floor + (1 - floor) * ramp) for terms that
// should rank but never veto a molecule on their own.
struct Desirability {
  bool increasing = true;
  double low = 0.0;
  double high = 1.0;
  double floor = 0.0;
  double operator()(double value) const;
};

struct DescriptorRange {
  std::string descriptor;  // a library-store descriptor name (mw, clogp, ...)
  double min = 0.0;
  double max = 0.0;
};

// One model in the composite score. Affinity terms score one task (higher is better);
// toxicity terms score the highest predicted risk over their risk tasks (lower is better).
struct ModelTerm {
  std::string name;                     // column prefix: <name>_in_domain, <name>_similarity
  std::string model;                    // as written in the job
  std::string path;                     // resolved model store
  std::vector<std::string> risk_tasks;  // toxicity: tasks that count as risk (empty: all)
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

  // [[affinity]], [[toxicity]]
  std::vector<ModelTerm> affinity;
  std::vector<ModelTerm> toxicity;
  // [[panel]]
  std::vector<PanelTerm> panels;

  // [similarity]
  std::string references;  // molecule file of known actives; empty: no similarity term
  kernels::Metric metric;
  Desirability similarity_desirability{true, 0.2, 0.6, 0.0};
  double similarity_weight = 1.0;

  // [score]
  double uncertainty_penalty = 1.0;   // k: affinity scored at mean - k*std, risk at mean + k*std
  double out_of_domain_factor = 0.5;  // multiplies a model's desirability outside its domain

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
