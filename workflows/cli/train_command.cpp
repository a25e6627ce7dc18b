// molsieve train: fit a D-MPNN ensemble on a labelled CSV, or with --protein-column a
// drug-target model on a pair file, and write a model store.
#include <CLI/CLI.hpp>

#include <cmath>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/csv_writer.h"
#include "core/error.h"
#include "core/sha256.h"
#include "models/drug_target.h"
#include "models/thread_scope.h"
#include "models/training.h"
#include "workflows/cli/commands.h"
#include "core/csv_writer.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/epoch_lines.h"

namespace molsieve::workflows {
namespace {

struct TrainRequest : RunValues {
  std::string data;
  std::string smiles_column = "smiles";
  std::vector<std::string> targets;
  std::string task;
  std::string output;
  std::string aggregation = "mean";
  std::string select_by = "loss";
  std::string split = "random";
  std::vector<double> split_sizes{0.8, 0.1, 0.1};
  std::vector<double> task_weights;
  std::string name, intended_use, limitations;
  std::string split_output;
  std::string split_file;
  models::TrainOptions options;
  // Drug-target models (a pair file).
  std::string protein_column, protein_table;
  models::ProteinEncoding protein{"cnn"};
  int protein_batch = 32;
  double active_threshold = std::numeric_limits<double>::quiet_NaN();
};

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

std::string join(const std::vector<double>& values) {
  std::ostringstream out;
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << values[i];
  return out.str();
}

// The training command with every option spelled out (paths by file name), so the card
// says exactly how to train the model again.
std::string reproducible_command(const TrainRequest& r) {
  const models::TrainOptions& o = r.options;
  const models::Architecture& a = o.architecture;
  std::ostringstream c;
  c << "molsieve train --data " << std::filesystem::path(r.data).filename().string()
    << " --smiles-column " << r.smiles_column << " --targets " << join(r.targets) << " --task " << r.task
    << " --epochs " << o.epochs << " --batch-size " << o.batch_size << " --lr " << o.max_lr
    << " --init-lr " << o.init_lr << " --final-lr " << o.final_lr << " --warmup-epochs " << o.warmup_epochs
    << " --patience " << o.patience << " --select-by " << r.select_by << " --ensemble " << o.ensemble;
  if (r.split_file.empty())
    c << " --split " << r.split << " --split-sizes " << join(r.split_sizes);
  else
    c << " --split-file " << std::filesystem::path(r.split_file).filename().string();
  c << " --seed " << o.seed << " --hidden-size " << a.hidden
    << " --depth " << a.depth << " --aggregation " << r.aggregation << " --dropout " << a.dropout
    << " --ffn-hidden-size " << a.ffn_hidden << " --ffn-layers " << a.ffn_layers
    << (a.descriptors ? " --descriptors" : "");
  if (a.fingerprint_features > 0) c << " --fingerprint-features " << a.fingerprint_features;
  if (!o.pretrained_encoder.empty())
    c << " --from-pretrained " << std::filesystem::path(o.pretrained_encoder).filename().string();
  if (!r.task_weights.empty()) c << " --task-weights " << join(r.task_weights);
  if (!r.protein_column.empty()) {
    c << " --protein-column " << r.protein_column;
    if (!r.protein_table.empty()) c << " --protein-table " << std::filesystem::path(r.protein_table).filename().string();
    c << " --protein-encoder " << r.protein.kind << " --protein-length " << r.protein.length << " --protein-batch "
      << r.protein_batch;
    if (!std::isnan(r.active_threshold)) c << " --active-threshold " << r.active_threshold;
  }
  c << " -o " << std::filesystem::path(r.output).filename().string();
  return c.str();
}

std::string format_metric(const std::map<std::string, double>& metrics, const char* name) {
  const auto it = metrics.find(name);
  if (it == metrics.end()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", it->second);
  return text;
}

// Which part each data row went to, so other methods can be compared on the same split.
void write_split(const std::string& path, const models::MoleculeSet& data, const models::Split& split) {
  std::vector<const char*> part(data.size(), "invalid");
  for (std::size_t row : split.train) part[row] = "train";
  for (std::size_t row : split.validation) part[row] = "validation";
  for (std::size_t row : split.test) part[row] = "test";
  CsvWriter csv(path, {"row", "smiles", "part"});
  for (std::size_t row = 0; row < data.size(); ++row)
    csv.field(row).field(data.input_smiles[row]).field(std::string(part[row])).end_row();
  csv.close();
}

// A drug-target model on a pair file: an ensemble of networks, its split over the file's pairs.
void run_train_drug_target(TrainRequest& r) {
  const models::TrainOptions& o = r.options;
  if (r.targets.size() != 1) throw Error("--targets: a drug-target model has one affinity column");
  if (models::parse_task_type(r.task) != models::TaskType::Regression)
    throw Error("--task: a drug-target model predicts an affinity (regression)");
  if (r.split_file.empty() && r.split != "random")
    throw Error("--split " + r.split + ": a pair file splits at random or by --split-file (e.g. unseen drugs)");
  if (o.architecture.descriptors) throw Error("--descriptors: drug-target models read the graph and --fingerprint-features only");
  if (r.protein.kind != "cnn" && r.protein.kind != "composition")
    throw Error("--protein-encoder " + r.protein.kind + ": cnn or composition");
  if (r.split_file.empty()) models::check_split_sizes(r.split_sizes);
  models::DrugTargetOptions d;
  d.ligand = o.architecture;
  d.ligand.aggregation = models::parse_aggregation(r.aggregation);
  d.protein = r.protein;
  d.epochs = o.epochs;
  d.ligand_batch = o.batch_size;
  d.protein_batch = r.protein_batch;
  d.init_lr = o.init_lr;
  d.max_lr = o.max_lr;
  d.final_lr = o.final_lr;
  d.warmup_epochs = o.warmup_epochs;
  d.patience = o.patience;
  d.seed = o.seed;
  d.ensemble = o.ensemble;
  d.pretrained_encoder = o.pretrained_encoder;
  d.device = r.device;
  d.name = r.name.empty() ? std::filesystem::path(r.output).stem().string() : r.name;
  d.data_path = std::filesystem::path(r.data).filename().string();
  d.smiles_column = r.smiles_column;
  d.protein_column = r.protein_column;
  d.affinity_column = r.targets[0];
  d.split_sizes = r.split_sizes;
  d.active_threshold = r.active_threshold;
  d.command = reproducible_command(r);
  const models::ModelThreadScope threads(r.threads);
  d.data_sha256 = sha256_file(r.data);

  std::unique_ptr<models::ProteinTable> table;
  if (!r.protein_table.empty()) table = std::make_unique<models::ProteinTable>(models::read_protein_table(r.protein_table));
  if (!r.quiet) std::fprintf(stderr, "train: reading and featurizing %s\n", r.data.c_str());
  const models::PairSet data =
      models::read_pair_file(r.data, {r.smiles_column, r.protein_column, r.targets[0]}, table.get());
  std::vector<std::size_t> rows(data.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  const models::Split split = r.split_file.empty() ? models::random_split(rows, r.split_sizes, o.seed)
                                                   : models::read_split_file(r.split_file, data.size());
  if (!r.quiet)
    std::fprintf(stderr, "train: %zu pairs of %zu ligands and %zu proteins; %zu train, %zu validation, %zu test; %s encoder, %u thread(s)\n",
                 data.size(), data.ligands.size(), data.proteins.size(), split.train.size(), split.validation.size(),
                 split.test.size(), r.protein.kind.c_str(), threads.count());
  std::function<void(const models::DrugTargetEpoch&)> report;
  if (!r.quiet)
    report = [](const models::DrugTargetEpoch& e) {
      std::fprintf(stderr, "train: member %u/%u  epoch %3d/%d  loss %.4f  validation MSE %.4f  lr %.2e  %.1f s%s\n",
                   e.member + 1, e.members, e.epoch, e.epochs, e.train_loss, e.validation_mse, e.learning_rate, e.seconds,
                   e.best ? "  (best)" : "");
    };
  models::DrugTargetModel model = models::train_drug_target(data, split, d, report);
  models::ModelCard& card = model.card();
  card.intended_use = r.intended_use.empty()
                          ? "Ranking ligands by predicted affinity ('" + d.affinity_column + "') against a protein given by "
                            "name or sequence, and selectivity across panels of such proteins, in virtual screening; "
                            "trained on " + d.data_path + "; not for clinical or regulatory decisions."
                          : r.intended_use;
  card.limitations = r.limitations.empty()
                         ? "Learned from the training file's ligands and proteins only: proteins unlike the training "
                           "proteins and ligands unlike the training ligands are extrapolations (see the card's test "
                           "metrics for the split used). Mutations absent from the sequences are invisible to it."
                         : r.limitations;
  model.save(r.output);
  if (!r.quiet) {
    const auto& m = card.test_metrics[d.affinity_column];
    std::fprintf(stderr, "train: wrote %s in %.1f s; test set (%zu pairs): mse %s  ci %s  pearson %s%s%s\n", r.output.c_str(),
                 card.training_seconds, split.test.size(), format_metric(m, "mse").c_str(), format_metric(m, "ci").c_str(),
                 format_metric(m, "pearson").c_str(), std::isnan(r.active_threshold) ? "" : "  roc_auc_active ",
                 std::isnan(r.active_threshold) ? "" : format_metric(m, "roc_auc_active").c_str());
  }
}

void run_train(TrainRequest& r) {
  refuse_existing_outputs({r.output, r.split_output}, r.overwrite);
  if (!r.protein_column.empty()) {
    if (!r.split_output.empty()) throw Error("--split-output: not written for pair files (use --split-file)");
    run_train_drug_target(r);
    return;
  }
  if (!r.protein_table.empty()) throw Error("--protein-table: needs --protein-column (a pair file)");
  models::TrainOptions& o = r.options;
  o.task_type = models::parse_task_type(r.task);
  o.architecture.aggregation = models::parse_aggregation(r.aggregation);
  o.selection = r.select_by == "loss" ? models::EpochSelection::Loss : models::EpochSelection::Metric;
  o.split = r.split_file.empty() ? models::parse_split(r.split) : models::SplitKind::Given;
  o.split_sizes = r.split_sizes;
  if (r.split_file.empty()) models::check_split_sizes(o.split_sizes);
  o.tasks = r.targets;
  o.task_weights = r.task_weights;
  o.device = r.device;
  o.name = r.name.empty() ? std::filesystem::path(r.output).stem().string() : r.name;
  o.data_path = std::filesystem::path(r.data).filename().string();
  o.smiles_column = r.smiles_column;
  o.command = reproducible_command(r);
  const models::ModelThreadScope threads(r.threads);

  o.data_sha256 = sha256_file(r.data);
  if (!r.quiet) std::fprintf(stderr, "train: featurizing %s\n", r.data.c_str());
  const models::MoleculeSet data = models::read_labelled_file(r.data, r.smiles_column, r.targets);
  if (!r.split_file.empty()) o.given_split = models::read_split_file(r.split_file, data.size());
  const std::size_t valid = data.valid_rows().size();
  if (!r.quiet)
    std::fprintf(stderr, "train: %zu molecules (%zu could not be read and are left out), %zu %s task(s), %s split, %u thread(s)\n",
                 valid, data.size() - valid, r.targets.size(), r.task.c_str(), (r.split_file.empty() ? r.split : "given").c_str(), threads.count());
  models::Model model = models::train_model(data, o, r.quiet ? models::EpochCallback{} : print_epoch_lines("train"));
  models::ModelCard& card = model.card();
  if (!r.intended_use.empty()) card.intended_use = r.intended_use;
  if (!r.limitations.empty()) card.limitations = r.limitations;
  if (card.intended_use.empty())
    card.intended_use = "Ranking and triage of small molecules for '" + join(r.targets) +
                        "' in virtual screening, trained on " + o.data_path +
                        "; not for clinical or regulatory decisions.";
  if (card.limitations.empty())
    card.limitations =
        "Learned from the training file's molecules and assay only: predictions for molecules whose "
        "nearest-training-molecule Tanimoto similarity is below the applicability threshold are "
        "extrapolations and are flagged. Ensemble spread measures model disagreement, not "
        "experimental error.";
  model.save(r.output);
  if (!r.split_output.empty()) write_split(r.split_output, data, models::make_split(data, o));
  if (!r.quiet) {
    const bool classification = o.task_type == models::TaskType::Classification;
    const char* first = classification ? "roc_auc" : "rmse";
    const char* second = classification ? "pr_auc" : "r2";
    const auto tested = static_cast<std::size_t>(card.split_counts[2]);
    if (tested == 0) {
      std::fprintf(stderr, "train: wrote %s in %.1f s; no test part (its split size is 0): no held-out metrics\n",
                   r.output.c_str(), card.training_seconds);
      return;
    }
    std::fprintf(stderr, "train: wrote %s in %.1f s; test set (%zu molecules):\n", r.output.c_str(),
                 card.training_seconds, tested);
    for (const auto& task : card.tasks) {
      const auto& metrics = card.test_metrics[task];
      std::fprintf(stderr, "  %-24s %s %s  %s %s\n", task.c_str(), first, format_metric(metrics, first).c_str(),
                   second, format_metric(metrics, second).c_str());
    }
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto request = std::make_shared<TrainRequest>();
  models::TrainOptions& o = request->options;
  CLI::App* c = app.add_subcommand("train", "Train a D-MPNN (ensemble) on labelled molecules and save it as a model store");
  c->add_option("--data", request->data, "Training table (.csv or .tsv with a header)")->required();
  c->add_option("--smiles-column", request->smiles_column, "Column holding the SMILES")->capture_default_str();
  c->add_option("--targets", request->targets, "Label columns, comma-separated (one task each)")
      ->required()->delimiter(',');
  c->add_option("--task", request->task, "classification (0/1 labels) or regression")->required();
  c->add_option("-o,--output", request->output, "Model store to write (.h5)")->required();
  c->add_option("--epochs", o.epochs, "Training epochs (most)")->capture_default_str();
  c->add_option("--batch-size", o.batch_size, "Molecules per optimizer step")->capture_default_str();
  c->add_option("--lr", o.max_lr, "Peak learning rate, reached after the warm-up")->capture_default_str();
  c->add_option("--init-lr", o.init_lr, "Learning rate at the start of the warm-up")->capture_default_str();
  c->add_option("--final-lr", o.final_lr, "Learning rate at the last epoch (exponential decay)")->capture_default_str();
  c->add_option("--warmup-epochs", o.warmup_epochs, "Epochs of linear warm-up")->capture_default_str();
  c->add_option("--patience", o.patience, "Stop after this many epochs in which the --select-by quantity did not improve (0: never)")
      ->capture_default_str();
  c->add_option("--select-by", request->select_by,
                "What picks each model's best epoch: loss (validation loss) or metric (validation mean ROC-AUC or RMSE)")
      ->check(CLI::IsMember({"loss", "metric"}))
      ->capture_default_str();
  c->add_option("--ensemble", o.ensemble, "Independently seeded models; prediction = mean, uncertainty = spread")
      ->capture_default_str();
  c->add_option("--split", request->split, "random or scaffold (Bemis-Murcko)")->capture_default_str();
  c->add_option("--split-sizes", request->split_sizes, "Train, validation, test fractions")
      ->delimiter(',')->expected(3)->capture_default_str();
  c->add_option("--seed", o.seed, "Seed of the split, initialisation, shuffling and dropout")->capture_default_str();
  c->add_option("--hidden-size", o.architecture.hidden, "Message-passing hidden size")->capture_default_str();
  c->add_option("--depth", o.architecture.depth, "Message-passing steps")->capture_default_str();
  c->add_option("--aggregation", request->aggregation, "Atom-to-molecule readout: mean, sum or norm (sum / 100)")
      ->capture_default_str();
  c->add_option("--dropout", o.architecture.dropout, "Dropout probability")->capture_default_str();
  c->add_option("--ffn-hidden-size", o.architecture.ffn_hidden, "Hidden size of the feed-forward head")
      ->capture_default_str();
  c->add_option("--ffn-layers", o.architecture.ffn_layers, "Layers of the feed-forward head")->capture_default_str();
  c->add_flag("--descriptors", o.architecture.descriptors,
              "Feed the 14 library-store descriptors (standardized) to the head as well (not for drug-target models)");
  c->add_option("--fingerprint-features", o.architecture.fingerprint_features,
                "Feed the Morgan fingerprint to the head as well, folded to this many bits "
                "(a divisor of the fingerprint size; 0: off)")
      ->capture_default_str();
  c->add_option("--task-weights", request->task_weights, "Loss weight per target, comma-separated")
      ->delimiter(',');
  c->add_option("--name", request->name, "Model name for the card (default: output file stem)");
  c->add_option("--intended-use", request->intended_use, "Intended use, for the model card");
  c->add_option("--limitations", request->limitations, "Known limitations, for the model card");
  c->add_option("--split-file", request->split_file,
                "Use this split instead (CSV with columns row, part: train, validation or test), "
                "e.g. one written by --split-output");
  c->add_option("--split-output", request->split_output,
                "Also write the split as CSV (row, smiles, part), e.g. to compare a baseline on it");
  c->add_option("--protein-column", request->protein_column,
                "Train a drug-target model on a pair file: the column holding each pair's protein (a name from "
                "--protein-table, or the sequence); --targets names the affinity column");
  c->add_option("--protein-table", request->protein_table,
                "Proteins by name: FASTA, or a name,sequence table (with --protein-column)");
  c->add_option("--protein-encoder", request->protein.kind,
                "cnn (convolutions over residues) or composition (amino-acid and dipeptide frequencies)")
      ->capture_default_str();
  c->add_option("--protein-length", request->protein.length, "Residues the cnn encoder reads (longer sequences are cut)")
      ->capture_default_str();
  c->add_option("--protein-batch", request->protein_batch,
                "Proteins per optimizer step, against --batch-size ligands (drug-target models)")
      ->capture_default_str();
  c->add_option("--from-pretrained", o.pretrained_encoder,
                "Encoder from molsieve pretrain: every member's message passing (a drug-target model's ligand "
                "encoder) starts from its weights (same --hidden-size and --depth); the head starts at random");
  c->add_option("--active-threshold", request->active_threshold,
                "Also report the ROC-AUC of telling affinities at or above this value (e.g. pKd 7) from the rest");
  add_run_options(*c, *request);
  c->callback([request] { run_train(*request); });
}

}  // namespace molsieve::workflows
