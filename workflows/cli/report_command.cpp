// molsieve report: a results store as one self-contained HTML page.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "core/csv_writer.h"
#include "core/error.h"
#include "models/thread_scope.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/report/screen_report.h"

namespace molsieve::workflows {
namespace {

struct ReportValues {
  std::string store;
  std::string output;
  ReportOptions options;
  bool no_explain = false;
  bool overwrite = false;
  bool quiet = false;
  unsigned threads = 0;
};

void run(const ReportValues& v) {
  refuse_existing_outputs({v.output}, v.overwrite);
  const models::ModelThreadScope threads(v.threads);
  ReportOptions options = v.options;
  options.explain = !v.no_explain;
  const std::string html = render_report(v.store, options);
  write_whole_file(v.output, html);
  if (!v.quiet) std::fprintf(stderr, "report: wrote %s\n", v.output.c_str());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto values = std::make_shared<ReportValues>();
  CLI::App* c = app.add_subcommand(
      "report",
      "Write a self-contained HTML report of a results store: provenance, filter funnel, distributions, property "
      "space, top candidates with depictions and per-atom explanations, model limitations");
  c->add_option("store", values->store, "Results store (.h5) from molsieve screen")->required();
  c->add_option("-o,--output", values->output, "HTML file to write")->required();
  c->add_option("--top,--candidates", values->options.candidates, "Selected candidates shown in full (the first N of the selection; --candidates is its former name)")->capture_default_str();
  c->add_flag("--no-explain", values->no_explain, "Skip the per-atom occlusion explanations");
  add_threads_option(*c, values->threads, "CPU threads for the explanations (0: all cores)");
  add_overwrite_flag(*c, values->overwrite);
  add_quiet_flag(*c, values->quiet, "No summary (warnings and errors still show)");
  c->callback([values] { run(*values); });
}

}  // namespace molsieve::workflows
