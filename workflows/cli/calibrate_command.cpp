// molsieve calibrate: refits a trained model's calibration on its validation part (re-derived
// from the card's split and seed) and writes the calibrated model.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "core/error.h"
#include "core/sha256.h"
#include "models/drug_target.h"
#include "models/pairs.h"
#include "models/splits.h"
#include "models/thread_scope.h"
#include "models/training.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"

namespace molsieve::workflows {
namespace {

struct CalibrateRequest : RunValues {
  std::string model, data, split_file, output;
  double active_threshold = std::numeric_limits<double>::quiet_NaN();
};

void check_training_file(const CalibrateRequest& r, const models::ModelCard& card) {
  if (sha256_file(r.data) != card.training_sha256)
    throw Error(r.data + ": not the file " + r.model + " was trained on (" + card.training_data + ", SHA-256 " +
                card.training_sha256 + ")");
  if (card.split == models::SplitKind::Given && r.split_file.empty())
    throw Error(r.model + ": trained on a given split: name its file with --split-file");
}

void check_validation_size(const CalibrateRequest& r, const models::ModelCard& card, const models::Split& split) {
  if (split.validation.size() != card.split_counts.at(1))
    throw Error(r.data + ": the re-derived validation part holds " + std::to_string(split.validation.size()) +
                " rows, the card says " + std::to_string(card.split_counts.at(1)));
}

// What the fitted calibration measured, per task: the bands of the validation part, the
// coverage on the test part, and where the domain now begins.
void print_summary(const models::ModelCard& card) {
  for (const auto& task : card.tasks) {
    const auto intervals = card.spread_calibration.find(task);
    if (intervals != card.spread_calibration.end()) {
      for (const auto& band : intervals->second.bands)
        std::fprintf(stderr, "calibrate: %s: similarity >= %.2f: 68%% x %.3g, 95%% x %.3g of spread + %.3g (%llu rows)\n",
                     task.c_str(), band.min_similarity, band.scale68, band.scale95, intervals->second.spread_offset,
                     static_cast<unsigned long long>(band.rows));
      const models::SpreadCalibration& c = intervals->second;
      std::fprintf(stderr,
                   "calibrate: %s: below: the labels' own intervals (68%% %.3g to %.3g, 95%% %.3g to %.3g) joined with "
                   "mean +- %.3g (68%%) or %.3g (95%%), within the labels' range %.3g to %.3g\n",
                   task.c_str(), c.label_lo68, c.label_hi68, c.label_lo95, c.label_hi95, c.unknown68, c.unknown95,
                   c.label_min, c.label_max);
    }
    const auto platt = card.probability_calibration.find(task);
    if (platt != card.probability_calibration.end())
      std::fprintf(stderr, "calibrate: %s: Platt slope %.3g, intercept %.3g\n", task.c_str(), platt->second.slope,
                   platt->second.intercept);
    const auto test = card.test_metrics.find(task);
    if (test == card.test_metrics.end()) continue;
    for (const char* key : {"coverage_68", "coverage_95", "ece"})
      if (test->second.count(key))
        std::fprintf(stderr, "calibrate: %s: test part %s = %.3f\n", task.c_str(), key, test->second.at(key));
  }
  if (card.imported_from.empty())
    std::fprintf(stderr, "calibrate: applicability domain from similarity %.2f to the nearest training molecule\n",
                 card.domain_threshold);
}

void calibrate_drug_target_store(const CalibrateRequest& r) {
  models::DrugTargetModel model = models::DrugTargetModel::load(r.model);
  model.use_device(r.device);
  const models::ModelCard& card = model.card();
  check_training_file(r, card);
  const models::PairSet data =
      models::read_pair_file(r.data, {card.smiles_column, card.protein_column, card.tasks.at(0)}, &model.proteins());
  std::vector<std::size_t> rows(data.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  const models::Split split = r.split_file.empty() ? models::random_split(rows, card.split_sizes, card.seed)
                                                   : models::read_split_file(r.split_file, data.size());
  check_validation_size(r, card, split);
  double active_threshold = r.active_threshold;
  const auto recorded = card.validation_metrics.find(card.tasks.at(0));
  if (std::isnan(active_threshold) && recorded != card.validation_metrics.end() &&
      recorded->second.count("active_threshold"))
    active_threshold = recorded->second.at("active_threshold");
  models::calibrate_drug_target(model, data, split, active_threshold);
  model.save(r.output);
  if (!r.quiet) print_summary(model.card());
}

// An imported model (models/chemprop_import.h) has no training set to re-derive a split from:
// all of --data is its held-out part.
void calibrate_imported_store(const CalibrateRequest& r, models::Model& model) {
  const models::MoleculeSet data =
      models::read_labelled_file(r.data, "smiles", model.card().tasks, models::model_featurizer_options(model.card()));
  models::Split split;
  split.validation = data.valid_rows();
  models::calibrate(model, data, split);
  model.card().calibration_part = r.data + " (" + std::to_string(split.validation.size()) + " held-out molecules)";
  model.save(r.output);
  if (!r.quiet) print_summary(model.card());
}

void calibrate_molecule_store(const CalibrateRequest& r) {
  models::Model model = models::Model::load(r.model);
  model.use_device(r.device);
  const models::ModelCard& card = model.card();
  if (!card.imported_from.empty()) return calibrate_imported_store(r, model);
  check_training_file(r, card);
  const models::MoleculeSet data = models::read_labelled_file(r.data, card.smiles_column, card.tasks);
  models::TrainOptions split_options;
  split_options.split = card.split;
  split_options.split_sizes = card.split_sizes;
  split_options.seed = card.seed;
  if (!r.split_file.empty()) split_options.given_split = models::read_split_file(r.split_file, data.size());
  const models::Split split = models::make_split(data, split_options);
  check_validation_size(r, card, split);
  models::calibrate(model, data, split);
  model.save(r.output);
  if (!r.quiet) print_summary(model.card());
}

void run_calibrate(const CalibrateRequest& r) {
  refuse_existing_outputs({r.output}, r.overwrite);
  const models::ModelThreadScope threads(r.threads);
  if (models::DrugTargetModel::is_drug_target_store(r.model))
    calibrate_drug_target_store(r);
  else
    calibrate_molecule_store(r);
  if (!r.quiet) std::fprintf(stderr, "calibrate: wrote %s\n", r.output.c_str());
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto request = std::make_shared<CalibrateRequest>();
  CLI::App* c = app.add_subcommand(
      "calibrate",
      "Refit a model's calibration on its validation part (re-derived from the card's split and seed) and write "
      "the calibrated model: regression intervals per band of similarity to the nearest training molecule "
      "([lo68, hi68], mean +- std, holds 68%, [lo95, hi95] 95% of the band's held-out truths; beyond the farthest "
      "band the labels' own spread, within the labels' range), Platt-scaled probabilities for classification, and the applicability domain that follows "
      "(docs/models.md). `molsieve train` calibrates new models itself; this calibrates models trained before.");
  c->add_option("--model", request->model, "Model store (.h5) from molsieve train")->required();
  c->add_option("--data", request->data,
                "The training table the model was made from (its SHA-256 is checked); for a model imported from "
                "Chemprop, labelled held-out molecules (a smiles column and one column per task)")
      ->required();
  c->add_option("--split-file", request->split_file, "The split file, for a model trained with --split-file");
  c->add_option("-o,--output", request->output, "Calibrated model store to write (.h5)")->required();
  c->add_option("--active-threshold", request->active_threshold,
                "Drug-target models: also report the ROC-AUC of affinity >= this (default: the card's own)");
  add_run_options(*c, *request);
  c->callback([request] { run_calibrate(*request); });
}

}  // namespace molsieve::workflows
