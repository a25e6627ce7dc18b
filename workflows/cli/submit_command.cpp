// molsieve submit: a screening job as one Slurm batch job whose tasks are the MPI ranks.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cluster/slurm.h"
#include "core/csv_writer.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/screen/job.h"
#include "workflows/screen/parts.h"
#include "workflows/screen/shards.h"

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;

struct SubmitValues {
  std::string job, output;
  std::string preamble, events;  // --preamble FILE; --events FILE for the screen
  kernels::DeviceChoice device;
  std::vector<std::string> library;
  cluster::BatchRequest batch;
  std::string array;  // a shard manifest: one array task per shard
  bool resume = false, overwrite = false, dry_run = false, quiet = false;
};

std::string this_executable() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw Error("cannot find the molsieve executable (/proc/self/exe)");
  return std::string(path, n);
}

// The results store of shard `task` of a campaign whose merge writes `output` (kArrayTask for
// the array task's own).
std::string shard_output(const std::string& output, const std::string& task) {
  const fs::path path(output);
  return (path.parent_path() / (path.stem().string() + ".shard-" + task + path.extension().string())).string();
}

// An array over the shards of `v.array`: each task screens its shard into its own store.
void set_array(SubmitValues& v) {
  if (!v.library.empty()) throw Error("--array and --library: the manifest names each task's library");
  const ShardManifest manifest = read_shard_manifest(v.array);
  for (std::size_t k = 0; k < manifest.shards.size(); ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "shard-%04zu.h5", k);
    if (manifest.shards[k].file != name)
      throw Error(v.array + ": shard " + std::to_string(k) + " is " + manifest.shards[k].file + ", not " + name +
                  " as molsieve shard names it");
  }
  v.library = {(fs::absolute(v.array).parent_path() / (std::string("shard-") + cluster::kArrayTask + ".h5")).string()};
  v.batch.array_tasks = static_cast<unsigned>(manifest.shards.size());
}

std::string read_preamble(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw Error("--preamble " + path + ": cannot be read");
  return text.str();
}

// The Slurm job recorded for `output` while Slurm still has it queued or running, with its
// state ("" when none).
std::pair<std::string, std::string> active_job(const std::string& output) {
  const std::string id = cluster::recorded_job(output);
  if (id.empty()) return {};
  const std::string state = cluster::slurm_job_state(id);
  if (!cluster::slurm_job_active(state)) return {};
  return {id, state};
}

void run(SubmitValues& v) {
  const std::string output_given = v.output;
  if (!v.array.empty()) set_array(v);
  // A broken job fails here, not in the queue (an array's job is read with its first shard).
  const ScreenJob job = read_screen_job(
      v.job, v.array.empty() ? v.library : std::vector<std::string>{(fs::absolute(v.array).parent_path() / "shard-0000.h5").string()});
  const std::string output = fs::absolute(output_given.empty() ? job.output : output_given).string();
  // A job that continues by itself (array tasks, requeued or signalled jobs) always screens
  // with --resume: its first run starts, a later one continues, a finished one stays.
  const bool continues = !v.array.empty() || v.batch.requeue || !v.batch.signal.empty();
  if (continues && v.overwrite)
    throw Error("--overwrite: a job that requeues itself would start over each time; remove the results to start over");
  const std::string screened = v.array.empty() ? output : shard_output(output, cluster::kArrayTask);
  for (unsigned k = 0; k < std::max(1u, v.batch.array_tasks); ++k) {
    char task[16];
    std::snprintf(task, sizeof task, "%04u", k);
    const std::string store = v.array.empty() ? output : shard_output(output, task);
    if (fs::exists(store) && !v.resume && !v.overwrite)
      throw Error(store + ": exists (use --overwrite to replace it, or --resume to finish an interrupted run)");
    const PartsFolder parts(store, "");
    if (parts.exists() && !v.resume && !v.overwrite)
      throw Error(store + ": an interrupted run left " + parts.dir() +
                  " (use --resume to finish it, or --overwrite to start over)");
  }
  if (v.resume && v.overwrite) throw Error("--resume and --overwrite: choose one");

  cluster::BatchRequest& b = v.batch;
  b.job_name = "molsieve-" + job.name;
  b.log = output + (v.array.empty() ? ".slurm-%j.log" : ".slurm-%A_%a.log");
  b.comment = "written by molsieve submit " + std::string(MOLSIEVE_VERSION) + " on " + utc_timestamp();
  if (!v.preamble.empty()) b.preamble = read_preamble(v.preamble);
  // Not -q: the job's log tells its start, progress lines and finish, stamped with time and rank.
  b.command = {this_executable(), "screen", fs::absolute(v.job).string(), "-o", screened, "--threads",
               std::to_string(b.cpus_per_task), "--device", kernels::to_string(v.device)};
  if (!v.events.empty()) {
    b.command.push_back("--events");
    b.command.push_back(fs::absolute(v.events).string());
  }
  for (const auto& library : v.library) {
    b.command.push_back("--library");
    b.command.push_back(fs::absolute(library).string());
  }
  if (v.resume || continues) b.command.push_back("--resume");
  if (v.overwrite) b.command.push_back("--overwrite");
  const std::string script = cluster::sbatch_script(b);
  const std::string script_path = output + ".sbatch";
  // The script of a job Slurm still has stays what that job runs; a second job on the same
  // output waits for it (--dependency) or is refused.
  const auto [active_id, active_state] = active_job(output);
  if (v.dry_run) {
    std::fputs(script.c_str(), stdout);
    if (!active_id.empty()) {  // said even with -q: the script on disk is not the one printed
      std::fprintf(stderr, "submit: %s is the script of Slurm job %s (%s): left as it is; the new one is printed only\n",
                   script_path.c_str(), active_id.c_str(), active_state.c_str());
      return;
    }
    write_whole_file(script_path, script);
    if (!v.quiet) std::fprintf(stderr, "submit: wrote %s (not submitted: --dry-run)\n", script_path.c_str());
    return;
  }
  if (!active_id.empty() && b.dependency.find(active_id) == std::string::npos)
    throw Error(output + ": Slurm job " + active_id + " (" + active_state + ") writes it (scancel " + active_id +
                " first, or chain with --dependency afterany:" + active_id + " --resume)");
  write_whole_file(script_path, script);
  const std::string id = cluster::submit_batch_script(script_path);
  write_whole_file(cluster::job_record_path(output), id + "\n");  // for molsieve status while it is queued
  std::printf("%s\n", id.c_str());
  if (!v.array.empty()) {
    if (!v.quiet)
      std::fprintf(stderr,
                   "submit: Slurm array job %s: %u shard(s) of %s -> %s (logs %s); when they are done: molsieve merge "
                   "%s -o %s\n",
                   id.c_str(), b.array_tasks, v.array.c_str(), shard_output(output, "NNNN").c_str(),
                   (output + ".slurm-" + id + "_N.log").c_str(), shard_output(output, "*").c_str(), output.c_str());
    return;
  }
  if (!v.quiet)
    std::fprintf(stderr,
                 "submit: Slurm job %s: %u node(s) x %u task(s), %u CPU(s) per task -> %s (log %s; progress: molsieve "
                 "status %s)\n",
                 id.c_str(), b.nodes, b.tasks_per_node, b.cpus_per_task, output.c_str(),
                 (output + ".slurm-" + id + ".log").c_str(), output.c_str());
}

// What real sites ask for: memory, QOS, dependencies, any other sbatch option, module loads.
void add_site_options(CLI::App& c, SubmitValues& v) {
  c.add_option("--mem", v.batch.mem, "Memory per node (sbatch --mem: 16G, 4000M; default: the partition's)");
  c.add_option("--qos", v.batch.qos, "Slurm quality of service");
  c.add_option("--dependency", v.batch.dependency,
               "Start after other jobs (sbatch --dependency: afterany:123 continues a stopped job with --resume)");
  c.add_option("--sbatch-option", v.batch.sbatch_options,
               "One more sbatch option for the script, \"--key=value\" or \"--flag\"; repeatable")
      ->type_name("OPTION");
  c.add_option("--preamble", v.preamble,
               "File of site lines (module loads, exports) copied into the script before srun")
      ->check(CLI::ExistingFile);
  c.add_option("--events", v.events, "The screen's JSON events file (molsieve screen --events)");
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
  add_site_options(*c, *v);
  c->add_option("--mpi", v->batch.srun_mpi, "srun's --mpi plugin; '' leaves it to the site's MpiDefault")
      ->capture_default_str();
  add_device_option(*c, v->device, "auto, cpu, cuda or cuda:N, as for molsieve screen");
  c->add_flag("--resume", v->resume, "Continue a stopped job: only the chunks without a part are computed");
  add_overwrite_flag(*c, v->overwrite, "Replace the results store when the job finishes");
  c->add_option("--array", v->array,
                 "A shard manifest (molsieve shard): a Slurm array job, task N screening shard N into "
                 "<output stem>.shard-NNNN.h5 with its own parts and --resume; molsieve merge joins them");
  c->add_flag("--requeue", v->batch.requeue, "Slurm may requeue the job (preemption, node failure); it resumes");
  c->add_option("--signal", v->batch.signal,
                "sbatch --signal, e.g. B:USR1@120: the script stops the screen that long before the time limit "
                "and requeues itself to continue");
  c->add_flag("--dry-run", v->dry_run, "Write and print the script; do not submit it");
  add_quiet_flag(*c, v->quiet, "Only the job id (or the script) on stdout");
  c->callback([v] { run(*v); });
}

}  // namespace molsieve::workflows
