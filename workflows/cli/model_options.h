#pragma once
// The options train, evaluate and predict share: threads, device, overwrite, quiet.
#include <string>

namespace CLI { class App; }

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

}  // namespace molsieve::workflows
