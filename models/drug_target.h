#pragma once
// Drug-target affinity models: one model scores a ligand against any protein given by its
// sequence. The ligand's D-MPNN and the protein's encoder each end in the first layer of the
// joint head, so a library x panel evaluation encodes each ligand once and each protein once,
// and only the rest of the head runs per pair. Saved in the model store (docs/models.md)
// with the protein table it was trained on. LibTorch stays behind this header.
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "models/metrics.h"  // affinity_metrics scores its predictions
#include "models/model_card.h"
#include "models/pairs.h"
#include "models/splits.h"

namespace molsieve::models {

struct DrugTargetOptions {
  Architecture ligand;  // D-MPNN and joint head: hidden, depth, ffn_hidden, ffn_layers, dropout
  ProteinEncoding protein{"cnn"};
  int epochs = 30;
  int ligand_batch = 64;   // ligands per optimizer step ...
  int protein_batch = 32;  // ... each against this many proteins (their measured pairs)
  double init_lr = 1e-4, max_lr = 1e-3, final_lr = 1e-4;
  double warmup_epochs = 2.0;
  int patience = 10;
  std::uint64_t seed = 0;
  // Independently seeded networks (seed, seed + 1, ...): a prediction is their mean and its
  // uncertainty their spread, calibrated on the validation part as for the molecule models.
  unsigned ensemble = 1;
  // An encoder made by `molsieve pretrain`: the ligand D-MPNN's message passing starts from
  // its weights (empty: from random weights).
  std::string pretrained_encoder;
  kernels::DeviceChoice device;
  // Provenance for the model card.
  std::string name, data_path, data_sha256, smiles_column, protein_column, affinity_column, command;
  std::vector<double> split_sizes;
  // A protein below this sequence identity to every training protein is outside the domain:
  // shuffled kinase sequences reach 0.25 to 0.35 against Davis's and KIBA's training kinases,
  // so below it a protein is no closer to them than chance (bench/protein_domain.py,
  // docs/models.md).
  double protein_identity_threshold = 0.35;
  // Also report the ROC-AUC of telling affinities >= this from the rest (NaN: not reported).
  double active_threshold = std::numeric_limits<double>::quiet_NaN();
};

struct DrugTargetEpoch {
  unsigned member = 0, members = 1;
  int epoch = 0, epochs = 0;
  double train_loss = 0, validation_mse = 0, learning_rate = 0, seconds = 0;
  bool best = false;
};

// Affinities of ligands x proteins, row-major, in the training units; NaN for invalid ligands.
struct AffinityGrid {
  std::size_t proteins = 0;
  std::vector<double> mean;
  // Calibrated (the card has intervals): the half-width of the 68% interval at the pair's
  // distance from the training data (models/calibration.h; beyond the bands its larger side),
  // and the 68% and 95% intervals.
  // Else the members' standard deviation (population; 0 for one network) and NaN bounds.
  std::vector<double> spread, lo68, hi68, lo95, hi95;
  // Per ligand: Tanimoto similarity to the nearest training ligand (NaN for invalid ligands).
  std::vector<double> nearest_training_similarity;
};

class DrugTargetModel {
 public:
  DrugTargetModel();
  ~DrugTargetModel();
  DrugTargetModel(DrugTargetModel&&) noexcept;
  DrugTargetModel& operator=(DrugTargetModel&&) noexcept;

  // Throws molsieve::Error naming the file for anything that is not a drug-target model store.
  static DrugTargetModel load(const std::string& path);
  void save(const std::string& path) const;
  // Whether the store at `path` holds a drug-target model (else a model of molecules alone).
  static bool is_drug_target_store(const std::string& path);

  const ModelCard& card() const;
  ModelCard& card();
  const ProteinTable& proteins() const;  // the training proteins, with their names
  std::string use_device(const kernels::DeviceChoice& device);

  // Affinity of every ligand against every sequence. Each ligand and protein is encoded once
  // per member. `proteins_inside` (one flag per sequence: inside the protein domain) saves
  // the alignments when the caller knows; a pair with a protein outside gets the interval of
  // knowing nothing.
  AffinityGrid predict_grid(const MoleculeSet& ligands, const std::vector<std::string>& sequences,
                            std::vector<char> proteins_inside = {}) const;
  // The same mean, one pair at a time (each pair encoded on its own): for tests and checks.
  double predict_pair(const MoleculeSet& ligands, std::size_t ligand, const std::string& sequence) const;
  // The mean per pair of `pairs` (ligands and proteins of the set).
  std::vector<double> predict_pairs(const PairSet& pairs) const;

  // The applicability domain, per ligand and per protein: Tanimoto similarity to the nearest
  // training ligand (NaN for invalid ligands; inside at card().domain_threshold or more) and
  // sequence identity to the nearest training protein (inside at
  // card().protein_identity_threshold or more). A pair is inside when both are.
  std::vector<double> nearest_training_similarity(const MoleculeSet& ligands) const;
  double nearest_training_identity(const std::string& sequence) const;

  struct State;
  explicit DrugTargetModel(std::unique_ptr<State> state);
  State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// A split of pairs: random over pairs, or given (a split file over the pair file's rows).
// Trains options.ensemble networks one after the other, each keeping its best epoch by
// validation MSE, then fits the intervals and the domain on the validation part
// (calibrate_drug_target).
// Throws molsieve::Error when the split leaves no training pair with a valid ligand.
DrugTargetModel train_drug_target(const PairSet& data, const Split& split, const DrugTargetOptions& options,
                                  const std::function<void(const DrugTargetEpoch&)>& on_epoch = {});

// Fits the card's intervals per ligand-similarity band on `split.validation` (pairs of
// `data`, the model's training data), sets the ligand domain threshold from them, and
// records coverage by band on the validation and test parts (as models/training.h's
// calibrate does for molecule models), with the ROC-AUC of affinity >= `active_threshold`
// when it is not NaN (the card's metrics keep it as `active_threshold`).
void calibrate_drug_target(DrugTargetModel& model, const PairSet& data, const Split& split, double active_threshold);

}  // namespace molsieve::models
