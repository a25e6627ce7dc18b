#include "workflows/cli/search_options.h"

#include <CLI/CLI.hpp>

namespace molsieve::workflows {

void add_search_options(CLI::App& command, SearchOptionValues& values) {
  command.add_option("--library", values.library, "Library store (.h5) from molsieve featurize")
      ->required();
  command.add_option("--metric", values.metric, "tanimoto, dice, cosine or tversky:ALPHA,BETA")
      ->capture_default_str();
  add_run_options(command, values);
}

}  // namespace molsieve::workflows
