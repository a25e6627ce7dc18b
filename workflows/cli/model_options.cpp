#include "workflows/cli/model_options.h"

#include <CLI/CLI.hpp>

#include "models/model.h"
#include "workflows/cli/search_options.h"

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

}  // namespace molsieve::workflows
