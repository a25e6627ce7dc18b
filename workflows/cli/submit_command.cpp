// molsieve submit: a screening job as one Slurm batch job whose tasks are the MPI ranks.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cluster/slurm.h"
#include "core/csv_writer.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "workflows/cli/commands.h"
#include "core/csv_writer.h"
#include "workflows/cli/common_options.h"
#include "workflows/screen/job.h"
#include "workflows/screen/parts.h"

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;

struct SubmitValues {
  std::string job, output;
  kernels::DeviceChoice device;
  std::vector<std::string> library;
  cluster::BatchRequest batch;
  bool resume = false, overwrite = false, dry_run = false, quiet = false;
};

std::string this_executable() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw Error("cannot find the molsieve executable (/proc/self/exe)");
  return std::string(path, n);
}

void run(SubmitValues& v) {
  const ScreenJob job = read_screen_job(v.job, v.library);  // a broken job fails here, not in the queue
  const std::string output = fs::absolute(v.output.empty() ? job.output : v.output).string();
  if (fs::exists(output) && !v.resume && !v.overwrite)
    throw Error(output + ": exists (use --overwrite to replace it, or --resume to finish an interrupted run)");
  const PartsFolder parts(output, "");
  if (parts.exists() && !v.resume && !v.overwrite)
    throw Error(output + ": an interrupted run left " + parts.dir() +
                " (use --resume to finish it, or --overwrite to start over)");
  if (v.resume && v.overwrite) throw Error("--resume and --overwrite: choose one");

  cluster::BatchRequest& b = v.batch;
  b.job_name = "molsieve-" + job.name;
  b.log = output + ".slurm-%j.log";
  b.comment = "written by molsieve submit " + std::string(MOLSIEVE_VERSION) + " on " + utc_timestamp();
  b.command = {this_executable(), "screen", fs::absolute(v.job).string(), "-o", output, "--threads",
               std::to_string(b.cpus_per_task), "--device", kernels::to_string(v.device), "-q"};
  for (const auto& library : v.library) {
    b.command.push_back("--library");
    b.command.push_back(fs::absolute(library).string());
  }
  if (v.resume) b.command.push_back("--resume");
  if (v.overwrite) b.command.push_back("--overwrite");
  const std::string script = cluster::sbatch_script(b);
  const std::string script_path = output + ".sbatch";
  write_whole_file(script_path, script);
  if (v.dry_run) {
    std::fputs(script.c_str(), stdout);
    if (!v.quiet) std::fprintf(stderr, "submit: wrote %s (not submitted: --dry-run)\n", script_path.c_str());
    return;
  }
  const std::string id = cluster::submit_batch_script(script_path);
  std::printf("%s\n", id.c_str());
  if (!v.quiet)
    std::fprintf(stderr,
                 "submit: Slurm job %s: %u node(s) x %u task(s), %u CPU(s) per task -> %s (log %s; progress: molsieve "
                 "status %s)\n",
                 id.c_str(), b.nodes, b.tasks_per_node, b.cpus_per_task, output.c_str(),
                 (output + ".slurm-" + id + ".log").c_str(), output.c_str());
}

}  // namespace

void add_submit_command(CLI::App& app) {
  auto v = std::make_shared<SubmitValues>();
  CLI::App* c = app.add_subcommand(
      "submit",
      "Submit a screening job to Slurm: writes <output>.sbatch, which runs molsieve screen on every task with srun "
      "(one MPI rank per task), submits it with sbatch and prints the job id");
  c->add_option("job", v->job, "Job file (.toml), as for molsieve screen")->required();
  c->add_option("-o,--output", v->output, "Results store (.h5) on a file system every node sees; default: the job's output.path");
  c->add_option("--library", v->library, "Library file or store, repeatable: replaces the job's library.inputs");
  c->add_option("--nodes", v->batch.nodes, "Nodes")->capture_default_str();
  c->add_option("--ntasks-per-node", v->batch.tasks_per_node, "MPI ranks per node (one per GPU on GPU nodes)")
      ->capture_default_str();
  c->add_option("--cpus-per-task", v->batch.cpus_per_task, "Cores per rank (the screen's --threads)")->capture_default_str();
  c->add_option("--gpus-per-node", v->batch.gpus_per_node, "GPUs per node (each rank takes its node-local rank's GPU)")
      ->capture_default_str();
  c->add_option("--time", v->batch.time, "Time limit, HH:MM:SS (default: the partition's)");
  c->add_option("--partition", v->batch.partition, "Slurm partition (default: the cluster's)");
  c->add_option("--account", v->batch.account, "Slurm account to charge");
  c->add_option("--mpi", v->batch.srun_mpi, "srun's --mpi plugin; '' leaves it to the site's MpiDefault")
      ->capture_default_str();
  add_device_option(*c, v->device, "auto, cpu, cuda or cuda:N, as for molsieve screen");
  c->add_flag("--resume", v->resume, "Continue a stopped job: only the chunks without a part are computed");
  add_overwrite_flag(*c, v->overwrite, "Replace the results store when the job finishes");
  c->add_flag("--dry-run", v->dry_run, "Write and print the script; do not submit it");
  add_quiet_flag(*c, v->quiet, "Only the job id (or the script) on stdout");
  c->callback([v] { run(*v); });
}

}  // namespace molsieve::workflows
