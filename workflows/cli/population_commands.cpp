// molsieve synth-population and import-population: make a population store (or OMOP CSV
// files) for cohort selection.
#include <CLI/CLI.hpp>
#include <tbb/parallel_for.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include "cohort/cdm_source.h"
#include "cohort/omop_csv.h"
#include "cohort/omop_database.h"
#include "cohort/population.h"
#include "cohort/synthetic_population.h"
#include "core/error.h"
#include "core/thread_scope.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/progress_bar.h"

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;

struct SynthValues {
  std::uint64_t persons = 10000;
  std::uint64_t seed = 1;
  std::string format = "store";
  std::string output;
  unsigned threads = 0;
  bool overwrite = false;
  bool quiet = false;
};

constexpr std::uint64_t kWriteBlock = 65536;  // persons generated, then written, at a time
constexpr std::uint64_t kTaskPersons = 4096;  // persons per parallel task

// Persons [first, first + count), generated in parallel; identical for any thread count.
cohort::Population synthesize_block(std::uint64_t seed, std::uint64_t first, std::uint64_t count) {
  const std::uint64_t tasks = (count + kTaskPersons - 1) / kTaskPersons;
  std::vector<cohort::Population> parts(tasks);
  tbb::parallel_for(std::uint64_t{0}, tasks, [&](std::uint64_t t) {
    const std::uint64_t start = first + t * kTaskPersons;
    parts[t] = cohort::synthesize_population(seed, start, std::min(kTaskPersons, first + count - start));
  });
  cohort::Population block;
  block.first_person = first;
  for (const auto& part : parts) cohort::append_population(block, part);
  return block;
}

void run_synth(const SynthValues& v) {
  if (v.format != "store" && v.format != "omop-csv")
    throw Error("--format: '" + v.format + "' is not store or omop-csv");
  if (v.persons == 0) throw Error("--size: the population needs at least one person");
  if (v.format == "omop-csv" && fs::exists(v.output) && !fs::is_empty(v.output)) {
    if (!v.overwrite) throw Error(v.output + ": exists and is not empty (use --overwrite to replace its CSV files)");
  } else if (v.format == "store") {
    refuse_existing_outputs({v.output}, v.overwrite);
  }
  const ThreadScope threads(v.threads);
  const auto started = std::chrono::steady_clock::now();
  cohort::PopulationProvenance provenance;
  provenance.synthetic = true;
  provenance.source = "molsieve synth-population --size " + std::to_string(v.persons) + " --seed " +
                      std::to_string(v.seed) + " (SYNTHETIC: not real patients)";
  std::unique_ptr<cohort::PopulationWriter> writer;
  if (v.format == "store") {
    writer = std::make_unique<cohort::PopulationWriter>(v.output, provenance);
    writer->set_vocabulary(cohort::synthetic_vocabulary());
  } else {
    cohort::write_omop_vocabulary(v.output, cohort::synthetic_vocabulary());
  }
  ProgressBar bar("synth-population", "patients");
  for (std::uint64_t first = 0; first < v.persons; first += kWriteBlock) {
    const cohort::Population block = synthesize_block(v.seed, first, std::min(kWriteBlock, v.persons - first));
    if (writer)
      writer->append(block);
    else
      cohort::write_omop_csv(v.output, block, first == 0);
    if (!v.quiet) bar.update(Progress{first + block.persons(), 0, 0});
  }
  if (writer)
    writer->finish();
  else
    cohort::write_cdm_source(v.output, provenance);
  if (!v.quiet) bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (v.quiet) return;
  std::fprintf(stderr, "wrote %llu synthetic patients to %s (%s) in %.2f s, %.0f patients/s\n",
              static_cast<unsigned long long>(v.persons), v.output.c_str(), v.format.c_str(), seconds,
              v.persons / seconds);
}

struct ImportValues {
  std::string omop;
  std::string schema = "public";
  std::string output;
  std::uint64_t slice = 262144;
  bool overwrite = false;
  bool quiet = false;
};

// The CSV copies of a database's tables, removed however the import ends.
struct CopiedTables {
  std::string folder;
  ~CopiedTables() {
    std::error_code ignored;
    if (!folder.empty()) fs::remove_all(folder, ignored);
  }
};

// A line when each table is copied, and every few seconds while a large one is.
std::function<void(const cohort::TableCopyProgress&)> copy_reporter(bool quiet) {
  if (quiet) return {};
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [last](const cohort::TableCopyProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (!p.done && now - *last < std::chrono::seconds(5)) return;
    *last = now;
    std::fprintf(stderr, "import-population: %s %s (%.1f MB)\n", p.done ? "copied" : "copying", p.table.c_str(),
                 p.bytes / 1e6);
  };
}

void run_import(const ImportValues& v) {
  refuse_existing_outputs({v.output}, v.overwrite);
  const auto started = std::chrono::steady_clock::now();
  cohort::PopulationProvenance provenance;
  std::string folder = v.omop;
  CopiedTables copied;
  if (!cohort::is_database_uri(v.omop) && v.schema != "public")
    throw Error("--schema: only for a PostgreSQL --omop (" + v.omop + " is a folder)");
  if (cohort::is_database_uri(v.omop)) {
    provenance.source = "OMOP PostgreSQL " + cohort::describe_database(v.omop) + " schema " + v.schema;
    copied.folder = folder = v.output + ".import-tables";
    fs::remove_all(folder);  // a killed import's copies
    cohort::copy_omop_tables(v.omop, v.schema, folder, copy_reporter(v.quiet));
  } else {
    provenance.source = "OMOP CSV " + fs::path(v.omop).lexically_normal().filename().string();
  }
  if (const auto source = cohort::read_cdm_source(folder)) {
    provenance.synthetic = cohort::is_synthetic_source(*source);
    provenance.source += " (cdm_source: " + source->name + (source->description.empty() ? "" : "; " + source->description) + ")";
  }
  cohort::PopulationWriter writer(v.output, provenance);
  const cohort::ImportCounts n = cohort::import_omop_csv(folder, writer, v.slice, v.output + ".import-scratch");
  writer.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (v.quiet) return;
  std::fprintf(stderr,
               "imported %llu patients (%llu conditions, %llu drug exposures, %llu measurements, %llu genotype rows) "
               "into %s in %.2f s%s\n",
               static_cast<unsigned long long>(n.persons), static_cast<unsigned long long>(n.conditions),
               static_cast<unsigned long long>(n.drugs), static_cast<unsigned long long>(n.measurements),
               static_cast<unsigned long long>(n.genotypes), v.output.c_str(), seconds,
               provenance.synthetic ? " (SYNTHETIC: the source says it holds no real patients)" : "");
}

}  // namespace

void add_population_commands(CLI::App& app) {
  auto synth = std::make_shared<SynthValues>();
  CLI::App* s = app.add_subcommand(
      "synth-population",
      "Generate a SYNTHETIC patient population (OMOP-like tables, documented distributions in docs/cohorts.md) "
      "as a population store or OMOP CSV files; the same seed gives the same patients");
  s->add_option("--size,--n", synth->persons, "Number of patients")->capture_default_str();
  s->add_option("--seed", synth->seed, "Random seed")->capture_default_str();
  s->add_option("--format", synth->format, "store (population store .h5) or omop-csv (a folder of OMOP CSV files)")
      ->capture_default_str();
  s->add_option("-o,--output", synth->output, "Population store (.h5) or folder for omop-csv")->required();
  add_threads_option(*s, synth->threads);
  add_overwrite_flag(*s, synth->overwrite);
  add_quiet_flag(*s, synth->quiet);
  s->callback([synth] { run_synth(*synth); });

  auto import = std::make_shared<ImportValues>();
  CLI::App* i = app.add_subcommand(
      "import-population",
      "Read OMOP CDM tables (person, observation_period, condition_occurrence, drug_exposure, measurement; "
      "optional genotype and cdm_source) from CSV files or a PostgreSQL database into a population store; lab units "
      "are converted or rejected, never mixed");
  i->add_option("--omop", import->omop,
                "Folder holding the OMOP CSV files, or a PostgreSQL URI (postgresql://user@host:port/database; "
                "give the password through PGPASSWORD or ~/.pgpass, not the command line)")
      ->required();
  i->add_option("--schema", import->schema, "Database schema holding the CDM tables (a PostgreSQL --omop)")
      ->capture_default_str();
  i->add_option("-o,--output", import->output, "Population store to write (.h5)")->required();
  i->add_option("--slice", import->slice,
                "Patients grouped at a time (memory bound; rows wait in <output>.import-scratch/ until their slice)")
      ->capture_default_str();
  add_overwrite_flag(*i, import->overwrite);
  add_quiet_flag(*i, import->quiet, "No summary (warnings and errors still show)");
  i->callback([import] { run_import(*import); });
}

}  // namespace molsieve::workflows
