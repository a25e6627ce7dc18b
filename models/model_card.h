#pragma once
// What a trained model is and how it was made: architecture, tasks, featurizer, training
// data and split, metrics, intended use and limits. Stored as JSON in the model store
// (readable with h5dump) and written back unchanged on load.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/calibration.h"

namespace molsieve::chem { struct LibrarySummary; }

namespace molsieve::models {

enum class TaskType { Classification, Regression };
enum class Aggregation { Mean, Sum, Norm };
enum class SplitKind { Random, Scaffold, Given };
// How an atom becomes the network's input vector: Chemprop's MultiHotAtomFeaturizer v1 (133
// values: atomic numbers 1-100) or v2 (72: 1-36 and iodine, hybridization S and SP2D too).
enum class AtomFeatures { ChempropV1, ChempropV2 };

TaskType parse_task_type(const std::string& text);
Aggregation parse_aggregation(const std::string& text);
SplitKind parse_split(const std::string& text);
std::string task_type_name(TaskType type);
std::string aggregation_name(Aggregation aggregation);
std::string split_name(SplitKind split);
AtomFeatures parse_atom_features(const std::string& text);
std::string atom_features_name(AtomFeatures features);
int atom_feature_count(AtomFeatures features);

// The D-MPNN (Yang et al. 2019) and its feed-forward head; defaults are Chemprop's.
struct Architecture {
  int hidden = 300;
  int depth = 3;
  Aggregation aggregation = Aggregation::Mean;
  double dropout = 0.0;
  int ffn_hidden = 300;
  int ffn_layers = 2;
  bool descriptors = false;  // the store's molecule descriptors as extra head inputs
  // Morgan fingerprint bits as extra head inputs, folded to this many bits (0: none).
  int fingerprint_features = 0;
  AtomFeatures atom_features = AtomFeatures::ChempropV1;
};

// Drug-target models only (models/drug_target.h): how a protein sequence becomes a vector.
// `kind` is empty for models of molecules alone.
struct ProteinEncoding {
  std::string kind;      // "cnn": residue embeddings, 1-D convolutions, max over the sequence;
                         // "composition": amino-acid and dipeptide frequencies, two layers
  int length = 1000;     // residues read (longer sequences are cut)
  int embedding = 32;    // cnn: residue embedding size
  std::vector<int> filters{32, 64, 96};  // cnn: channels of each convolution
  int kernel = 8;        // cnn: convolution width
};

// Whether `folded` bits can be a fold of an `fp_bits`-bit fingerprint: 0 (none) or a divisor.
inline bool is_fingerprint_fold(int folded, unsigned fp_bits) {
  return folded == 0 || (folded > 0 && fp_bits % static_cast<unsigned>(folded) == 0);
}

// metric name -> value, per task name.
using TaskMetrics = std::map<std::string, std::map<std::string, double>>;

struct ModelCard {
  std::string name;
  TaskType task_type = TaskType::Classification;
  std::vector<std::string> tasks;
  std::vector<double> task_weights;
  // Regression: the training targets' mean and standard deviation per task, for readers;
  // the model computes with /scaling/target_mean and target_std.
  std::map<std::string, std::map<std::string, double>> target_scaling;
  Architecture architecture;
  ProteinEncoding protein;
  unsigned ensemble = 1;

  // Featurization the model expects (a library store must match it).
  int graph_featurizer_version = 0;
  bool standardize = true;
  unsigned fp_radius = 2;
  unsigned fp_bits = 2048;

  // Training.
  std::string training_data;  // file name as given
  std::string training_sha256;
  std::string smiles_column;
  std::string protein_column;  // drug-target models
  std::uint64_t training_rows = 0;    // rows in the file
  std::uint64_t training_invalid = 0;  // rows RDKit could not read (left out)
  SplitKind split = SplitKind::Random;
  std::vector<double> split_sizes;
  std::vector<std::uint64_t> split_counts;  // train, validation, test molecules
  std::uint64_t seed = 0;
  int epochs = 0;
  int batch_size = 0;
  double init_lr = 0, max_lr = 0, final_lr = 0, warmup_epochs = 0;
  int patience = 0;
  std::vector<int> best_epochs;  // per ensemble member
  std::string selection_metric;  // validation metric that chose the best epoch
  TaskMetrics validation_metrics;
  TaskMetrics test_metrics;
  double training_seconds = 0;
  std::string command;
  // The encoder every member's message passing started from (molsieve train --from-pretrained):
  // its file name and SHA-256; empty when trained from scratch.
  std::string pretrained_encoder, pretrained_encoder_sha256;
  std::string tool_version;
  std::string created;
  // A model converted from another tool (models/chemprop_import.h): its file, SHA-256 and the
  // tool that wrote it ("Chemprop 2.3.1"); empty for models molsieve trained. Such a model has
  // no training set here: no applicability domain and no spread until `molsieve calibrate`.
  std::string imported_from, imported_sha256, imported_tool;

  // Applicability domain: Tanimoto similarity of a molecule to its nearest training molecule.
  // A molecule is inside at `domain_threshold` or more: the lowest similarity from which the
  // held-out part showed the model knowing more than the labels' own spread
  // (SpreadCalibration::informative_from, classification_informative_from; over tasks the
  // highest). The training molecules' nearest-other-molecule similarities are kept for readers.
  double domain_threshold = 0;
  std::map<std::string, double> training_similarity_quantiles;
  // Drug-target models: a protein is inside the domain when its sequence identity to the
  // nearest training protein (models/proteins.h) is at least this.
  double protein_identity_threshold = 0;

  // Regression: each task's intervals by similarity band (models/calibration.h), fitted on
  // the held-out part named by `calibration_part`; empty for uncalibrated models.
  std::map<std::string, SpreadCalibration> spread_calibration;
  // Classification: each task's Platt scaling of the ensemble's mean probability.
  std::map<std::string, PlattScaling> probability_calibration;
  std::string calibration_part;  // e.g. "validation (121 molecules)"

  std::string intended_use;
  std::string limitations;
};

// A regression task's calibrated interval for a raw ensemble prediction; uncalibrated: the
// raw spread as half68 and no bounds (NaN).
PredictionInterval task_interval(const ModelCard& card, const std::string& task, double mean, double raw_spread,
                                 double similarity, bool known_context = true);

std::string card_to_json(const ModelCard& card);
// `source` names the file for error messages.
ModelCard card_from_json(const std::string& json, const std::string& source);

// Throws molsieve::Error, naming the store, when its graphs, standardization or
// fingerprints differ from what the model was trained on.
void check_store_matches_model(const chem::LibrarySummary& store, const ModelCard& card);

}  // namespace molsieve::models
