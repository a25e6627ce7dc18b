#pragma once
// Slurm batch jobs: the sbatch script that runs a molsieve command on every task with srun
// (each task an MPI rank), and its submission.
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
};

// Throws molsieve::Error naming the option at fault (a zero count, a malformed time).
std::string sbatch_script(const BatchRequest& request);

// Submits the script with `sbatch --parsable`; returns the job id. Throws molsieve::Error with
// sbatch's own message when it refuses.
std::string submit_batch_script(const std::string& script_path);

// A word as the shell reads it: quoted when it holds anything but safe characters.
std::string shell_quote(const std::string& word);

}  // namespace molsieve::cluster
