#pragma once
// Early stopping as both trainers (molecule and drug-target) do it: the epoch with the lowest
// validation cost is the best, its parameters are copied, training stops after `patience`
// epochs without improvement, and the best parameters are put back at the end. Internal to
// models/ (includes LibTorch).
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <vector>

namespace molsieve::models {

class EarlyStopping {
 public:
  explicit EarlyStopping(int patience) : patience_(patience) {}

  // Epoch `epoch` cost `cost` (lower is better; NaN is never an improvement). Keeps a copy of
  // `network`'s parameters when the cost is the lowest so far; returns whether it was.
  bool observe(int epoch, double cost, const torch::nn::Module& network) {
    const bool improved = !std::isnan(cost) && (std::isnan(best_cost_) || cost < best_cost_);
    if (improved) {
      best_cost_ = cost;
      keep(epoch, network);
    } else {
      ++epochs_without_improvement_;
    }
    return improved;
  }

  // Keeps epoch `epoch`'s parameters whatever it cost: with nothing to validate on, the last
  // epoch is the one to keep.
  void keep(int epoch, const torch::nn::Module& network) {
    best_epoch_ = epoch;
    epochs_without_improvement_ = 0;
    best_parameters_.clear();
    for (const auto& p : network.parameters()) best_parameters_.push_back(p.detach().clone());
  }

  bool should_stop() const { return patience_ > 0 && epochs_without_improvement_ >= patience_; }

  // Puts the kept parameters back into `network` (with none kept it stays as trained) and
  // returns their epoch (0: none).
  int restore_best(torch::nn::Module& network) const {
    if (best_parameters_.empty()) return best_epoch_;
    torch::NoGradGuard no_grad;
    auto parameters = network.parameters();
    for (std::size_t i = 0; i < parameters.size() && i < best_parameters_.size(); ++i)
      parameters[i].copy_(best_parameters_[i]);
    return best_epoch_;
  }

 private:
  int patience_;
  double best_cost_ = std::numeric_limits<double>::quiet_NaN();
  int best_epoch_ = 0;
  int epochs_without_improvement_ = 0;
  std::vector<torch::Tensor> best_parameters_;
};

}  // namespace molsieve::models
