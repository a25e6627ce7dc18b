// molsieve predict: run a model store on molecules (a molecule file or a library store) and
// write one CSV row per input row, in input order.
#include <CLI/CLI.hpp>

#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "chem/library_store.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "models/model.h"
#include "workflows/commands.h"
#include "workflows/csv_writer.h"
#include "workflows/model_options.h"
#include "workflows/progress_bar.h"
#include "workflows/search_options.h"

namespace molsieve::workflows {
namespace {

struct PredictRequest : ModelRunValues {
  std::string model;
  std::string input;
  std::string smiles_column = "smiles";
  std::string id_column;
  std::string output;
  std::size_t batch_size = 64;
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
      }
      const double similarity = p.nearest_training_similarity[row];
      number(valid, similarity);
      csv_.field(valid ? std::string(similarity >= card_.domain_threshold ? "1" : "0") : std::string());
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

void run_predict(const PredictRequest& r) {
  refuse_existing_outputs({r.output}, r.overwrite);
  const unsigned threads = use_threads(r.threads);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  models::Model model = models::Model::load(r.model);
  const std::string device = model.use_device(kernels::parse_device(r.device));
  const models::ModelCard& card = model.card();
  models::PredictOptions options;
  options.batch_size = r.batch_size;
  if (!r.quiet)
    std::fprintf(stderr, "predict: model %s (%zu task(s), ensemble of %u), %s, %u thread(s)\n",
                 card.name.c_str(), card.tasks.size(), card.ensemble, device.c_str(), threads);

  PredictionWriter writer(r.output, card);
  std::unique_ptr<ProgressBar> bar;
  if (!r.quiet) bar = std::make_unique<ProgressBar>("predict");
  std::uint64_t done = 0, invalid = 0, outside = 0;
  auto account = [&](const models::MoleculeSet& set, const models::Predictions& p) {
    for (std::size_t row = 0; row < set.size(); ++row) {
      if (!set.valid(row))
        ++invalid;
      else if (p.nearest_training_similarity[row] < card.domain_threshold)
        ++outside;
    }
    done += set.size();
  };
  const bool store_input = r.input.size() > 3 && r.input.substr(r.input.size() - 3) == ".h5";
  if (store_input || hdf5::is_hdf5_file(r.input)) {
    const chem::LibraryReader store(r.input);
    check_store_matches_model(store.summary(), card);
    const std::uint64_t rows = store.size();
    for (std::uint64_t first = 0; first < rows; first += kRowsPerChunk) {
      const models::MoleculeSet set =
          models::read_store_rows(store, first, std::min<std::uint64_t>(kRowsPerChunk, rows - first));
      const models::Predictions p = model.predict(set, options);
      writer.write(set, p);
      account(set, p);
      if (bar) bar->update({done, done, rows});
    }
  } else {
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
        const models::MoleculeSet set = featurizer.featurize(std::move(records));
        const models::Predictions p = model.predict(set, options);
        writer.write(set, p);
        account(set, p);
        if (bar) bar->update(reader.progress());
      }
      if (!more) break;
    }
  }
  writer.close();
  if (bar) bar->finish();
  if (!r.quiet)
    std::fprintf(stderr, "predict: %llu rows to %s (%llu invalid, %llu outside the applicability domain)\n",
                 static_cast<unsigned long long>(done), r.output.c_str(),
                 static_cast<unsigned long long>(invalid), static_cast<unsigned long long>(outside));
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto request = std::make_shared<PredictRequest>();
  CLI::App* c = app.add_subcommand(
      "predict",
      "Predict with a model store: one CSV row per input row, in input order, with <task> and <task>_std "
      "columns (probability or value in training units, and ensemble spread)");
  c->add_option("--model", request->model, "Model store (.h5) from molsieve train")->required();
  c->add_option("--input", request->input, "Molecules: .smi, .csv, .tsv, .sdf (optionally .gz) or a library store (.h5)")
      ->required();
  c->add_option("--smiles-column", request->smiles_column, "SMILES column of CSV/TSV input")->capture_default_str();
  c->add_option("--id-column", request->id_column, "CSV/TSV column holding the molecule id (written as the output's id column; default: the .smi name field, the SDF title or <file>_<record number>)");
  c->add_option("-o,--output", request->output, "Predictions CSV to write")->required();
  c->add_option("--batch-size", request->batch_size, "Molecules per forward pass")->capture_default_str();
  add_model_run_options(*c, *request);
  c->callback([request] { run_predict(*request); });
}

}  // namespace molsieve::workflows
