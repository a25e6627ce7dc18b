// molsieve screen: run a screening job file into a results store.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cluster/cluster.h"
#include "core/thread_scope.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/interrupt.h"
#include "workflows/cli/progress_bar.h"
#include "workflows/cli/run_log.h"
#include "workflows/screen/domain_summary.h"
#include "workflows/screen/screen.h"

namespace molsieve::workflows {
namespace {

struct ScreenValues : RunValues {
  std::string job;
  std::string output;
  std::vector<std::string> library;
  bool resume = false;
  LogValues log;
};

// The progress of a screen as its line and events show it: written of the library's total
// (counted up front for library stores; for molecule files estimated from the bytes read
// until the reader has reached the end, after which it is exact), read and scored beside.
// Under MPI rank 0 counts the job's rows read and written (not scored), every other rank its
// own chunks' rows, without a total.
struct ScreenCounts {
  std::uint64_t read = 0, scored = 0, written = 0;
  std::uint64_t total = 0;   // 0: unknown yet, or not this rank's to count
  bool estimated = false;    // total from the bytes read so far
  bool scored_known = true;  // false on rank 0 under MPI: the other ranks' scored rows are theirs
};

ScreenCounts screen_counts(const ScreenStatus& s, int rank, int ranks) {
  ScreenCounts c;
  c.read = s.rows_read;
  c.scored = s.rows_scored;
  c.written = s.rows_written;
  c.scored_known = ranks == 1 || rank != 0;
  if (rank != 0) return c;
  if (s.rows_total > 0) {
    c.total = s.rows_total;
  } else if (s.bytes_total > 0 && s.bytes_done > 0 && s.rows_read > 0) {
    c.estimated = s.bytes_done < s.bytes_total;
    c.total = static_cast<std::uint64_t>(static_cast<double>(s.rows_read) * s.bytes_total / s.bytes_done + 0.5);
  }
  c.total = c.total ? std::max({c.total, c.read, c.written}) : 0;
  return c;
}

std::string counts_detail(const ScreenCounts& c, int ranks) {
  std::string text = c.total ? std::string(c.estimated ? "of about " : "of ") + std::to_string(c.total) : "of ?";
  text += ", read " + std::to_string(c.read);
  text += c.scored_known ? ", scored " + std::to_string(c.scored) : " by " + std::to_string(ranks) + " ranks";
  return text;
}

nlohmann::ordered_json counts_json(const ScreenCounts& c) {
  nlohmann::ordered_json j = {{"read", c.read}};
  if (c.scored_known) j["scored"] = c.scored;
  j["written"] = c.written;
  j["total"] = c.total ? nlohmann::ordered_json(c.total) : nlohmann::ordered_json(nullptr);
  j["total_estimated"] = c.estimated;
  j["percent"] = c.total ? nlohmann::ordered_json(100.0 * c.written / c.total) : nlohmann::ordered_json(nullptr);
  return j;
}

void run(const ScreenValues& v) {
  RunLog& log = RunLog::get();
  log.open("screen", v.log, cluster::world().rank(), cluster::world().size());  // before any error
  ScreenRequest request;
  request.job = read_screen_job(v.job, v.library);
  request.output = v.output.empty() ? request.job.output : v.output;
  request.resume = v.resume;
  request.overwrite = v.overwrite;
  request.device = v.device;
  request.threads = v.threads;
  request.cancel = &interrupt_token();  // the chunks in flight finish and are kept for --resume
  request.world = &cluster::world();
  const int rank = request.world->rank(), ranks = request.world->size();
  const bool speaks = !v.quiet && rank == 0;
  if (rank == 0)
    log.event("start", {{"job", request.job.name}, {"job_file", v.job}, {"output", request.output},
                        {"library", request.job.library}, {"ranks", ranks},
                        {"threads", ThreadScope::resolve(v.threads)}});

  std::unique_ptr<ProgressBar> bar;
  if (speaks) {
    char text[512];
    std::snprintf(text, sizeof text, "job %s (%s), %zu library input(s), %u thread(s) per process, %s -> %s",
                  request.job.name.c_str(), v.job.c_str(), request.job.library.size(), ThreadScope::resolve(v.threads),
                  request.world->description().c_str(), request.output.c_str());
    log.line(text);
    bar = std::make_unique<ProgressBar>("screen", "molecules written", &log);
  }
  const ScreenReport report = run_screen(request, [&](const ScreenStatus& s) {
    const ScreenCounts c = screen_counts(s, rank, ranks);
    log.event("chunk_done", {{"chunk", s.chunk}, {"rows", s.chunk_rows}, {"counts", counts_json(c)}});
    if (!bar) return;
    Progress p;
    p.records_done = c.written;
    p.bytes_done = c.written;
    p.bytes_total = c.total;
    bar->update(p, counts_detail(c, ranks));
  });
  if (bar && !report.already_complete) {
    // The merge's count is exact where the progress could only count chunks as full (the last
    // chunk of a molecule file another rank wrote).
    Progress done;
    done.records_done = done.bytes_done = done.bytes_total = report.rows;
    bar->update(done, "of " + std::to_string(report.rows));
  }
  if (bar) bar->finish();
  // Warnings: printed whatever -q says.
  if (rank == 0) {
    for (const DamagedPart& part : report.damaged_parts)
      log.warning("chunk " + std::to_string(part.index) + ": damaged part discarded (" + part.reason + "); recomputed");
    for (const std::string& warning : report.warnings) log.warning(warning);
    if (!report.unfinished_before.empty())
      log.event("warning", {{"message", "the stopped run had left unfinished " + report.unfinished_before}});
    log.event("finish", {{"output", request.output},
                         {"already_complete", report.already_complete},
                         {"rows", report.rows},
                         {"valid", report.valid},
                         {"passed_filters", report.passed_filters},
                         {"selected", report.selected},
                         {"chunks", report.chunks},
                         {"chunks_resumed", report.chunks_resumed},
                         {"seconds", report.seconds}});
  }
  if (!speaks) return;
  if (report.already_complete) {
    log.line(request.output + " is already complete; nothing to do");
    return;
  }
  if (!report.unfinished_before.empty())
    log.line("the stopped run had left unfinished " + report.unfinished_before + "; recomputed");
  char text[512];
  std::snprintf(text, sizeof text,
                "%llu molecules (%llu valid, %llu passed the filters), %llu selected, in %.1f s "
                "(%llu of %llu chunks from an earlier run); scored on %s",
                static_cast<unsigned long long>(report.rows), static_cast<unsigned long long>(report.valid),
                static_cast<unsigned long long>(report.passed_filters), static_cast<unsigned long long>(report.selected),
                report.seconds, static_cast<unsigned long long>(report.chunks_resumed),
                static_cast<unsigned long long>(report.chunks), report.device.c_str());
  log.line(text);
  std::snprintf(text, sizeof text,
                "stage seconds (summed over chunks): read %.2f, featurize %.2f, score %.2f, write %.2f; merge %.2f",
                report.stage_seconds[0], report.stage_seconds[1], report.stage_seconds[2], report.stage_seconds[3],
                report.merge_seconds);
  log.line(text);
  for (const ModelDistance& distance : model_distances(ResultsStore(request.output))) log.line(distance.sentence);
  if (report.selected == 0 && report.scored > 0)
    log.line("`molsieve query " + request.output + " --top 20` lists the molecules by score, out-of-domain terms marked !");
  log.line("results in " + request.output + " (molsieve query " + request.output + " --top 20)");
}

}  // namespace

void add_screen_command(CLI::App& app) {
  auto values = std::make_shared<ScreenValues>();
  CLI::App* c = app.add_subcommand(
      "screen",
      "Run a screening job (TOML, see docs/screening.md): filter, score with affinity and toxicity models and "
      "similarity to known actives, rank and diversify; one results-store row per library molecule. Under mpirun "
      "or srun the ranks share the chunks and rank 0 writes the results store");
  c->add_option("job", values->job, "Job file (.toml); datasets/jobs/default.toml is the shipped example")
      ->required();
  c->add_option("-o,--output", values->output, "Results store (.h5); default: the job's output.path");
  c->add_option("--library", values->library,
                "Library file or store, repeatable: replaces the job's library.inputs");
  c->add_flag("--resume", values->resume,
              "Finish an interrupted run of the same job, computing only the missing chunks");
  add_run_options(*c, *values);
  add_log_options(*c, values->log);
  c->callback([values] { run(*values); });
}

}  // namespace molsieve::workflows
