#include "workflows/cli/search_options.h"

#include <CLI/CLI.hpp>

#include <oneapi/tbb/info.h>

#include <filesystem>

#include "core/error.h"

namespace molsieve::workflows {

void add_search_options(CLI::App& command, SearchOptionValues& values) {
  command.add_option("--library", values.library, "Library store (.h5) from molsieve featurize")
      ->required();
  command.add_option("--metric", values.metric, "tanimoto, dice, cosine or tversky:ALPHA,BETA")
      ->capture_default_str();
  command.add_option("--device", values.device,
                     "auto (CUDA when a usable GPU exists, else CPU), cpu or cuda")
      ->capture_default_str();
  command.add_option("--threads", values.threads, "CPU threads (0: all cores)")
      ->capture_default_str();
  command.add_flag("--overwrite", values.overwrite, "Replace the outputs if they exist");
  command.add_flag("-q,--quiet", values.quiet, "No progress or summary on stderr");
}

void refuse_existing_outputs(const std::vector<std::string>& paths, bool overwrite) {
  if (overwrite) return;
  for (const std::string& path : paths)
    if (!path.empty() && std::filesystem::exists(path))
      throw Error(path + ": exists (use --overwrite to replace it)");
}

unsigned thread_count(unsigned requested) {
  return requested ? requested : static_cast<unsigned>(tbb::info::default_concurrency());
}

}  // namespace molsieve::workflows
