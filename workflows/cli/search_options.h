#pragma once
// The options `similarity` and `pick` share, registered once so they read the same.
#include <string>
#include <vector>

namespace CLI { class App; }

namespace molsieve::workflows {

struct SearchOptionValues {
  std::string library;
  std::string metric = "tanimoto";
  std::string device = "auto";
  unsigned threads = 0;
  bool overwrite = false;
  bool quiet = false;
};

// --library, --metric, --device, --threads, --overwrite, -q/--quiet.
void add_search_options(CLI::App& command, SearchOptionValues& values);

// Throws molsieve::Error for the first output that exists, unless overwriting.
void refuse_existing_outputs(const std::vector<std::string>& paths, bool overwrite);

// The thread count to use: `requested`, or all cores for 0.
unsigned thread_count(unsigned requested);

}  // namespace molsieve::workflows
