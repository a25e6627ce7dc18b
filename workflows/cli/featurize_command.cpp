#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "chem/alerts.h"
#include "chem/featurize_library.h"
#include "core/error.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/interrupt.h"
#include "workflows/cli/progress_bar.h"
#include "workflows/cli/run_log.h"

namespace molsieve::workflows {

const char* default_library_path() {
  // RDBASE, when set, points at another RDKit data folder, as it does for RDKit itself.
  static const std::string path = [] {
    const char* rdbase = std::getenv("RDBASE");
    std::string base = rdbase && *rdbase ? rdbase : MOLSIEVE_RDKIT_DATA_DIR;
    return base + "/Data/NCI/first_5K.smi";
  }();
  return path.c_str();
}

namespace {

void print_summary(const chem::FeaturizeRequest& request, const chem::FeaturizeReport& report) {
  const auto& c = report.counts;
  std::fprintf(stderr, "featurized %s\n", request.output.c_str());
  std::fprintf(stderr, "  records     %llu\n", static_cast<unsigned long long>(c.records));
  std::fprintf(stderr, "  valid       %llu\n", static_cast<unsigned long long>(c.valid));
  std::fprintf(stderr, "  invalid     %llu\n", static_cast<unsigned long long>(c.invalid));
  std::fprintf(stderr, "  duplicates  %llu\n", static_cast<unsigned long long>(c.duplicates));
  std::fprintf(stderr, "  with alerts %llu (", static_cast<unsigned long long>(c.with_alerts));
  const auto& families = chem::AlertCatalog::families();
  for (std::size_t f = 0; f < families.size(); ++f)
    std::fprintf(stderr, "%s%s %llu", f ? ", " : "", families[f].c_str(),
                static_cast<unsigned long long>(c.alert_family_hits[f]));
  std::fprintf(stderr, ")\n");
  std::fprintf(stderr, "  time        %.2f s on %u threads, %.0f molecules/s\n", report.seconds,
              report.threads, report.seconds > 0 ? c.records / report.seconds : 0.0);
}

// Shown even with --quiet: an input that gave nothing, or molecules that were not featurized,
// changes what the store can be used for.
void print_warnings(const chem::FeaturizeReport& report, const RunLog& log) {
  for (const auto& path : report.empty_inputs) log.warning(path + ": no molecule records", "warning: ");
  const auto invalid = report.counts.invalid;
  if (invalid == 0) return;
  log.warning(std::to_string(invalid) + " record(s) could not be featurized" +
                  (invalid > report.first_errors.size() ? " (all are in the store's /molecules/error; the first follow)"
                                                        : ":"),
              "warning: ");
  for (const auto& error : report.first_errors) log.raw_line("  " + error);
}

}  // namespace

void add_featurize_command(CLI::App& app) {
  auto request = std::make_shared<chem::FeaturizeRequest>();
  auto use_default = std::make_shared<bool>(false);
  auto standardize = std::make_shared<std::string>("on");
  auto quiet = std::make_shared<bool>(false);
  auto log_values = std::make_shared<LogValues>();
  CLI::App* cmd = app.add_subcommand(
      "featurize",
      "Featurize molecule files into a library store (HDF5): canonical SMILES, descriptors, "
      "QED, structural alerts, Morgan fingerprints and molecular graphs, one row per input "
      "record in input order.");
  cmd->add_option("inputs", request->inputs,
                  "Molecule files: .smi/.smiles (SMILES, optional id after whitespace), "
                  ".csv/.tsv (header row), .sdf; each may be gzip-compressed (.gz)");
  cmd->add_flag("--default-library", *use_default,
                std::string("Featurize the embedded default library (") + default_library_path() +
                    ")");
  cmd->add_option("-o,--output", request->output, "Library store to write (.h5)")->required();
  add_overwrite_flag(*cmd, request->overwrite);
  cmd->add_option("--smiles-column", request->reader.smiles_column,
                  "CSV/TSV column holding the SMILES")
      ->capture_default_str();
  cmd->add_option("--id-column", request->reader.id_column,
                  "CSV/TSV column or SDF property holding the molecule id (default: the .smi "
                  "name field, the SDF title line, or <file>_<record number>)");
  cmd->add_option("--standardize", *standardize,
                  "on: keep the largest fragment and neutralize charges; off: as given")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--fp-radius", request->featurizer.fp_radius, "Morgan fingerprint radius")
      ->capture_default_str();
  cmd->add_option("--fp-bits", request->featurizer.fp_bits,
                  "Morgan fingerprint length in bits (a multiple of 64)")
      ->capture_default_str();
  add_threads_option(*cmd, request->threads);
  add_quiet_flag(*cmd, *quiet);
  add_log_options(*cmd, *log_values);
  cmd->callback([request, use_default, standardize, quiet, log_values] {
    RunLog& log = RunLog::get();
    log.open("featurize", *log_values, 0, 1);
    log.event("start", {{"inputs", request->inputs}, {"output", request->output}});
    if (*use_default) request->inputs.insert(request->inputs.begin(), default_library_path());
    if (request->inputs.empty())
      throw Error("featurize: no input files (name molecule files, or --default-library)");
    request->featurizer.standardize = *standardize == "on";
    request->cancel = &interrupt_token();  // no partial store is left
    std::unique_ptr<ProgressBar> bar;
    ProgressCallback on_progress;
    if (!*quiet) {
      bar = std::make_unique<ProgressBar>("featurize", "molecules", &log);
      on_progress = [&bar](const Progress& p) { bar->update(p); };
    }
    chem::FeaturizeReport report = chem::featurize_library(*request, on_progress);
    if (bar) bar->finish();
    print_warnings(report, log);
    log.event("finish", {{"output", request->output}, {"records", report.counts.records},
                         {"valid", report.counts.valid}, {"invalid", report.counts.invalid},
                         {"seconds", report.seconds}});
    if (!*quiet) print_summary(*request, report);
  });
}

}  // namespace molsieve::workflows
