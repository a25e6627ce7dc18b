// molsieve pretrain: a message-passing encoder trained to predict RDKit descriptors of
// unlabelled molecules (models/pretraining.h), for molsieve train --from-pretrained.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "models/pretraining.h"
#include "models/thread_scope.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/epoch_lines.h"

namespace molsieve::workflows {
namespace {

struct PretrainRequest : RunValues {
  std::vector<std::string> data, exclude;
  std::size_t max_molecules = 0;
  std::vector<double> split_sizes{0.95, 0.05, 0.0};
  std::string output;
  models::TrainOptions options;
};

std::string file_names(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files) out += (out.empty() ? "" : " ") + std::filesystem::path(f).filename().string();
  return out;
}

// The command with every option spelled out (files by name), for the card.
std::string reproducible_command(const PretrainRequest& r) {
  const models::TrainOptions& o = r.options;
  std::ostringstream c;
  c << "molsieve pretrain --data " << file_names(r.data);
  if (!r.exclude.empty()) c << " --exclude " << file_names(r.exclude);
  c << " --max-molecules " << r.max_molecules << " --epochs " << o.epochs << " --batch-size " << o.batch_size
    << " --lr " << o.max_lr << " --patience " << o.patience << " --seed " << o.seed << " --hidden-size "
    << o.architecture.hidden << " --depth " << o.architecture.depth << " -o "
    << std::filesystem::path(r.output).filename().string();
  return c.str();
}

void run_pretrain(PretrainRequest& r) {
  refuse_existing_outputs({r.output}, r.overwrite);
  models::check_split_sizes(r.split_sizes);
  std::vector<models::CorpusFile> files, exclude;
  for (const auto& d : r.data) files.push_back(models::parse_corpus_file(d));
  for (const auto& e : r.exclude) exclude.push_back(models::parse_corpus_file(e));
  models::TrainOptions& o = r.options;
  o.split = models::SplitKind::Random;
  o.split_sizes = r.split_sizes;
  o.ensemble = 1;
  o.device = r.device;
  o.name = std::filesystem::path(r.output).stem().string();
  o.command = reproducible_command(r);
  const models::ModelThreadScope threads(r.threads);
  if (!r.quiet) std::fprintf(stderr, "pretrain: reading and featurizing %zu file(s), %u thread(s)\n", files.size(), threads.count());
  const models::PretrainingCorpus corpus = models::read_pretraining_corpus(
      files, exclude, r.max_molecules, o.seed, [&](std::size_t kept) {
        if (!r.quiet) std::fprintf(stderr, "pretrain: %zu distinct molecules so far\n", kept);
      });
  if (!r.quiet)
    std::fprintf(stderr,
                 "pretrain: %zu distinct molecules from %llu rows (%llu unreadable, %llu copies, %llu in excluded sets); "
                 "%zu descriptors to predict\n",
                 corpus.molecules.size(), static_cast<unsigned long long>(corpus.records),
                 static_cast<unsigned long long>(corpus.invalid), static_cast<unsigned long long>(corpus.duplicates),
                 static_cast<unsigned long long>(corpus.excluded), corpus.descriptors.size());
  models::Model encoder =
      models::pretrain_encoder(corpus, o, r.quiet ? models::EpochCallback{} : print_epoch_lines("pretrain"));
  encoder.save(r.output);
  if (!r.quiet)
    std::fprintf(stderr, "pretrain: wrote %s in %.1f s\n", r.output.c_str(), encoder.card().training_seconds);
}

}  // namespace

void add_pretrain_command(CLI::App& app) {
  auto request = std::make_shared<PretrainRequest>();
  models::TrainOptions& o = request->options;
  o.epochs = 10;
  o.patience = 3;
  CLI::App* c = app.add_subcommand(
      "pretrain",
      "Pretrain a message-passing encoder on unlabelled molecules: a D-MPNN that predicts each molecule's RDKit "
      "descriptors from its graph (CheMeleon's idea), written as a model store for molsieve train --from-pretrained");
  c->add_option("--data", request->data,
                "Molecule tables, repeatable: FILE or FILE:COLUMN (.csv/.tsv, optionally .gz; COLUMN holds the SMILES, "
                "default smiles); only the structures are read")
      ->required();
  c->add_option("--exclude", request->exclude,
                "Tables whose structures the encoder must not see (held-out sets), repeatable, as --data");
  c->add_option("--max-molecules", request->max_molecules,
                "Distinct structures to keep, a seeded sample over every file (0: all)")
      ->capture_default_str();
  c->add_option("-o,--output", request->output, "Encoder model store to write (.h5)")->required();
  c->add_option("--epochs", o.epochs, "Training epochs (most)")->capture_default_str();
  c->add_option("--batch-size", o.batch_size, "Molecules per optimizer step")->capture_default_str();
  c->add_option("--lr", o.max_lr, "Peak learning rate, reached after the warm-up")->capture_default_str();
  c->add_option("--patience", o.patience, "Stop after this many epochs without a better validation loss (0: never)")
      ->capture_default_str();
  c->add_option("--split-sizes", request->split_sizes, "Train, validation, test fractions")
      ->delimiter(',')
      ->capture_default_str();
  c->add_option("--seed", o.seed, "Seed of the sample, split, initialisation and shuffling")->capture_default_str();
  c->add_option("--hidden-size", o.architecture.hidden, "Message-passing hidden size (the models started from it use the same)")
      ->capture_default_str();
  c->add_option("--depth", o.architecture.depth, "Message-passing steps (the models started from it use the same)")
      ->capture_default_str();
  add_run_options(*c, *request);
  c->callback([request] { run_pretrain(*request); });
}

}  // namespace molsieve::workflows
