// molsieve pick: a diverse subset of a library, by MaxMin picking or Butina clustering.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>

#include "chem/fingerprint_sets.h"
#include "core/csv_record.h"
#include "core/csv_writer.h"
#include "core/error.h"
#include "core/thread_scope.h"
#include "kernels/diversity.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/search_options.h"

namespace molsieve::workflows {
namespace {

struct PickRequest : SearchOptionValues {
  std::string output;
  std::string members;
  long long n = 0;
  std::string method = "maxmin";
  std::optional<double> threshold;
  std::uint64_t seed = 42;
  std::string initial;
};

constexpr double kDefaultButinaDistance = 0.4;

// Library rows, one per line, or the `index` column of a CSV with a header (a picks.csv
// or hits.csv from an earlier run).
std::vector<std::uint32_t> read_rows(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::vector<std::uint32_t> rows;
  std::string line;
  int column = 0;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_csv_record(line, ',');
    if (line_number == 1 && line.find_first_not_of("0123456789") != std::string::npos) {
      const auto at = std::find(fields.begin(), fields.end(), "index");
      if (at == fields.end()) throw Error(path + ":1: no 'index' column in the header");
      column = static_cast<int>(at - fields.begin());
      continue;
    }
    const std::string& text = column < static_cast<int>(fields.size()) ? fields[column] : line;
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value > 0xffffffffULL)
      throw Error(path + ":" + std::to_string(line_number) + ": '" + text +
                  "' is not a library row number");
    rows.push_back(static_cast<std::uint32_t>(value));
  }
  return rows;
}

void write_maxmin(const PickRequest& request, const chem::FingerprintSet& library,
                  const std::vector<kernels::Pick>& picks) {
  CsvWriter out(request.output, {"rank", "index", "id", "smiles", "min_distance"});
  for (std::size_t rank = 0; rank < picks.size(); ++rank) {
    const auto index = picks[rank].index;
    out.field(rank).field(std::size_t{index}).field(library.ids[index]).field(library.smiles[index]);
    out.field(picks[rank].distance).end_row();
  }
  out.close();
}

void write_butina(const PickRequest& request, const chem::FingerprintSet& library,
                  const kernels::Clustering& clustering) {
  std::unique_ptr<CsvWriter> members;
  if (!request.members.empty()) {
    members = std::make_unique<CsvWriter>(request.members,
                                          std::vector<std::string>{"index", "id", "cluster", "centroid"});
    for (std::size_t c = 0; c < clustering.clusters(); ++c)
      for (std::size_t m = clustering.offsets[c]; m < clustering.offsets[c + 1]; ++m) {
        const auto index = clustering.members[m];
        members->field(std::size_t{index}).field(library.ids[index]).field(c);
        members->field(std::size_t{m == clustering.offsets[c] ? 1u : 0u}).end_row();
      }
    members->close();
  }
  CsvWriter out(request.output, {"rank", "index", "id", "smiles", "cluster_size"});
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(request.n), clustering.clusters());
  for (std::size_t c = 0; c < n; ++c) {
    const auto index = clustering.centroid(c);
    out.field(c).field(std::size_t{index}).field(library.ids[index]).field(library.smiles[index]);
    out.field(clustering.size(c)).end_row();
  }
  out.close();
}

void run_pick(const PickRequest& request) {
  if (request.n <= 0) throw Error("--size: " + std::to_string(request.n) + " must be at least 1");
  if (request.threshold && !(*request.threshold >= 0.0 && *request.threshold <= 1.0))
    throw Error("--threshold: " + std::to_string(*request.threshold) + " is outside [0, 1]");
  const kernels::Metric metric = kernels::parse_metric(request.metric);
  refuse_existing_outputs({request.output, request.members}, request.overwrite);
  const auto selection = kernels::select_backend(request.device);
  const ThreadScope threads(request.threads);
  const auto start = std::chrono::steady_clock::now();
  const chem::FingerprintSet library = chem::read_library_fingerprints(request.library);
  const kernels::SearchLibrary search_library(library.matrix(), library.valid_rows);
  if (!request.quiet)
    std::fprintf(stderr, "pick: %s on %zu molecules, %s, %s backend (%s)\n",
                 request.method.c_str(), search_library.size(),
                 kernels::metric_name(metric).c_str(), kernels::backend_name(selection.backend),
                 selection.reason.c_str());
  std::size_t written = 0;
  if (request.method == "maxmin") {
    kernels::MaxMinOptions options;
    options.metric = metric;
    options.picks = static_cast<std::size_t>(request.n);
    options.seed = request.seed;
    options.stop_distance = request.threshold.value_or(0.0);
    if (!request.initial.empty()) options.initial = read_rows(request.initial);
    const auto picks = kernels::maxmin_pick(selection.backend, search_library, options);
    write_maxmin(request, library, picks);
    written = picks.size();
  } else {
    kernels::ButinaOptions options;
    options.metric = metric;
    options.distance = request.threshold.value_or(kDefaultButinaDistance);
    const auto clustering = kernels::butina_cluster(selection.backend, search_library, options);
    write_butina(request, library, clustering);
    written = std::min<std::size_t>(static_cast<std::size_t>(request.n), clustering.clusters());
    if (!request.quiet)
      std::fprintf(stderr, "pick: %zu clusters at distance <= %g\n", clustering.clusters(),
                   options.distance);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!request.quiet)
    std::fprintf(stderr, "pick: wrote %zu picks to %s in %.2f s on %u threads\n", written,
                 request.output.c_str(), seconds, threads.count());
}

}  // namespace

void add_pick_command(CLI::App& app) {
  auto request = std::make_shared<PickRequest>();
  CLI::App* cmd = app.add_subcommand(
      "pick",
      "Pick a diverse subset of a library (distance = 1 - similarity of Morgan fingerprints). "
      "maxmin: each pick is the molecule farthest from all earlier picks (as RDKit's "
      "MaxMinPicker); writes rank,index,id,smiles,min_distance. butina: Butina clustering (as "
      "RDKit's Butina.ClusterData); writes the centroids of the N largest clusters as "
      "rank,index,id,smiles,cluster_size.");
  add_search_options(*cmd, *request);
  cmd->add_option("-o,--output", request->output, "Picks CSV to write")->required();
  cmd->add_option("--size,--n", request->n, "Molecules to pick (maxmin) or clusters to report (butina)")
      ->required();
  cmd->add_option("--method", request->method, "maxmin or butina")
      ->check(CLI::IsMember({"maxmin", "butina"}))
      ->capture_default_str();
  cmd->add_option("--threshold", request->threshold,
                  "Distance in [0, 1]. butina: neighbours are at most this far apart (default "
                  "0.4); maxmin: stop early when no molecule is this far from the picks");
  cmd->add_option("--seed", request->seed, "maxmin: chooses the first pick")->capture_default_str();
  cmd->add_option("--initial", request->initial,
                  "maxmin: library rows picked first, one per line, or the 'index' column of a "
                  "CSV (such as an earlier picks.csv)");
  cmd->add_option("--members", request->members,
                  "butina: also write every molecule's cluster (index,id,cluster,centroid)");
  cmd->callback([request] { run_pick(*request); });
}

}  // namespace molsieve::workflows
