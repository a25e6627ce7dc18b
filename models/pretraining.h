#pragma once
// A message-passing encoder pretrained without labels, as CheMeleon does: a D-MPNN trained
// to predict each molecule's descriptor panel (chem/descriptor_panel.h) from its graph.
// `molsieve train --from-pretrained` starts every member's message passing from its weights
// (TrainOptions::pretrained_encoder); the head is trained from scratch.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/model.h"
#include "models/training.h"

namespace molsieve::models {

// A CSV or TSV file (optionally .gz) and its SMILES column.
struct CorpusFile {
  std::string path;
  std::string smiles_column = "smiles";
};

// "file.csv" or "file.csv:column" (the column defaults to smiles).
CorpusFile parse_corpus_file(const std::string& text);

struct PretrainingCorpus {
  // Distinct valid structures (standardized SMILES), labels: the panel's descriptors that vary
  // over the corpus, each clamped to its 0.1st-99.9th percentiles so that a few extreme
  // molecules do not dominate the squared error.
  MoleculeSet molecules;
  std::vector<std::string> descriptors;  // the task names
  std::uint64_t records = 0;     // rows read from every file
  std::uint64_t invalid = 0;     // rows RDKit could not read
  std::uint64_t duplicates = 0;  // copies of a structure kept from an earlier row or file
  std::uint64_t excluded = 0;    // structures of the excluded files
  std::string sources;           // "muv.csv.gz (93087 rows), ..." for the card
  std::string excluded_sources;  // "bace.csv, clintox.csv": whose held-out comparisons stay fair
  std::string sources_sha256;    // of the files' SHA-256s, in order
};

// Reads every file's rows, shuffles them with `seed`, and featurizes them in that order until
// `max_molecules` distinct structures are kept (0: all), leaving out the structures of
// `exclude` (held-out data sets the encoder must not see, labels or not). `progress` hears
// the structures kept so far. Throws molsieve::Error naming a file that cannot be read or
// lacks the column.
PretrainingCorpus read_pretraining_corpus(const std::vector<CorpusFile>& files, const std::vector<CorpusFile>& exclude,
                                          std::size_t max_molecules, std::uint64_t seed,
                                          const std::function<void(std::size_t kept)>& progress = {});

// Trains the encoder: regression on the corpus's descriptors with `options`' architecture,
// schedule and seed (tasks, task type and data provenance are set from the corpus).
Model pretrain_encoder(const PretrainingCorpus& corpus, TrainOptions options, const EpochCallback& on_epoch = {});

}  // namespace molsieve::models
