// molsieve predict: run a model store on molecules (a molecule file or a library store) and
// write one CSV row per input row, in input order.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <memory>

#include "chem/library_store.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "models/drug_target.h"
#include "models/model.h"
#include "models/thread_scope.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/progress_bar.h"
#include "workflows/results/export.h"
#include "workflows/results/prediction_table.h"

namespace molsieve::workflows {
namespace {

struct PredictRequest : RunValues {
  std::string model;
  std::string input;
  std::string smiles_column = "smiles";
  std::string id_column;
  std::string output;
  std::size_t batch_size = 64;
  std::vector<std::string> targets;  // drug-target models: protein names from the model's table
  std::string target_fasta;          // ... or sequences
};

constexpr std::size_t kRowsPerChunk = 8192;  // bounds memory: one chunk of molecules at a time

// Calls `use` with each chunk of the input in order: molecules featurized for `card`, or
// rows of a library store (checked against `card`, not featurized again).
void for_each_input_chunk(const PredictRequest& r, const models::ModelCard& card, ProgressBar* bar,
                          const std::function<void(const models::MoleculeSet&)>& use) {
  std::uint64_t done = 0;
  const bool store_input = r.input.size() > 3 && r.input.substr(r.input.size() - 3) == ".h5";
  if (store_input || hdf5::is_hdf5_file(r.input)) {
    const chem::LibraryReader store(r.input);
    models::check_store_matches_model(store.summary(), card);
    const std::uint64_t rows = store.size();
    for (std::uint64_t first = 0; first < rows; first += kRowsPerChunk) {
      const models::MoleculeSet set =
          models::read_store_rows(store, first, std::min<std::uint64_t>(kRowsPerChunk, rows - first));
      use(set);
      done += set.size();
      if (bar) bar->update({done, done, rows});
    }
    return;
  }
  chem::ReaderOptions reader_options;
  reader_options.smiles_column = r.smiles_column;
  reader_options.id_column = r.id_column;
  chem::MoleculeReader reader({r.input}, reader_options);
  const models::MoleculeFeaturizer featurizer(models::model_featurizer_options(card));
  std::vector<chem::InputRecord> records;
  while (true) {
    records.clear();
    const bool more = reader.next_batch(records, kRowsPerChunk);
    if (!records.empty()) {
      use(featurizer.featurize(std::move(records)));
      if (bar) bar->update(reader.progress());
    }
    if (!more) break;
  }
}

// A drug-target model: per target, its affinity <affinity>:<target>, the half-width of its 68%
// interval <affinity>:<target>_std, its 68% interval _lo68, _hi68 and its 95% interval _lo95,
// _hi95 (the screen's names).
void run_predict_drug_target(const PredictRequest& r, unsigned threads) {
  models::DrugTargetModel model = models::DrugTargetModel::load(r.model);
  const std::string device = model.use_device(r.device);
  const models::ModelCard& card = model.card();
  const models::ProteinTable targets = requested_targets(r.model, model.proteins(), r.targets, r.target_fasta);
  std::vector<std::string> names, sequences;
  std::vector<char> protein_inside;
  for (std::size_t p = 0; p < targets.size(); ++p) {
    names.push_back(targets.name(p));
    sequences.push_back(targets.sequence(p));
  }
  if (!r.quiet)
    std::fprintf(stderr, "predict: drug-target model %s (ensemble of %u) against %zu protein(s), %s, %u thread(s)\n",
                 card.name.c_str(), card.ensemble, targets.size(), device.c_str(), threads);
  for (std::size_t p = 0; p < targets.size(); ++p) {
    const double identity = model.nearest_training_identity(sequences[p]);
    protein_inside.push_back(identity >= card.protein_identity_threshold);
    if (!r.quiet && !protein_inside.back())
      std::fprintf(stderr, "predict: %s is outside the domain: %.0f%% identity to the nearest training protein (%.0f%% needed)\n",
                   targets.name(p).c_str(), 100 * identity, 100 * card.protein_identity_threshold);
  }
  TableCsvWriter csv(r.output, drug_target_table({}, {}, card, names, protein_inside));
  std::unique_ptr<ProgressBar> bar;
  if (!r.quiet) bar = std::make_unique<ProgressBar>("predict");
  std::uint64_t done = 0, invalid = 0;
  for_each_input_chunk(r, card, bar.get(), [&](const models::MoleculeSet& set) {
    csv.append(drug_target_table(set, model.predict_grid(set, sequences, protein_inside), card, names, protein_inside));
    for (std::size_t row = 0; row < set.size(); ++row) invalid += set.valid(row) ? 0 : 1;
    done += set.size();
  });
  csv.close();
  if (bar) bar->finish();
  if (!r.quiet)
    std::fprintf(stderr, "predict: %llu rows x %zu protein(s) to %s (%llu invalid)\n", static_cast<unsigned long long>(done),
                 targets.size(), r.output.c_str(), static_cast<unsigned long long>(invalid));
}

void run_predict(const PredictRequest& r) {
  refuse_existing_outputs({r.output}, r.overwrite);
  const models::ModelThreadScope threads(r.threads);
  if (models::DrugTargetModel::is_drug_target_store(r.model)) {
    run_predict_drug_target(r, threads.count());
    return;
  }
  if (!r.targets.empty() || !r.target_fasta.empty())
    throw Error("--target: " + r.model + " is a model of molecules alone, not of ligand-protein pairs");
  models::Model model = models::Model::load(r.model);
  const std::string device = model.use_device(r.device);
  const models::ModelCard& card = model.card();
  models::PredictOptions options;
  options.batch_size = r.batch_size;
  if (!r.quiet)
    std::fprintf(stderr, "predict: model %s (%zu task(s), ensemble of %u), %s, %u thread(s)\n",
                 card.name.c_str(), card.tasks.size(), card.ensemble, device.c_str(), threads.count());

  TableCsvWriter writer(r.output, prediction_table({}, {}, card));
  std::unique_ptr<ProgressBar> bar;
  if (!r.quiet) bar = std::make_unique<ProgressBar>("predict");
  std::uint64_t done = 0, invalid = 0, outside = 0;
  for_each_input_chunk(r, card, bar.get(), [&](const models::MoleculeSet& set) {
    const models::Predictions p = model.predict(set, options);
    writer.append(prediction_table(set, p, card));
    for (std::size_t row = 0; row < set.size(); ++row) {
      if (!set.valid(row))
        ++invalid;
      else if (p.nearest_training_similarity[row] < card.domain_threshold)
        ++outside;
    }
    done += set.size();
  });
  writer.close();
  if (bar) bar->finish();
  if (!r.quiet && !card.imported_from.empty())
    std::fprintf(stderr,
                 "predict: %llu rows to %s (%llu invalid); %s was imported from %s without its training set: no "
                 "applicability domain (in_domain empty); its intervals are empty until molsieve calibrate fits them on "
                 "held-out data\n",
                 static_cast<unsigned long long>(done), r.output.c_str(), static_cast<unsigned long long>(invalid),
                 r.model.c_str(), card.imported_tool.c_str());
  else if (!r.quiet)
    std::fprintf(stderr,
                 "predict: %llu rows to %s (%llu invalid); %llu outside the applicability domain (similarity below "
                 "%.2f to the nearest training molecule: extrapolations, with intervals as wide as the labels' spread)\n",
                 static_cast<unsigned long long>(done), r.output.c_str(), static_cast<unsigned long long>(invalid),
                 static_cast<unsigned long long>(outside), card.domain_threshold);
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto request = std::make_shared<PredictRequest>();
  CLI::App* c = app.add_subcommand(
      "predict",
      "Predict with a model store: one CSV row per input row, in input order. Regression: <task>, <task>_std "
      "(mean +- std holds 68% of held-out truths at the molecule's distance from the training data), <task>_lo68 "
      "and <task>_hi68 (the 68% interval), <task>_lo95 and <task>_hi95 (the 95% interval; beyond the held-out "
      "data's reach, the labels' own spread, within the labels' range). "
      "Classification: <task> (a calibrated probability) and <task>_std (the ensemble's spread). Then "
      "nearest_training_similarity and in_domain (docs/models.md)");
  c->add_option("--model", request->model, "Model store (.h5) from molsieve train")->required();
  c->add_option("--input", request->input, "Molecules: .smi, .csv, .tsv, .sdf (optionally .gz) or a library store (.h5)")
      ->required();
  c->add_option("--smiles-column", request->smiles_column, "SMILES column of CSV/TSV input")->capture_default_str();
  c->add_option("--id-column", request->id_column, "CSV/TSV column holding the molecule id (written as the output's id column; default: the .smi name field, the SDF title or <file>_<record number>)");
  c->add_option("-o,--output", request->output, "Predictions CSV to write")->required();
  c->add_option("--batch-size", request->batch_size, "Molecules per forward pass")->capture_default_str();
  c->add_option("--target", request->targets,
                "Drug-target models: proteins to score against, by name in the model's protein table "
                "(comma-separated); columns <affinity>:<name> with <affinity>:<name>_std, _lo68, _hi68, _lo95 and _hi95 each")
      ->delimiter(',');
  c->add_option("--target-fasta", request->target_fasta, "Drug-target models: proteins to score against, as FASTA");
  add_run_options(*c, *request);
  c->callback([request] { run_predict(*request); });
}

}  // namespace molsieve::workflows
