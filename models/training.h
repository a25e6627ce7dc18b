#pragma once
// Trains an ensemble of D-MPNNs on labelled molecules, as Chemprop does: Adam with a
// warm-up-then-exponential-decay learning rate, masked losses for missing labels, the
// epoch with the best validation loss (or metric) kept, early stopping after `patience`
// epochs without improvement. Reproducible on the CPU for a given seed and thread count.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/model.h"
#include "models/splits.h"

namespace molsieve::models {

// What picks a member's best epoch: the validation loss, as Chemprop 2 checkpoints, or the
// mean validation ROC-AUC (classification) or RMSE (regression), as Chemprop 1 does.
enum class EpochSelection { Loss, Metric };

struct TrainOptions {
  Architecture architecture;
  TaskType task_type = TaskType::Classification;
  std::vector<std::string> tasks;
  std::vector<double> task_weights;  // empty: all 1
  int epochs = 30;
  int batch_size = 50;
  double init_lr = 1e-4, max_lr = 1e-3, final_lr = 1e-4;
  double warmup_epochs = 2.0;
  int patience = 10;  // 0: train every epoch, still keep the best
  EpochSelection selection = EpochSelection::Loss;
  unsigned ensemble = 1;
  SplitKind split = SplitKind::Random;
  std::vector<double> split_sizes{0.8, 0.1, 0.1};
  Split given_split;  // with SplitKind::Given: rows of each part (invalid rows are dropped)
  std::uint64_t seed = 0;
  // A model store from molsieve pretrain (models/pretraining.h) whose message-passing weights
  // start every member (empty: Chemprop's random initialisation). Its hidden size, depth and
  // graph featurization must be this model's; the head always starts at random.
  std::string pretrained_encoder;
  kernels::DeviceChoice device;  // auto
  // Provenance for the model card.
  std::string name, data_path, data_sha256, smiles_column, command;
};

struct EpochReport {
  unsigned member = 0, members = 0;
  int epoch = 0, epochs = 0;
  double train_loss = 0;
  double validation_loss = 0;
  double validation = 0;       // mean over tasks of ROC-AUC or RMSE
  const char* metric = "";
  double learning_rate = 0;
  bool best = false;           // the best epoch so far (TrainOptions::selection)
  double seconds = 0;
};
using EpochCallback = std::function<void(const EpochReport&)>;

// Fits the card's calibration on `split.validation` (models/calibration.h): regression
// intervals per similarity band, Platt scaling of classification probabilities, and the
// applicability domain that follows from them; records in the validation and test metrics
// the coverage per band (coverage_68_<band>, coverage_95_<band>, rows_<band>, ...) or the
// expected calibration error (ece, ece_uncalibrated, brier_uncalibrated). train_model does
// this itself; for models trained before.
void calibrate(Model& model, const MoleculeSet& data, const Split& split);

// The split train_model uses for these options (valid rows only).
Split make_split(const MoleculeSet& data, const TrainOptions& options);

// Learning rate at optimizer step `step` (Chemprop's NoamLR with one parameter group).
double learning_rate_at(const TrainOptions& options, std::size_t step, std::size_t steps_per_epoch);

// Masked loss of raw outputs against labels (NaN: missing), weighted per task; exposed for
// tests. Classification: binary cross-entropy on logits; regression: MSE on scaled targets.
double masked_loss(TaskType type, const std::vector<float>& outputs, const std::vector<double>& labels,
                   const std::vector<double>& task_weights, std::vector<float>* output_gradients);

// Throws molsieve::Error for labels a task type cannot take (classification: 0 or 1 only).
Model train_model(const MoleculeSet& data, const TrainOptions& options,
                  const EpochCallback& on_epoch = {});

}  // namespace molsieve::models
