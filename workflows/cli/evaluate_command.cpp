// molsieve evaluate: a model's metrics on a labelled table, per task.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "core/csv_writer.h"
#include "core/error.h"
#include "models/metrics.h"
#include "models/model.h"
#include "models/thread_scope.h"
#include "workflows/cli/commands.h"
#include "core/csv_writer.h"
#include "workflows/cli/common_options.h"

namespace molsieve::workflows {
namespace {

struct EvaluateRequest : RunValues {
  std::string model;
  std::string data;
  std::string smiles_column = "smiles";
  std::string output;
};

void run_evaluate(const EvaluateRequest& r) {
  refuse_existing_outputs({r.output}, r.overwrite);
  const models::ModelThreadScope threads(r.threads);
  models::Model model = models::Model::load(r.model);
  model.use_device(r.device);
  const models::ModelCard& card = model.card();
  const models::MoleculeSet data = models::read_labelled_file(r.data, r.smiles_column, card.tasks);
  const models::Predictions predictions = model.predict(data);
  const bool classification = card.task_type == models::TaskType::Classification;
  const std::vector<std::string> names =
      classification ? std::vector<std::string>{"count", "positives", "roc_auc", "pr_auc", "brier"}
                     : std::vector<std::string>{"count", "rmse", "mae", "r2", "spearman"};
  std::unique_ptr<CsvWriter> csv;
  if (!r.output.empty()) {
    std::vector<std::string> header{"task"};
    header.insert(header.end(), names.begin(), names.end());
    csv = std::make_unique<CsvWriter>(r.output, header);
  }
  std::printf("%-24s", "task");
  for (const auto& name : names) std::printf(" %10s", name.c_str());
  std::printf("\n");
  std::map<std::string, double> sums;
  std::map<std::string, int> counted;
  for (std::size_t t = 0; t < card.tasks.size(); ++t) {
    std::vector<double> p(data.size()), y(data.size());
    for (std::size_t row = 0; row < data.size(); ++row) {
      p[row] = predictions.value(row, t);
      y[row] = data.label(row, t);
    }
    const auto metrics = models::task_metrics(card.task_type, p, y);
    std::printf("%-24s", card.tasks[t].c_str());
    if (csv) csv->field(card.tasks[t]);
    for (const auto& name : names) {
      const auto it = metrics.find(name);
      if (it == metrics.end()) {
        std::printf(" %10s", "-");
        if (csv) csv->field(std::string());
        continue;
      }
      std::printf(name == "count" || name == "positives" ? " %10.0f" : " %10.4f", it->second);
      if (csv) csv->field(it->second);
      sums[name] += it->second;
      ++counted[name];
    }
    if (csv) csv->end_row();
    std::printf("\n");
  }
  if (card.tasks.size() > 1) {
    std::printf("%-24s", "mean");
    for (const auto& name : names)
      if (counted[name] && name != "count" && name != "positives")
        std::printf(" %10.4f", sums[name] / counted[name]);
      else
        std::printf(" %10s", "");
    std::printf("\n");
  }
  if (csv) csv->close();
  const std::size_t invalid = data.size() - data.valid_rows().size();
  if (invalid && !r.quiet)
    std::fprintf(stderr, "evaluate: %zu rows could not be read and are left out\n", invalid);
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto request = std::make_shared<EvaluateRequest>();
  CLI::App* c = app.add_subcommand(
      "evaluate", "Metrics of a model store on labelled molecules, per task: ROC-AUC, PR-AUC, Brier "
                  "(classification); RMSE, MAE, R2, Spearman (regression)");
  c->add_option("--model", request->model, "Model store (.h5) from molsieve train")->required();
  c->add_option("--data", request->data, "Labelled table (.csv/.tsv) with the model's task columns")->required();
  c->add_option("--smiles-column", request->smiles_column, "Column holding the SMILES")->capture_default_str();
  c->add_option("-o,--output", request->output, "Also write the metrics as CSV");
  add_run_options(*c, *request);
  c->callback([request] { run_evaluate(*request); });
}

}  // namespace molsieve::workflows
