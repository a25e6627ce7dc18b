#pragma once
// A trained model: an ensemble of D-MPNNs with its card, target and descriptor scaling and
// training-set fingerprints (for the applicability domain). Saved to and loaded from the
// HDF5 model store (docs/models.md); LibTorch stays behind this header.
#include <memory>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "models/model_card.h"
#include "models/molecule_set.h"

namespace molsieve::models {

struct Predictions {
  std::size_t rows = 0, tasks = 0;
  // rows x tasks: the ensemble mean (a probability, Platt-scaled when the card has a
  // probability calibration; or a value in the training units) and `std`: for a calibrated
  // regression task the half-width of the 68% interval, beyond the calibration's bands its
  // larger side (mean ± std holds 68% of held-out
  // truths at this distance from the training data, models/calibration.h), else the members'
  // standard deviation (population; 0 for one member). lo68/hi68 and lo95/hi95: the 68%
  // and 95% intervals of a calibrated regression task (asymmetric beyond the calibration's
  // bands), else NaN. NaN for invalid rows.
  std::vector<double> mean, std, lo68, hi68, lo95, hi95;
  // Tanimoto similarity to the nearest training molecule; NaN for invalid rows.
  std::vector<double> nearest_training_similarity;
  double value(std::size_t row, std::size_t task) const { return mean[row * tasks + task]; }
};

struct PredictOptions {
  std::size_t batch_size = 64;  // fastest on CPU in bench/models.sh (docs/benchmarks.md)
};

class Model {
 public:
  Model();
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  // Throws molsieve::Error naming the file for anything that is not a complete model store.
  static Model load(const std::string& path);
  // Written under a temporary name and renamed into place.
  void save(const std::string& path) const;

  const ModelCard& card() const;
  ModelCard& card();
  // Moves the model to the device (kernels::parse_device of --device); returns what was
  // chosen and why. Throws when CUDA is asked for and LibTorch has no such CUDA device.
  std::string use_device(const kernels::DeviceChoice& device);

  Predictions predict(const MoleculeSet& molecules, const PredictOptions& options = {}) const;

  // For training and the model store: the implementation behind this interface.
  struct State;
  explicit Model(std::unique_ptr<State> state);
  State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// Raw ensemble statistics (a prediction made while the card had no calibration) to what the
// card's calibration says they mean: Platt-scaled probabilities, or intervals that follow the
// distance to the training data (models/calibration.h). Model::predict applies it itself.
void apply_calibration(const ModelCard& card, Predictions& predictions);

// Threads LibTorch uses for one forward or backward pass (its intra-op pool).
void set_compute_threads(unsigned threads);

// Whether this build's LibTorch can reach a CUDA device, and why not.
bool torch_cuda_available(std::string* reason);

}  // namespace molsieve::models
