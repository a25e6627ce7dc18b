// molsieve similarity: rank library molecules by fingerprint similarity to query molecules.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "chem/fingerprint_sets.h"
#include "core/csv_writer.h"
#include "core/error.h"
#include "core/thread_scope.h"
#include "kernels/similarity_search.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/progress_bar.h"
#include "workflows/cli/search_options.h"

namespace molsieve::workflows {
namespace {

struct SimilarityRequest : SearchOptionValues {
  std::string query;
  std::string output;
  std::optional<long long> top_k;
  std::optional<double> threshold;
};

constexpr long long kDefaultTopK = 100;
constexpr long long kMaxTopK = 10000;
constexpr std::size_t kQueriesPerCall = 1024;  // progress is reported between calls

void run_similarity(const SimilarityRequest& request) {
  kernels::SearchOptions options;
  options.metric = kernels::parse_metric(request.metric);
  if (request.top_k && (*request.top_k <= 0 || *request.top_k > kMaxTopK))
    throw Error("--top: " + std::to_string(*request.top_k) + " is not in 1.." +
                std::to_string(kMaxTopK));
  if (request.threshold && !(*request.threshold >= 0.0 && *request.threshold <= 1.0))
    throw Error("--threshold: " + std::to_string(*request.threshold) + " is outside [0, 1]");
  // Neither given: the top 100. Only a threshold: every molecule at or above it.
  options.top_k = request.top_k ? static_cast<std::size_t>(*request.top_k)
                                : (request.threshold ? 0 : kDefaultTopK);
  options.threshold = request.threshold.value_or(0.0);
  refuse_existing_outputs({request.output}, request.overwrite);
  const auto selection = kernels::select_backend(request.device);
  const ThreadScope threads(request.threads);

  const auto start = std::chrono::steady_clock::now();
  const chem::FingerprintSet library = chem::read_library_fingerprints(request.library);
  const chem::FingerprintSet queries = chem::read_query_fingerprints(request.query, library, threads.count());
  const kernels::SearchLibrary search_library(library.matrix(), library.valid_rows);
  if (!request.quiet)
    std::fprintf(stderr, "similarity: %zu library molecules, %zu queries, %s, %s backend (%s)\n",
                 search_library.size(), queries.valid_rows.size(),
                 kernels::metric_name(options.metric).c_str(),
                 kernels::backend_name(selection.backend), selection.reason.c_str());
  for (std::size_t q = 0; q < queries.rows; ++q)
    if (!queries.errors[q].empty() && !request.quiet)
      std::fprintf(stderr, "similarity: query %zu (%s) skipped: %s\n", q, queries.ids[q].c_str(),
                   queries.errors[q].c_str());

  CsvWriter out(request.output, {"query", "query_id", "rank", "index", "id", "smiles", "score"});
  std::unique_ptr<ProgressBar> bar;
  if (!request.quiet) bar = std::make_unique<ProgressBar>("similarity", "queries");
  std::vector<std::uint64_t> batch;
  std::size_t hits = 0;
  for (std::size_t first = 0; first < queries.valid_rows.size(); first += kQueriesPerCall) {
    const std::size_t count = std::min(kQueriesPerCall, queries.valid_rows.size() - first);
    batch.resize(count * queries.words);
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t* fp = queries.matrix().row(queries.valid_rows[first + i]);
      std::copy(fp, fp + queries.words, batch.begin() + i * queries.words);
    }
    const kernels::SearchResults results = kernels::search(
        selection.backend, search_library, {batch.data(), count, queries.words}, options);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t query_row = queries.valid_rows[first + i];
      std::size_t rank = 0;
      for (std::size_t h = results.offsets[i]; h < results.offsets[i + 1]; ++h, ++rank) {
        const kernels::Hit& hit = results.hits[h];
        out.field(query_row).field(queries.ids[query_row]).field(rank).field(std::size_t{hit.index});
        out.field(library.ids[hit.index]).field(library.smiles[hit.index]).field(hit.score);
        out.end_row();
      }
      hits += rank;
    }
    if (bar) bar->update({first + count, first + count, queries.valid_rows.size()});
  }
  out.close();
  if (bar) bar->finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!request.quiet)
    std::fprintf(stderr, "similarity: wrote %zu hits to %s in %.2f s on %u threads\n", hits,
                 request.output.c_str(), seconds, threads.count());
}

}  // namespace

void add_similarity_command(CLI::App& app) {
  auto request = std::make_shared<SimilarityRequest>();
  CLI::App* cmd = app.add_subcommand(
      "similarity",
      "Rank library molecules by Morgan-fingerprint similarity to query molecules: the top N "
      "per query and/or every molecule at or above a threshold. Ties are broken by library "
      "row, so every device gives the same list. Writes CSV: query,query_id,rank,index,id,smiles,score "
      "(query: 0-based query row; query_id: its id; index: 0-based library row; rank from 0).");
  add_search_options(*cmd, *request);
  cmd->add_option("--query", request->query,
                  "Query molecules: any file featurize reads (.smi, .csv, .tsv, .sdf, .gz), "
                  "featurized like the library, or another library store")
      ->required();
  cmd->add_option("-o,--output", request->output, "Hits CSV to write")->required();
  cmd->add_option("--top,--top-k", request->top_k,
                  "Hits per query, 1..10000 (default 100; with only --threshold: no limit)");
  cmd->add_option("--threshold", request->threshold,
                  "Keep only hits with score >= T, T in [0, 1]");
  cmd->callback([request] { run_similarity(*request); });
}

}  // namespace molsieve::workflows
