#pragma once
// Chemprop v2 models as molsieve models: a checkpoint's hyperparameters and weights mapped
// onto molsieve's D-MPNN (bond message passing, mean/sum/norm aggregation, batch norm folded
// into the head, the feed-forward head and the target unscaling), so that molsieve computes
// what Chemprop computes. Anything else is refused with the hyperparameter that is at fault.
// Reading the checkpoint file itself is python/molsieve/chemprop.py's job.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/model.h"

namespace molsieve::models {

struct NamedArray {
  std::vector<std::int64_t> shape;
  std::vector<float> values;  // row-major
};

struct ChempropCheckpoint {
  std::string file;    // its file name: the card's provenance, and errors name it
  std::string sha256;  // of the file
  // Lightning's hyper_parameters as JSON; objects of Chemprop's and torch's classes as
  // {"class": "module.Name", ...}, modules with their "buffers" and "modules".
  std::string hyper_parameters;
  std::map<std::string, NamedArray> state_dict;
  std::vector<std::string> tasks;  // output names; empty: task_0, task_1, ...
  // Versions the checkpoint records ("pytorch-lightning_version" -> "2.6.6"); Chemprop's own
  // is not among them in Chemprop 2.3.
  std::map<std::string, std::string> versions;
};

// Throws molsieve::Error naming the checkpoint and the hyperparameter or weight molsieve
// does not implement (AtomMessagePassing, undirected or biased messages, extra atom, bond or
// molecule features, heads other than regression and binary classification, ...).
Model import_chemprop(const ChempropCheckpoint& checkpoint);

}  // namespace molsieve::models
