#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "workflows/cli/commands.h"
#include "core/error.h"
#include "workflows/cli/common_options.h"
#include "workflows/screen/merge.h"

namespace molsieve::workflows {

void add_merge_command(CLI::App& app) {
  struct Values {
    std::vector<std::string> stores;
    std::string output, manifest;
    bool overwrite = false, quiet = false;
  };
  auto v = std::make_shared<Values>();
  CLI::App* cmd = app.add_subcommand(
      "merge", "Merge the results stores of a campaign's shards into one results store, ranked and selected as "
               "one screen of the whole library");
  cmd->add_option("stores", v->stores, "Results stores, one per shard, in any order")->required();
  cmd->add_option("-o,--output", v->output, "The campaign's results store (.h5)")->required();
  cmd->add_option("--manifest", v->manifest,
                  "The shards' manifest.json (default: beside the first store's library)");
  cmd->add_flag("--overwrite", v->overwrite, "Replace an existing results store (only once the merge is whole)");
  add_quiet_flag(*cmd, v->quiet, "Print nothing on success");
  cmd->callback([v] {
    if (!v->overwrite && std::filesystem::exists(v->output))
      throw Error(v->output + ": exists (use --overwrite to replace it)");
    const MergeOutcome m = merge_shard_stores(v->stores, v->manifest, v->output);
    if (v->quiet) return;
    std::printf("merge: %lld rows from %zu shard stores, %llu scored, %lld selected -> %s\n",
                static_cast<long long>(m.counts.rows), v->stores.size(), static_cast<unsigned long long>(m.scored),
                static_cast<long long>(m.counts.selected), v->output.c_str());
  });
}

}  // namespace molsieve::workflows
