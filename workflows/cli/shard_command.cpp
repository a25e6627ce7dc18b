#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/screen/shards.h"

namespace molsieve::workflows {

void add_shard_command(CLI::App& app) {
  struct Values {
    std::string library, dir;
    unsigned count = 0;
    std::uint64_t align = 4096;
    bool quiet = false;
  };
  auto v = std::make_shared<Values>();
  CLI::App* cmd = app.add_subcommand(
      "shard", "Split a library store into N library stores of consecutive rows and a manifest, to screen "
               "each apart (submit --array) and merge the results (molsieve merge)");
  cmd->add_option("library", v->library, "Library store (.h5) written by molsieve featurize")->required();
  cmd->add_option("-n,--shards", v->count, "Number of shards")->required()->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", v->dir, "Folder for shard-NNNN.h5 and manifest.json")->required();
  cmd->add_option("--align", v->align,
                  "Every shard but the last holds a multiple of this many rows; the job's [library] chunk_size "
                  "(default 4096) makes each shard chunk its rows as a screen of the whole library does")
      ->check(CLI::PositiveNumber);
  add_quiet_flag(*cmd, v->quiet, "Print nothing on success");
  cmd->callback([v] {
    const ShardManifest m = write_shards(v->library, v->count, v->align, v->dir);
    if (v->quiet) return;
    for (std::size_t k = 0; k < m.shards.size(); ++k) std::printf("shard: %s\n", m.describe(k).c_str());
    std::printf("shard: %llu rows in %zu shards, manifest %s\n", static_cast<unsigned long long>(m.rows),
                m.shards.size(), m.path.c_str());
  });
}

}  // namespace molsieve::workflows
