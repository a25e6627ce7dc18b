#include "workflows/model_options.h"

#include <CLI/CLI.hpp>

#include "chem/library_store.h"
#include "core/error.h"
#include "models/model.h"
#include "workflows/search_options.h"

namespace molsieve::workflows {

void add_model_run_options(CLI::App& command, ModelRunValues& values) {
  command.add_option("--threads", values.threads, "CPU threads (0: all cores)")->capture_default_str();
  command.add_option("--device", values.device, "auto (CUDA when LibTorch sees a GPU, else CPU), cpu, cuda or cuda:N (the GPU with index N)")
      ->capture_default_str();
  command.add_flag("--overwrite", values.overwrite, "Replace the output if it exists");
  command.add_flag("-q,--quiet", values.quiet, "No progress or summary on stderr");
}

unsigned use_threads(unsigned requested) {
  const unsigned threads = thread_count(requested);
  models::set_compute_threads(threads);
  return threads;
}

void check_store_matches_model(const chem::LibrarySummary& store, const models::ModelCard& card) {
  if (store.graph_featurizer_version != card.graph_featurizer_version)
    throw Error(store.path + ": graphs of featurizer version " + std::to_string(store.graph_featurizer_version) +
                ", the model was trained on version " + std::to_string(card.graph_featurizer_version) +
                " (featurize the library again)");
  if (store.standardized != card.standardize)
    throw Error(store.path + ": standardization " + (store.standardized ? "on" : "off") +
                " differs from the model's training data");
  if (store.fp_bits != card.fp_bits)
    throw Error(store.path + ": " + std::to_string(store.fp_bits) + "-bit fingerprints; the model's applicability domain uses " +
                std::to_string(card.fp_bits) + " bits (featurize with --fp-bits " + std::to_string(card.fp_bits) + ")");
}

}  // namespace molsieve::workflows
