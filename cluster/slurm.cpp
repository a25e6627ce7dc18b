#include "cluster/slurm.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/error.h"

namespace molsieve::cluster {

const char* const kArrayTask = "{task}";

namespace {

// A command word with kArrayTask replaced by the script's $task, quoted as the shell reads it.
std::string command_word(const std::string& word) {
  const std::size_t at = word.find(kArrayTask);
  if (at == std::string::npos) return shell_quote(word);
  const std::string before = word.substr(0, at), after = word.substr(at + std::string(kArrayTask).size());
  return (before.empty() ? "" : shell_quote(before)) + "\"${task}\"" + (after.empty() ? "" : command_word(after));
}

}  // namespace

std::string shell_quote(const std::string& word) {
  static const std::regex safe("[A-Za-z0-9_./:=@%+,-]+");
  if (std::regex_match(word, safe)) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

namespace {

// A command's standard output and error, trailing blanks cut, and its exit status (-1: it did
// not run or was killed).
std::string output_of(const std::string& command, int& status) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    status = -1;
    return "";
  }
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int code = pclose(pipe);
  status = code != -1 && WIFEXITED(code) ? WEXITSTATUS(code) : -1;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output;
}

void check_site_options(const BatchRequest& r) {
  static const std::regex mem_format("[0-9]+[KMGT]?");
  if (!r.mem.empty() && !std::regex_match(r.mem, mem_format))
    throw Error("--mem: '" + r.mem + "' is not a Slurm size (a number of megabytes, or with K, M, G or T)");
  static const std::regex name_format("[A-Za-z0-9_.-]+");
  if (!r.qos.empty() && !std::regex_match(r.qos, name_format))
    throw Error("--qos: '" + r.qos + "' is not a Slurm name (letters, digits, _ . -)");
  static const std::regex dependency_format("[a-z_]+(:[0-9_+]+)*([,?][a-z_]+(:[0-9_+]+)*)*");
  if (!r.dependency.empty() && !std::regex_match(r.dependency, dependency_format))
    throw Error("--dependency: '" + r.dependency + "' is not a Slurm dependency (afterany:123, afterok:4:5, ...)");
  static const std::regex option_format("--[A-Za-z][A-Za-z0-9-]*(=[^\n\r]*)?");
  for (const std::string& option : r.sbatch_options)
    if (!std::regex_match(option, option_format))
      throw Error("--sbatch-option: '" + option + "' is not one sbatch option (--key=value or --flag)");
}

}  // namespace

std::string sbatch_script(const BatchRequest& r) {
  if (r.nodes == 0) throw Error("--nodes: must be at least 1");
  if (r.tasks_per_node == 0) throw Error("--ntasks-per-node: must be at least 1");
  if (r.cpus_per_task == 0) throw Error("--cpus-per-task: must be at least 1");
  static const std::regex time_format("([0-9]+-)?([0-9]+:)?[0-9]+:[0-9]{2}|[0-9]+");
  if (!r.time.empty() && !std::regex_match(r.time, time_format))
    throw Error("--time: '" + r.time + "' is not a Slurm time (HH:MM:SS, MM:SS, D-HH:MM:SS or minutes)");
  static const std::regex name_format("[A-Za-z0-9_.-]+");
  for (const auto& [option, value] : {std::pair<const char*, const std::string&>{"--partition", r.partition},
                                      {"--account", r.account}})
    if (!value.empty() && !std::regex_match(value, name_format))
      throw Error(std::string(option) + ": '" + value + "' is not a Slurm name (letters, digits, _ . -)");
  static const std::regex signal_format("(B:|R:)?[A-Z0-9]+(@[0-9]+)?");
  if (!r.signal.empty() && !std::regex_match(r.signal, signal_format))
    throw Error("--signal: '" + r.signal + "' is not a Slurm signal ([B:]NAME[@SECONDS], e.g. B:USR1@120)");
  const bool trapped = r.signal.rfind("B:", 0) == 0;
  check_site_options(r);
  std::ostringstream s;
  s << "#!/bin/bash\n";
  s << "#SBATCH --job-name=" << shell_quote(r.job_name) << "\n";
  s << "#SBATCH --nodes=" << r.nodes << "\n";
  s << "#SBATCH --ntasks-per-node=" << r.tasks_per_node << "\n";
  s << "#SBATCH --cpus-per-task=" << r.cpus_per_task << "\n";
  if (r.gpus_per_node > 0) s << "#SBATCH --gpus-per-node=" << r.gpus_per_node << "\n";
  if (!r.time.empty()) s << "#SBATCH --time=" << r.time << "\n";
  if (!r.partition.empty()) s << "#SBATCH --partition=" << r.partition << "\n";
  if (!r.account.empty()) s << "#SBATCH --account=" << r.account << "\n";
  if (!r.log.empty()) s << "#SBATCH --output=" << shell_quote(r.log) << "\n";
  if (r.array_tasks > 0) s << "#SBATCH --array=0-" << r.array_tasks - 1 << "\n";
  if (r.requeue) s << "#SBATCH --requeue\n";
  if (!r.signal.empty()) s << "#SBATCH --signal=" << r.signal << "\n";
  // A requeued job writes the same log: appended, so it keeps what the stopped run said.
  if (r.requeue || trapped) s << "#SBATCH --open-mode=append\n";
  if (!r.mem.empty()) s << "#SBATCH --mem=" << r.mem << "\n";
  if (!r.qos.empty()) s << "#SBATCH --qos=" << r.qos << "\n";
  if (!r.dependency.empty()) s << "#SBATCH --dependency=" << r.dependency << "\n";
  for (const std::string& option : r.sbatch_options) s << "#SBATCH " << option << "\n";
  if (!r.comment.empty()) s << "# " << r.comment << "\n";
  // Before `set -u`: sites' module scripts read variables that may be unset.
  if (!r.preamble.empty()) {
    s << "# site preamble\n" << r.preamble;
    if (r.preamble.back() != '\n') s << "\n";
  }
  s << "set -euo pipefail\n";
  // LibTorch's OpenMP and BLAS pools take their size from these; TBB's is the command's --threads.
  s << "export OMP_NUM_THREADS=" << r.cpus_per_task << " MKL_NUM_THREADS=" << r.cpus_per_task
    << " OPENBLAS_NUM_THREADS=" << r.cpus_per_task << "\n";
  if (r.array_tasks > 0) s << "task=$(printf %04d \"${SLURM_ARRAY_TASK_ID}\")\n";
  if (trapped) {
    const std::string name = r.signal.substr(2, r.signal.find('@') - 2);
    // An array task names itself by array and index: one task's SLURM_JOB_ID is the array's
    // own id, which scancel and scontrol read as every task of the array.
    const char* const self = r.array_tasks > 0 ? "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}" : "$SLURM_JOB_ID";
    s << "# Slurm sends " << name << " ahead of the time limit (or a preemption): stop the screen, which keeps its\n"
         "# parts, and requeue this job, which continues with --resume.\n"
         "# SIGTERM through Slurm, to the screen's tasks: srun itself would end the step by force.\n"
         "requeue() {\n  scancel --signal=TERM \""
      << self << "\" || true\n  wait \"$child\" || true\n  echo \"molsieve: requeued on " << name
      << "\" >&2\n  scontrol requeue \"" << self << "\"\n  exit 0\n}\ntrap requeue " << name << "\n";
  }
  // Each task is an MPI rank with its own cores (srun does not inherit --cpus-per-task).
  s << "srun --cpus-per-task=" << r.cpus_per_task;
  if (!r.srun_mpi.empty()) s << " --mpi=" << shell_quote(r.srun_mpi);
  for (const std::string& word : r.command) s << " " << command_word(word);
  // In the background, so that the trap runs while the screen does.
  s << (trapped ? " &\nchild=$!\nwait \"$child\"\n" : "\n");
  return s.str();
}

std::string submit_batch_script(const std::string& script_path) {
  int status = 0;
  const std::string output = output_of("sbatch --parsable " + shell_quote(script_path) + " 2>&1", status);
  if (status == 127)
    throw Error("sbatch: not found (submit runs on a Slurm login node; --dry-run writes the script without it)");
  if (status != 0) throw Error("sbatch refused " + script_path + ": " + output);
  // --parsable prints "jobid" or "jobid;cluster", after any warnings.
  const std::string last = output.substr(output.rfind('\n') == std::string::npos ? 0 : output.rfind('\n') + 1);
  return last.substr(0, last.find(';'));
}

std::string slurm_job_state(const std::string& id) {
  static const std::regex id_format("[0-9]+(_[0-9]+)?");
  if (!std::regex_match(id, id_format)) return "";
  int status = 0;
  std::string state = output_of("squeue -h -j " + id + " -o %T 2>/dev/null", status);
  if (status == 0 && !state.empty()) return state.substr(0, state.find('\n'));
  state = output_of("sacct -n -X -P -j " + id + " -o State 2>/dev/null", status);
  if (status != 0) return "";
  state = state.substr(0, state.find('\n'));
  return state.substr(0, state.find(' '));  // "CANCELLED by 0"
}

bool slurm_job_queued(const std::string& state) {
  return state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED" || state == "REQUEUE_HOLD" ||
         state == "RESV_DEL_HOLD";
}

bool slurm_job_active(const std::string& state) {
  return slurm_job_queued(state) || state == "RUNNING" || state == "COMPLETING" || state == "STAGE_OUT" ||
         state == "SIGNALING" || state == "RESIZING" || state == "SUSPENDED";
}

std::string job_record_path(const std::string& output) { return output + ".slurm-job"; }

std::string recorded_job(const std::string& output) {
  std::ifstream in(job_record_path(output));
  std::string id;
  in >> id;
  return id;
}

}  // namespace molsieve::cluster
