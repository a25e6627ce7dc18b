#pragma once
// The options train, evaluate and predict share: threads, device, overwrite, quiet.
#include <string>

namespace CLI { class App; }
namespace molsieve::chem { struct LibrarySummary; }
namespace molsieve::models { struct ModelCard; }

namespace molsieve::workflows {

struct ModelRunValues {
  unsigned threads = 0;
  std::string device = "auto";
  bool overwrite = false;
  bool quiet = false;
};

void add_model_run_options(CLI::App& command, ModelRunValues& values);

// Sets LibTorch's thread count and returns it (`requested`, or all cores for 0); callers
// also cap oneTBB (featurization) with it.
unsigned use_threads(unsigned requested);

// Throws molsieve::Error, naming the store, when its graphs, standardization or
// fingerprints differ from what the model was trained on.
void check_store_matches_model(const chem::LibrarySummary& store, const models::ModelCard& card);

}  // namespace molsieve::workflows
