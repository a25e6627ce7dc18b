// molsieve status: how far a screen has got, whether it is running, killed or finished.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "core/error.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/results/results_store.h"
#include "workflows/screen/parts.h"

namespace molsieve::workflows {
namespace {

double now_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string duration(double seconds) {
  char text[64];
  const long s = static_cast<long>(seconds + 0.5);
  if (s < 120)
    std::snprintf(text, sizeof text, "%ld s", s);
  else if (s < 7200)
    std::snprintf(text, sizeof text, "%ld min %ld s", s / 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%ld h %ld min", s / 3600, (s % 3600) / 60);
  return text;
}

void print_finished(const std::string& output) {
  const ResultsStore store(output);
  const ResultsCounts counts = store.counts();
  const ResultsProvenance provenance = store.provenance();
  std::printf("%s: finished (written %s by molsieve %s)\n", output.c_str(), store.created().c_str(),
              store.tool_version().c_str());
  std::printf("  job %s: %lld molecules, %lld valid, %lld passed the filters, %lld selected; scored on %s\n",
              provenance.job_name.c_str(), static_cast<long long>(counts.rows), static_cast<long long>(counts.valid),
              static_cast<long long>(counts.passed_filters), static_cast<long long>(counts.selected),
              provenance.device.c_str());
}

void print_in_progress(const std::string& output, const PartsFolder& parts) {
  const RunRecord run = parts.read_run_record();
  // Each part's header is read (not its rows): the damaged ones count as not done.
  std::vector<PartInfo> done = parts.part_infos();
  std::string damaged;
  for (const PartInfo& p : done)
    if (!p.damage.empty())
      damaged += (damaged.empty() ? "" : ", ") + ("chunk " + std::to_string(p.index) + " (" + p.damage + ")");
  done.erase(std::remove_if(done.begin(), done.end(), [](const PartInfo& p) { return !p.damage.empty(); }), done.end());
  std::uint64_t rows_done = 0, rows_this_run = 0;
  double last_written = 0;
  for (const PartInfo& p : done) {
    const std::uint64_t rows = chunk_rows(p.index, run.chunk_size, run.rows_total);
    rows_done += rows;
    if (p.written_epoch >= run.started_epoch) rows_this_run += rows;
    last_written = std::max(last_written, p.written_epoch);
  }
  std::string holder;
  const bool running = OutputLock::held(output, &holder);
  std::printf("%s: %s\n", output.c_str(),
              running ? ("running (" + holder + ")").c_str()
                      : "stopped before the merge: killed or interrupted (finish it with molsieve screen JOB -o OUTPUT "
                        "--resume, with any number of ranks)");
  std::printf("  started %s on %d rank(s); chunks of %llu molecules\n", run.started.c_str(), run.ranks,
              static_cast<unsigned long long>(run.chunk_size));
  if (run.chunks_total > 0)
    std::printf("  chunks done: %zu of %llu (%llu of %llu molecules, %.1f%%)\n", done.size(),
                static_cast<unsigned long long>(run.chunks_total), static_cast<unsigned long long>(rows_done),
                static_cast<unsigned long long>(run.rows_total), 100.0 * rows_done / std::max<std::uint64_t>(run.rows_total, 1));
  else
    std::printf("  chunks done: %zu (%llu molecules; the library's size is known once it has been read)\n", done.size(),
                static_cast<unsigned long long>(rows_done));
  // The rate of this run: its parts over the time from its start to its latest part (to now
  // while it runs).
  const double until = running ? now_epoch() : last_written;
  const double elapsed = until - run.started_epoch;
  if (rows_this_run > 0 && elapsed > 0) {
    const double rate = rows_this_run / elapsed;
    std::printf("  rate: %.1f molecules/s over %s of this run\n", rate, duration(elapsed).c_str());
    if (run.rows_total > rows_done && running)
      std::printf("  ETA: %s\n", duration((run.rows_total - rows_done) / rate).c_str());
  } else {
    std::printf("  rate: no chunk finished yet in this run\n");
  }
  if (last_written > 0) std::printf("  latest part written %s ago\n", duration(now_epoch() - last_written).c_str());
  std::string unfinished;
  for (const auto& [chunk, rank] : parts.grants())
    if (!parts.has(chunk))
      unfinished += (unfinished.empty() ? "" : ", ") + ("chunk " + std::to_string(chunk) + " (rank " + std::to_string(rank) + ")");
  if (!unfinished.empty())
    std::printf("  %s: %s\n", running ? "in flight" : "handed out but not finished", unfinished.c_str());
  if (!damaged.empty()) std::printf("  damaged parts (recomputed by --resume): %s\n", damaged.c_str());
}

void run(const std::string& path) {
  std::string output = path;
  while (!output.empty() && output.back() == '/') output.pop_back();
  const std::string suffix = ".parts";
  if (output.size() > suffix.size() && output.compare(output.size() - suffix.size(), suffix.size(), suffix) == 0)
    output.resize(output.size() - suffix.size());
  const PartsFolder parts(output, "");
  if (parts.exists()) return print_in_progress(output, parts);
  if (std::filesystem::exists(output)) return print_finished(output);
  throw Error(path + ": no such results store, and no parts folder " + parts.dir() + " of a screen writing it");
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* c = app.add_subcommand(
      "status",
      "How far a screen has got: chunks done, molecules/s and ETA for a running job, what a killed one left "
      "unfinished, the counts of a finished one");
  c->add_option("store", *path, "Results store (.h5) a screen writes or wrote, or its parts folder (.h5.parts)")
      ->required();
  add_quiet_flag(*c, *quiet, "Accepted as by every subcommand; the status is the output, so it stays");
  // The callback holds `quiet` too: CLI11 writes -q into it while parsing.
  c->callback([path, quiet] { run(*path); });
}

}  // namespace molsieve::workflows
