#pragma once
// Slurm batch jobs: the sbatch script that runs a molsieve command on every task with srun
// (each task an MPI rank), its submission, and what Slurm says of a submitted job.
#include <cstdint>
#include <string>
#include <vector>

namespace molsieve::cluster {

struct BatchRequest {
  std::string job_name;
  unsigned nodes = 1;
  unsigned tasks_per_node = 1;
  unsigned cpus_per_task = 1;
  unsigned gpus_per_node = 0;
  std::string time;       // HH:MM:SS, MM:SS or D-HH:MM:SS; empty: the partition's default
  std::string partition;  // empty: the cluster's default
  std::string account;
  std::string log;        // Slurm's output file (%j: the job id)
  std::string srun_mpi = "pmix";  // srun --mpi; empty: the site's MpiDefault
  std::vector<std::string> command;  // what every task runs, arguments one by one
  std::string comment;    // a line saying who wrote the script
  // A job array of this many tasks (0: one job); in `command`, kArrayTask stands for the
  // task's number, written with 4 digits (0000, 0001...).
  unsigned array_tasks = 0;
  bool requeue = false;   // Slurm may requeue the job (preemption, node failure)
  // sbatch --signal, e.g. B:USR1@120: with B:, the script stops the screen on that signal
  // (SIGTERM: it keeps its parts) and requeues itself, so the job continues before its time ends.
  std::string signal;
  // What real sites ask for besides the shape of the job.
  std::string mem;         // --mem per node (16G, 4000M); empty: the partition's default
  std::string qos;         // --qos
  std::string dependency;  // --dependency (afterany:123, afterok:4:5)
  std::vector<std::string> sbatch_options;  // more #SBATCH lines, each "--key=value" or "--flag"
  std::string preamble;    // site lines (module loads, exports) run before srun, as given
};

extern const char* const kArrayTask;

// Throws molsieve::Error naming the option at fault (a zero count, a malformed time).
std::string sbatch_script(const BatchRequest& request);

// Submits the script with `sbatch --parsable`; returns the job id. Throws molsieve::Error with
// sbatch's own message when it refuses.
std::string submit_batch_script(const std::string& script_path);

// What Slurm says of job `id`: squeue's state while it is queued or running (PENDING, RUNNING,
// ...), else sacct's (COMPLETED, FAILED, CANCELLED, ...) where accounting is kept; "" when
// neither knows it (or Slurm's commands are missing).
std::string slurm_job_state(const std::string& id);

// A job Slurm still has: queued (PENDING, and the states before it runs) or running.
bool slurm_job_active(const std::string& state);
bool slurm_job_queued(const std::string& state);

// Where molsieve submit records the id of the job that writes `output` (<output>.slurm-job),
// and the id recorded there ("" when none).
std::string job_record_path(const std::string& output);
std::string recorded_job(const std::string& output);

// A word as the shell reads it: quoted when it holds anything but safe characters.
std::string shell_quote(const std::string& word);

}  // namespace molsieve::cluster
