// molsieve status: how far a screen has got, whether it is running, killed or finished, told
// by its exit status too (exit_status.h) and, with --json, as one JSON object.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/slurm.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/exit_status.h"
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

enum class State { finished, running, stopped, not_started, queued };

int exit_status(State state) {
  switch (state) {
    case State::finished: return kStatusFinished;
    case State::running: return kStatusRunning;
    case State::stopped: return kStatusStopped;
    case State::queued: return kStatusQueued;
    case State::not_started: break;
  }
  return kStatusNotStarted;
}

const char* state_name(State state) {
  switch (state) {
    case State::finished: return "finished";
    case State::running: return "running";
    case State::stopped: return "stopped";
    case State::queued: return "queued";
    case State::not_started: break;
  }
  return "not_started";
}

// What the parts folder of a running or stopped screen says.
struct Progress {
  RunRecord run;
  std::vector<PartInfo> done;     // whole parts
  std::vector<PartInfo> damaged;  // counted as not done
  std::uint64_t rows_done = 0, rows_this_run = 0;
  double last_written = 0;
  double elapsed = 0;  // of this run: from its start to its latest part (to now while it runs)
  double rate = 0;     // molecules/s of this run; 0 before its first part
};

Progress read_progress(const PartsFolder& parts, bool running) {
  Progress p;
  p.run = parts.read_run_record();
  // Each part's header is read (not its rows).
  for (PartInfo& part : parts.part_infos()) (part.damage.empty() ? p.done : p.damaged).push_back(std::move(part));
  for (const PartInfo& part : p.done) {
    const std::uint64_t rows = chunk_rows(part.index, p.run.chunk_size, p.run.rows_total);
    p.rows_done += rows;
    if (part.written_epoch >= p.run.started_epoch) p.rows_this_run += rows;
    p.last_written = std::max(p.last_written, part.written_epoch);
  }
  p.elapsed = (running ? now_epoch() : p.last_written) - p.run.started_epoch;
  if (p.rows_this_run > 0 && p.elapsed > 0) p.rate = p.rows_this_run / p.elapsed;
  return p;
}

// Seconds to the end of a running screen at this run's rate, when both are known.
std::optional<double> eta_seconds(const Progress& p, bool running) {
  if (!running || p.rate <= 0 || p.run.rows_total <= p.rows_done) return std::nullopt;
  return (p.run.rows_total - p.rows_done) / p.rate;
}

void print_finished(const std::string& output, const ResultsStore& store) {
  const ResultsCounts counts = store.counts();
  const ResultsProvenance provenance = store.provenance();
  std::printf("%s: finished (written %s by molsieve %s)\n", output.c_str(), store.created().c_str(),
              store.tool_version().c_str());
  std::printf("  job %s: %lld molecules, %lld valid, %lld passed the filters, %lld selected; scored on %s\n",
              provenance.job_name.c_str(), static_cast<long long>(counts.rows), static_cast<long long>(counts.valid),
              static_cast<long long>(counts.passed_filters), static_cast<long long>(counts.selected),
              provenance.device.c_str());
}

void print_in_progress(const std::string& output, const PartsFolder& parts, const Progress& p, bool running,
                       const std::string& holder) {
  const RunRecord& run = p.run;
  std::printf("%s: %s\n", output.c_str(),
              running ? ("running (" + holder + ")").c_str()
                      : "stopped before the merge: killed or interrupted (finish it with molsieve screen JOB -o OUTPUT "
                        "--resume, with any number of ranks)");
  std::printf("  started %s on %d rank(s); chunks of %llu molecules\n", run.started.c_str(), run.ranks,
              static_cast<unsigned long long>(run.chunk_size));
  if (run.chunks_total > 0)
    std::printf("  chunks done: %zu of %llu (%llu of %llu molecules, %.1f%%)\n", p.done.size(),
                static_cast<unsigned long long>(run.chunks_total), static_cast<unsigned long long>(p.rows_done),
                static_cast<unsigned long long>(run.rows_total),
                100.0 * p.rows_done / std::max<std::uint64_t>(run.rows_total, 1));
  else
    std::printf("  chunks done: %zu (%llu molecules; the library's size is known once it has been read)\n", p.done.size(),
                static_cast<unsigned long long>(p.rows_done));
  if (p.rate > 0) {
    std::printf("  rate: %.1f molecules/s over %s of this run\n", p.rate, duration(p.elapsed).c_str());
    if (const auto eta = eta_seconds(p, running)) std::printf("  ETA: %s\n", duration(*eta).c_str());
  } else {
    std::printf("  rate: no chunk finished yet in this run\n");
  }
  if (p.last_written > 0) std::printf("  latest part written %s ago\n", duration(now_epoch() - p.last_written).c_str());
  std::string unfinished;
  for (const auto& [chunk, rank] : parts.grants())
    if (!parts.has(chunk))
      unfinished += (unfinished.empty() ? "" : ", ") + ("chunk " + std::to_string(chunk) + " (rank " + std::to_string(rank) + ")");
  if (!unfinished.empty())
    std::printf("  %s: %s\n", running ? "in flight" : "handed out but not finished", unfinished.c_str());
  std::string damaged;
  for (const PartInfo& d : p.damaged)
    damaged += (damaged.empty() ? "" : ", ") + ("chunk " + std::to_string(d.index) + " (" + d.damage + ")");
  if (!damaged.empty()) std::printf("  damaged parts (recomputed by --resume): %s\n", damaged.c_str());
}

// The JSON of a state without parts to count (not started, or running but not yet recorded).
nlohmann::ordered_json empty_json(const std::string& output, State state) {
  return {{"output", output},     {"state", state_name(state)}, {"chunks_done", 0},
          {"chunks_total", nullptr}, {"rows_done", 0},          {"rows_total", nullptr},
          {"damaged_parts", nlohmann::ordered_json::array()},   {"started", nullptr},
          {"eta_seconds", nullptr}};
}

nlohmann::ordered_json progress_json(const std::string& output, const Progress& p, bool running) {
  nlohmann::ordered_json j = empty_json(output, running ? State::running : State::stopped);
  j["chunks_done"] = p.done.size();
  if (p.run.chunks_total > 0) j["chunks_total"] = p.run.chunks_total;
  j["rows_done"] = p.rows_done;
  if (p.run.rows_total > 0) j["rows_total"] = p.run.rows_total;
  for (const PartInfo& d : p.damaged) j["damaged_parts"].push_back({{"chunk", d.index}, {"reason", d.damage}});
  j["started"] = p.run.started;
  if (const auto eta = eta_seconds(p, running)) j["eta_seconds"] = *eta;
  return j;
}

// A finished store keeps no parts: its chunks are the ones its rows made.
nlohmann::ordered_json finished_json(const std::string& output, const ResultsStore& store) {
  const std::int64_t rows = store.counts().rows;
  const std::int64_t chunk_size = store.provenance().chunk_size;
  const std::int64_t chunks = chunk_size > 0 ? (rows + chunk_size - 1) / chunk_size : 0;
  nlohmann::ordered_json j = empty_json(output, State::finished);
  j["chunks_done"] = chunks;
  j["chunks_total"] = chunks;
  j["rows_done"] = rows;
  j["rows_total"] = rows;
  return j;
}

// Prints the state of the screen writing `output` and returns it. Running: the lock is held,
// before the parts folder and its run record exist too (a run starting), and during the merge.
State report(const std::string& output, bool json) {
  const PartsFolder parts(output, "");
  std::string holder;
  const bool running = OutputLock::held(output, &holder);
  if (parts.exists() && (!running || std::filesystem::exists(parts.dir() + "/run.json"))) {
    const Progress p = read_progress(parts, running);
    if (json)
      std::printf("%s\n", progress_json(output, p, running).dump().c_str());
    else
      print_in_progress(output, parts, p, running, holder);
    return running ? State::running : State::stopped;
  }
  if (running) {
    if (json)
      std::printf("%s\n", empty_json(output, State::running).dump().c_str());
    else
      std::printf("%s: running (%s): starting, no chunk recorded yet\n", output.c_str(), holder.c_str());
    return State::running;
  }
  if (std::filesystem::exists(output)) {
    const ResultsStore store(output);
    if (json)
      std::printf("%s\n", finished_json(output, store).dump().c_str());
    else
      print_finished(output, store);
    return State::finished;
  }
  // Nothing on disk yet: the Slurm job molsieve submit recorded may be waiting in the queue,
  // or starting (Slurm says RUNNING before the screen takes its lock).
  const std::string job = cluster::recorded_job(output);
  const std::string slurm_state = job.empty() ? "" : cluster::slurm_job_state(job);
  const State state = cluster::slurm_job_queued(slurm_state)   ? State::queued
                      : cluster::slurm_job_active(slurm_state) ? State::running
                                                               : State::not_started;
  if (json) {
    nlohmann::ordered_json j = empty_json(output, state);
    if (!job.empty())
      j["slurm_job"] = {{"id", job}, {"state", slurm_state.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(slurm_state)}};
    std::printf("%s\n", j.dump().c_str());
  } else if (state == State::queued) {
    std::printf("%s: queued (Slurm job %s, %s; nothing written yet)\n", output.c_str(), job.c_str(), slurm_state.c_str());
  } else if (state == State::running) {
    std::printf("%s: running (Slurm job %s, %s): starting, no chunk recorded yet\n", output.c_str(), job.c_str(),
                slurm_state.c_str());
  } else {
    const std::string submitted =
        job.empty() ? "" : "; Slurm job " + job + " was submitted for it and is " +
                               (slurm_state.empty() ? std::string("unknown to Slurm now") : slurm_state);
    std::printf("%s: not started (no results store, and no parts folder %s of a screen writing it)%s\n", output.c_str(),
                parts.dir().c_str(), submitted.c_str());
  }
  return state;
}

void run(const std::string& path, bool json) {
  std::string output = path;
  while (!output.empty() && output.back() == '/') output.pop_back();
  const std::string suffix = ".parts";
  if (output.size() > suffix.size() && output.compare(output.size() - suffix.size(), suffix.size(), suffix) == 0)
    output.resize(output.size() - suffix.size());
  throw ExitWithStatus{exit_status(report(output, json))};
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  CLI::App* c = app.add_subcommand(
      "status",
      "How far a screen has got: chunks done, molecules/s and ETA for a running job, what a killed one left "
      "unfinished, the counts of a finished one, a Slurm job still queued; the exit status says which (0 finished, "
      "10 running, 11 stopped, 12 not started, 13 queued)");
  c->add_option("store", *path, "Results store (.h5) a screen writes or wrote, or its parts folder (.h5.parts)")
      ->required();
  c->add_flag("--json", *json,
              "One JSON object on stdout: output, state, chunks_done, chunks_total, rows_done, rows_total, "
              "damaged_parts, started, eta_seconds (and slurm_job: id, state once submitted)");
  add_quiet_flag(*c, *quiet, "Accepted as by every subcommand; the status is the output, so it stays");
  // The callback holds `quiet` too: CLI11 writes -q into it while parsing.
  c->callback([path, quiet, json] { run(*path, *json); });
}

}  // namespace molsieve::workflows
