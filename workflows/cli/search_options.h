#pragma once
// The options `similarity` and `pick` share, registered once so they read the same.
#include <string>

#include "workflows/cli/common_options.h"

namespace CLI { class App; }

namespace molsieve::workflows {

struct SearchOptionValues : RunValues {
  std::string library;
  std::string metric = "tanimoto";
};

// --library, --metric and the run options (--threads, --device, --overwrite, -q/--quiet).
void add_search_options(CLI::App& command, SearchOptionValues& values);

}  // namespace molsieve::workflows
