#pragma once
// The shards of a campaign: a library store split into library stores of consecutive rows,
// each screened on its own (a Slurm array task, say), and a manifest that says which rows of
// the original each holds, so the merge of their results stores (merge.h) puts every row back
// at its place in the original library and knows which shards are missing.
#include <cstdint>
#include <string>
#include <vector>

namespace molsieve::workflows {

struct Shard {
  std::string file;         // the shard's library store, relative to the manifest's folder
  std::string sha256;       // of that file, as a screen's provenance records it
  std::uint64_t first_row = 0;  // its first row in the original library
  std::uint64_t rows = 0;
};

// DIR/manifest.json: the original library and its shards, in row order.
struct ShardManifest {
  std::string path;           // where it was read from
  std::string source;         // the original library store, as given
  std::string source_sha256;  // what a screen of the whole library records as its library
  std::uint64_t rows = 0;
  std::uint64_t align = 0;    // every shard but the last holds a multiple of this many rows
  std::vector<Shard> shards;

  // The shard whose library store has `sha256`, or -1.
  int find(const std::string& sha256) const;
  // "shard 2 (shard-0002.h5, rows 2048-3071)".
  std::string describe(std::size_t index) const;
};

// Splits the library store `library` into `count` library stores DIR/shard-NNNN.h5 of
// consecutive rows (multiples of `align` rows, so each shard's screen chunks the rows as a
// screen of the whole library does), and writes DIR/manifest.json last. A copy of a structure
// whose first occurrence lies in an earlier shard is a first occurrence in its own shard's
// store; the merge finds it again. Throws molsieve::Error naming the library or the folder.
ShardManifest write_shards(const std::string& library, unsigned count, std::uint64_t align, const std::string& dir);

// Reads a manifest; throws molsieve::Error naming the file and the key at fault.
ShardManifest read_shard_manifest(const std::string& path);

}  // namespace molsieve::workflows
