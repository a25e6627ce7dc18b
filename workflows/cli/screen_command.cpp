// molsieve screen: run a screening job file into a results store.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cluster/cluster.h"
#include "core/thread_scope.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/interrupt.h"
#include "workflows/cli/progress_bar.h"
#include "workflows/screen/domain_summary.h"
#include "workflows/screen/screen.h"

namespace molsieve::workflows {
namespace {

struct ScreenValues : RunValues {
  std::string job;
  std::string output;
  std::vector<std::string> library;
  bool resume = false;
};

std::string stage_counts(const ScreenStatus& s) {
  char text[160];
  std::snprintf(text, sizeof text, "read %llu, featurized %llu, scored %llu, written %llu",
                static_cast<unsigned long long>(s.rows_read), static_cast<unsigned long long>(s.rows_featurized),
                static_cast<unsigned long long>(s.rows_scored), static_cast<unsigned long long>(s.rows_written));
  return text;
}

void run(const ScreenValues& v) {
  ScreenRequest request;
  request.job = read_screen_job(v.job, v.library);
  request.output = v.output.empty() ? request.job.output : v.output;
  request.resume = v.resume;
  request.overwrite = v.overwrite;
  request.device = v.device;
  request.threads = v.threads;
  request.cancel = &interrupt_token();  // the chunks in flight finish and are kept for --resume
  request.world = &cluster::world();
  const bool speaks = !v.quiet && request.world->rank() == 0;

  std::unique_ptr<ProgressBar> bar;
  if (speaks) {
    std::fprintf(stderr, "screen: job %s (%s), %zu library input(s), %u thread(s) per process, %s -> %s\n",
                 request.job.name.c_str(), v.job.c_str(), request.job.library.size(), ThreadScope::resolve(v.threads),
                 request.world->description().c_str(), request.output.c_str());
    bar = std::make_unique<ProgressBar>("screen");
  }
  const ScreenReport report = run_screen(request, [&](const ScreenStatus& s) {
    if (!bar) return;
    Progress p;
    p.records_done = s.rows_written;
    p.bytes_done = s.rows_total ? s.rows_written : s.bytes_done;
    p.bytes_total = s.rows_total ? s.rows_total : s.bytes_total;
    bar->update(p, stage_counts(s));
  });
  if (bar) bar->finish();
  // Warnings: printed whatever -q says.
  if (request.world->rank() == 0) {
    for (const DamagedPart& part : report.damaged_parts)
      std::fprintf(stderr, "screen: chunk %llu: damaged part discarded (%s); recomputed\n",
                   static_cast<unsigned long long>(part.index), part.reason.c_str());
    for (const std::string& warning : report.warnings) std::fprintf(stderr, "screen: %s\n", warning.c_str());
  }
  if (!speaks) return;
  if (report.already_complete) {
    std::fprintf(stderr, "screen: %s is already complete; nothing to do\n", request.output.c_str());
    return;
  }
  if (!report.unfinished_before.empty())
    std::fprintf(stderr, "screen: the stopped run had left unfinished %s; recomputed\n",
                 report.unfinished_before.c_str());
  std::fprintf(stderr,
               "screen: %llu molecules (%llu valid, %llu passed the filters), %llu selected, in %.1f s "
               "(%llu of %llu chunks from an earlier run); scored on %s\n",
               static_cast<unsigned long long>(report.rows), static_cast<unsigned long long>(report.valid),
               static_cast<unsigned long long>(report.passed_filters), static_cast<unsigned long long>(report.selected),
               report.seconds, static_cast<unsigned long long>(report.chunks_resumed),
               static_cast<unsigned long long>(report.chunks), report.device.c_str());
  std::fprintf(stderr,
               "screen: stage seconds (summed over chunks): read %.2f, featurize %.2f, score %.2f, write %.2f; "
               "merge %.2f\n",
               report.stage_seconds[0], report.stage_seconds[1], report.stage_seconds[2], report.stage_seconds[3],
               report.merge_seconds);
  for (const ModelDistance& distance : model_distances(ResultsStore(request.output)))
    std::fprintf(stderr, "screen: %s\n", distance.sentence.c_str());
  if (report.selected == 0 && report.scored > 0)
    std::fprintf(stderr, "screen: `molsieve query %s --top 20` lists the molecules by score, out-of-domain terms marked !\n",
                 request.output.c_str());
  std::fprintf(stderr, "screen: results in %s (molsieve query %s --top 20)\n", request.output.c_str(),
               request.output.c_str());
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
  c->callback([values] { run(*values); });
}

}  // namespace molsieve::workflows
