// molsieve predict: run a model store on molecules (a molecule file or a library store) and
// write one CSV row per input row, in input order.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

#include "chem/library_store.h"
#include "core/csv_writer.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "models/drug_target.h"
#include "models/model.h"
#include "models/thread_scope.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/progress_bar.h"

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

class PredictionWriter {
 public:
  PredictionWriter(const std::string& path, const models::ModelCard& card)
      : card_(card), csv_(path, header(card)) {}
  void write(const models::MoleculeSet& molecules, const models::Predictions& p) {
    for (std::size_t row = 0; row < molecules.size(); ++row) {
      csv_.field(molecules.ids[row]).field(molecules.input_smiles[row]);
      const bool valid = molecules.valid(row);
      for (std::size_t t = 0; t < p.tasks; ++t) {
        number(valid, p.mean[row * p.tasks + t]);
        number(valid, p.std[row * p.tasks + t]);
        if (card_.task_type != models::TaskType::Regression) continue;
        number(valid, p.lo95[row * p.tasks + t]);
        number(valid, p.hi95[row * p.tasks + t]);
      }
      const double similarity = p.nearest_training_similarity[row];
      number(valid, similarity);
      // Without a training set (an imported model) there is no domain to be in or out of.
      csv_.field(valid && !std::isnan(similarity) ? std::string(similarity >= card_.domain_threshold ? "1" : "0")
                                                  : std::string());
      csv_.field(molecules.errors[row]);
      csv_.end_row();
    }
  }
  void close() { csv_.close(); }

 private:
  static std::vector<std::string> header(const models::ModelCard& card) {
    std::vector<std::string> columns{"id", "smiles"};
    for (const auto& task : card.tasks) {
      columns.push_back(task);
      columns.push_back(task + "_std");
      if (card.task_type != models::TaskType::Regression) continue;
      columns.push_back(task + "_lo95");
      columns.push_back(task + "_hi95");
    }
    columns.insert(columns.end(), {"nearest_training_similarity", "in_domain", "error"});
    return columns;
  }
  void number(bool valid, double value) {
    if (valid && std::isfinite(value))
      csv_.field(value);
    else
      csv_.field(std::string());
  }
  const models::ModelCard& card_;
  CsvWriter csv_;
};

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

// The proteins a drug-target model is asked about: names from its table, then FASTA entries.
models::ProteinTable requested_targets(const PredictRequest& r, const models::ProteinTable& known) {
  if (r.targets.empty() && r.target_fasta.empty()) {
    std::string examples;
    for (std::size_t p = 0; p < known.size() && p < 3; ++p) examples += (p ? ", " : "") + known.name(p);
    throw Error(r.model + ": a drug-target model scores ligands against proteins: name them with --target (" +
                std::to_string(known.size()) + " in its table, e.g. " + examples + ") or --target-fasta");
  }
  models::ProteinTable targets;
  for (const auto& name : r.targets) {
    const std::size_t at = known.find(name);
    if (at == known.size()) throw Error("--target " + name + ": not in the protein table of " + r.model);
    targets.add(name, known.sequence(at), "--target " + name);
  }
  if (!r.target_fasta.empty()) {
    const models::ProteinTable fasta = models::read_protein_table(r.target_fasta);
    for (std::size_t p = 0; p < fasta.size(); ++p) targets.add(fasta.name(p), fasta.sequence(p), r.target_fasta);
  }
  return targets;
}

// A drug-target model: per target, its affinity <affinity>:<target>, the half-width of its 68%
// interval <affinity>:<target>_std and its 95% interval _lo95, _hi95 (the screen's names).
void run_predict_drug_target(const PredictRequest& r, unsigned threads) {
  models::DrugTargetModel model = models::DrugTargetModel::load(r.model);
  const std::string device = model.use_device(r.device);
  const models::ModelCard& card = model.card();
  const models::ProteinTable targets = requested_targets(r, model.proteins());
  std::vector<std::string> columns{"id", "smiles"}, sequences;
  std::vector<char> protein_inside;
  for (std::size_t p = 0; p < targets.size(); ++p) {
    columns.push_back(card.tasks[0] + ":" + targets.name(p));
    sequences.push_back(targets.sequence(p));
  }
  for (const char* suffix : {"_std", "_lo95", "_hi95"})
    for (std::size_t p = 0; p < targets.size(); ++p) columns.push_back(card.tasks[0] + ":" + targets.name(p) + suffix);
  for (std::size_t p = 0; p < targets.size(); ++p) columns.push_back("in_domain:" + targets.name(p));
  columns.insert(columns.end(), {"nearest_training_similarity", "error"});
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
  CsvWriter csv(r.output, columns);
  std::unique_ptr<ProgressBar> bar;
  if (!r.quiet) bar = std::make_unique<ProgressBar>("predict");
  std::uint64_t done = 0, invalid = 0;
  for_each_input_chunk(r, card, bar.get(), [&](const models::MoleculeSet& set) {
    const models::AffinityGrid grid = model.predict_grid(set, sequences, protein_inside);
    const std::vector<double>& similarity = grid.nearest_training_similarity;
    auto number = [&](double value) {
      if (std::isfinite(value))
        csv.field(value);
      else
        csv.field(std::string());
    };
    for (std::size_t row = 0; row < set.size(); ++row) {
      csv.field(set.ids[row]).field(set.input_smiles[row]);
      for (std::size_t p = 0; p < sequences.size(); ++p) number(grid.mean[row * sequences.size() + p]);
      for (const auto* values : {&grid.spread, &grid.lo95, &grid.hi95})
        for (std::size_t p = 0; p < sequences.size(); ++p) number((*values)[row * sequences.size() + p]);
      const bool ligand_inside = similarity[row] >= card.domain_threshold;
      for (std::size_t p = 0; p < sequences.size(); ++p)
        csv.field(set.valid(row) ? std::string(ligand_inside && protein_inside[p] ? "1" : "0") : std::string());
      number(similarity[row]);
      csv.field(set.errors[row]).end_row();
      invalid += set.valid(row) ? 0 : 1;
    }
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

  PredictionWriter writer(r.output, card);
  std::unique_ptr<ProgressBar> bar;
  if (!r.quiet) bar = std::make_unique<ProgressBar>("predict");
  std::uint64_t done = 0, invalid = 0, outside = 0;
  for_each_input_chunk(r, card, bar.get(), [&](const models::MoleculeSet& set) {
    const models::Predictions p = model.predict(set, options);
    writer.write(set, p);
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
  if (!r.quiet)
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
      "(mean +- std holds 68% of held-out truths at the molecule's distance from the training data), <task>_lo95 "
      "and <task>_hi95 (the 95% interval; beyond the held-out data's reach, the labels' own spread). "
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
                "(comma-separated); columns <affinity>:<name> with <affinity>:<name>_std, _lo95 and _hi95 each")
      ->delimiter(',');
  c->add_option("--target-fasta", request->target_fasta, "Drug-target models: proteins to score against, as FASTA");
  add_run_options(*c, *request);
  c->callback([request] { run_predict(*request); });
}

}  // namespace molsieve::workflows
