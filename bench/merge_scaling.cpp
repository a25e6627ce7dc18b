// The merge's cost at scale, on synthesized screens (no featurizing, no scoring): a results
// store's rows repeated to ROWS rows, with a unique SMILES per row (the template's plus the
// row number, so no row is a copy) and the template's scores nudged per row.
//   molsieve_bench_merge make TEMPLATE.h5 ROWS SHARDS CHUNK DIR [shards-only]  # DIR/whole.h5.parts, DIR/shards/
//   molsieve_bench_merge parts DIR    # today's merge of one screen's parts into DIR/whole.h5
//   molsieve_bench_merge shards DIR   # molsieve merge of the shard stores into DIR/campaign.h5
// Each prints its seconds and the process's peak resident memory (one mode per process).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/csv_writer.h"
#include "workflows/screen/merge.h"
#include "workflows/screen/source.h"

namespace fs = std::filesystem;
using namespace molsieve;
using namespace molsieve::workflows;

namespace {

constexpr unsigned kWords = 32;

ScreenJob bench_job() {
  ScreenJob job;
  job.keep = 100;
  job.pool = 2000;
  job.diversity = 0.6;
  return job;
}

// The template's computed columns (not the merge's, not the library's own).
ResultTable computed_columns(const ResultsStore& store) {
  const std::vector<std::string> inputs = store.input_columns();
  std::vector<std::string> names;
  for (const auto& [name, kind] : store.columns())
    if (name != "rank" && name != "selection_rank" && name != kDuplicateColumn && name != kDuplicateOfColumn &&
        name != kCopiesColumn && std::find(inputs.begin(), inputs.end(), name) == inputs.end())
      names.push_back(name);
  return store.read(0, store.rows(), names);
}

// Rows [first, first + n) of the synthesized library, as one chunk's part.
Chunk synthesized_chunk(const ResultTable& t, std::uint64_t index, std::uint64_t first, std::uint64_t n,
                        std::uint64_t first_in_store, std::size_t pool) {
  Chunk c;
  c.index = index;
  c.first_row = first_in_store;
  c.rows = n;
  for (const Column& from : t.columns()) {
    Column& to = c.results.add(from.name, from.kind);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::size_t k = (first + i) % t.rows();
      switch (from.kind) {
        case ColumnKind::Number: to.numbers.push_back(from.numbers[k]); break;
        case ColumnKind::Integer: to.integers.push_back(from.name == "index" ? first_in_store + i : from.integers[k]); break;
        case ColumnKind::Flag: to.flags.push_back(from.flags[k]); break;
        case ColumnKind::Text:
          to.texts.push_back(from.name == "smiles" && !from.texts[k].empty() ? from.texts[k] + "." + std::to_string(first + i)
                                                                             : from.texts[k]);
      }
    }
  }
  auto& score = c.results.find("score")->numbers;
  std::vector<std::pair<double, std::uint64_t>> ranked;
  for (std::uint64_t i = 0; i < n; ++i) {
    score[i] *= 1.0 - 1e-9 * static_cast<double>((first + i) % 997);
    if (!std::isnan(score[i])) ranked.emplace_back(-score[i], i);
  }
  std::sort(ranked.begin(), ranked.end());
  for (std::size_t k = 0; k < std::min(pool, ranked.size()); ++k) {
    c.pool_rows.push_back(first_in_store + ranked[k].second);
    for (unsigned w = 0; w < kWords; ++w)
      c.pool_fingerprints.push_back((first + ranked[k].second + 1) * 0x9E3779B97F4A7C15ull >> (w % 64));
  }
  return c;
}

ResultsProvenance provenance(const std::string& library) {
  ResultsProvenance p;
  p.job_text = "bench";
  p.campaign_sha256 = "bench-campaign";
  p.library = {library};
  p.library_sha256 = {"sha-" + library};
  p.chunk_size = 0;
  return p;
}

void make(const std::string& template_path, std::uint64_t rows, unsigned shards, std::uint64_t chunk, const std::string& dir,
          bool with_whole) {
  const ResultsStore store(template_path);
  const ResultTable t = computed_columns(store);
  const ScreenJob job = bench_job();
  fs::create_directories(dir + "/shards");
  const PartsFolder whole(dir + "/whole.h5", "bench");
  if (with_whole) whole.start_fresh();
  const std::uint64_t chunks = (rows + chunk - 1) / chunk;
  std::string manifest = "{\"source\": \"synthesized\", \"source_sha256\": \"sha-synthesized\", \"rows\": " +
                         std::to_string(rows) + ", \"align\": " + std::to_string(chunk) + ", \"shards\": [";
  for (unsigned s = 0, c = 0; s < shards; ++s) {
    const std::uint64_t take = chunks / shards + (s < chunks % shards ? 1 : 0);
    const std::uint64_t first = c * chunk, last = std::min(rows, (c + take) * chunk);
    char name[32];
    std::snprintf(name, sizeof name, "shard-%04u.h5", s);
    const std::string store_path = dir + "/shards/" + name;
    const PartsFolder own(dir + "/shard-results-" + std::to_string(s) + ".h5", "bench");
    own.start_fresh();
    for (std::uint64_t k = 0; k < take; ++k, ++c) {
      const std::uint64_t from = c * chunk, n = std::min(rows, from + chunk) - from;
      if (with_whole) whole.write(synthesized_chunk(t, c, from, n, from, job.pool), kWords);
      own.write(synthesized_chunk(t, k, from, n, from - first, job.pool), kWords);
    }
    merge_parts(job, own, take, kWords, store.score_terms(), provenance(name), store_path + ".results.h5");
    own.remove();
    manifest += std::string(s ? ", " : "") + "{\"file\": \"" + name + "\", \"sha256\": \"sha-" + name +
                "\", \"first_row\": " + std::to_string(first) + ", \"rows\": " + std::to_string(last - first) + "}";
  }
  write_whole_file(dir + "/shards/manifest.json", manifest + "]}\n");
  std::printf("made %llu rows in %llu chunks and %u shards\n", static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(chunks), shards);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const auto start = std::chrono::steady_clock::now();
  try {
    if (mode == "make" && (argc == 7 || (argc == 8 && std::string(argv[7]) == "shards-only"))) {
      make(argv[2], std::stoull(argv[3]), static_cast<unsigned>(std::stoul(argv[4])), std::stoull(argv[5]), argv[6],
           argc == 7);
    } else if (mode == "parts" && argc == 3) {
      const std::string dir = argv[2];
      const PartsFolder parts(dir + "/whole.h5", "bench");
      const std::uint64_t chunks = parts.finished().size();
      const ResultsStore any(dir + "/shards/shard-0000.h5.results.h5");
      merge_parts(bench_job(), parts, chunks, kWords, any.score_terms(), provenance("synthesized"), dir + "/whole.h5.merged");
    } else if (mode == "shards" && argc == 3) {
      const std::string dir = argv[2];
      std::vector<std::string> stores;
      for (const auto& e : fs::directory_iterator(dir + "/shards"))
        if (e.path().filename().string().find(".results.h5") != std::string::npos) stores.push_back(e.path().string());
      merge_shard_stores(stores, dir + "/shards/manifest.json", dir + "/campaign.h5");
    } else {
      std::fprintf(stderr, "usage: molsieve_bench_merge make TEMPLATE.h5 ROWS SHARDS CHUNK DIR [shards-only] | parts DIR | shards DIR\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "molsieve_bench_merge: %s\n", e.what());
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%s: %.2f s, peak resident %.0f MB\n", mode.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), usage.ru_maxrss / 1024.0);
  return 0;
}
