// molsieve calibrate: fits a trained regression model's spread scale on its validation part
// (re-derived from the card's split and seed) and writes the calibrated model.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "core/error.h"
#include "core/sha256.h"
#include "models/thread_scope.h"
#include "models/training.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"

namespace molsieve::workflows {
namespace {

struct CalibrateRequest : RunValues {
  std::string model, data, split_file, output;
};

void run_calibrate(const CalibrateRequest& r) {
  refuse_existing_outputs({r.output}, r.overwrite);
  const models::ModelThreadScope threads(r.threads);
  models::Model model = models::Model::load(r.model);
  model.use_device(r.device);
  const models::ModelCard& card = model.card();
  if (card.task_type != models::TaskType::Regression)
    throw Error(r.model + ": a classification model; calibrate scales regression spreads only");
  if (sha256_file(r.data) != card.training_sha256)
    throw Error(r.data + ": not the file " + r.model + " was trained on (" + card.training_data +
                ", SHA-256 " + card.training_sha256 + ")");
  if (card.split == models::SplitKind::Given && r.split_file.empty())
    throw Error(r.model + ": trained on a given split: name its file with --split-file");
  const models::MoleculeSet data = models::read_labelled_file(r.data, card.smiles_column, card.tasks);
  models::TrainOptions split_options;
  split_options.split = card.split;
  split_options.split_sizes = card.split_sizes;
  split_options.seed = card.seed;
  if (!r.split_file.empty()) split_options.given_split = models::read_split_file(r.split_file, data.size());
  const models::Split split = models::make_split(data, split_options);
  if (split.validation.size() != card.split_counts.at(1))
    throw Error(r.data + ": the re-derived validation part holds " + std::to_string(split.validation.size()) +
                " molecules, the card says " + std::to_string(card.split_counts.at(1)));
  models::calibrate_spread(model, data, split);
  model.save(r.output);
  if (r.quiet) return;
  for (const auto& task : card.tasks) {
    const auto scale = card.spread_scale.find(task);
    const auto& v = card.validation_metrics.at(task);
    if (scale == card.spread_scale.end()) {
      std::fprintf(stderr, "calibrate: %s: too few labelled validation molecules; left uncalibrated\n", task.c_str());
      continue;
    }
    std::fprintf(stderr, "calibrate: %s: spread x %.3g (validation: %.0f%% within one raw spread, %.0f%% within one calibrated)\n",
                 task.c_str(), scale->second, 100 * v.at("coverage_1sd_uncalibrated"), 100 * v.at("coverage_1sd"));
  }
  std::fprintf(stderr, "calibrate: wrote %s\n", r.output.c_str());
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto request = std::make_shared<CalibrateRequest>();
  CLI::App* c = app.add_subcommand(
      "calibrate",
      "Scale a regression model's ensemble spread so that mean +- spread holds the truth for 68% of its validation "
      "part (split conformal; docs/models.md), and write the calibrated model. `molsieve train` calibrates new "
      "models itself; this calibrates models trained before.");
  c->add_option("--model", request->model, "Model store (.h5) from molsieve train")->required();
  c->add_option("--data", request->data, "The training table the model was made from (its SHA-256 is checked)")
      ->required();
  c->add_option("--split-file", request->split_file, "The split file, for a model trained with --split-file");
  c->add_option("-o,--output", request->output, "Calibrated model store to write (.h5)")->required();
  add_run_options(*c, *request);
  c->callback([request] { run_calibrate(*request); });
}

}  // namespace molsieve::workflows
