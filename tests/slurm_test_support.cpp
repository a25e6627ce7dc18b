#include "slurm_test_support.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace molsieve::test {

std::string output_of(const std::string& command, int* status) {
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[512];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int s = pipe ? pclose(pipe) : -1;
  if (status) *status = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string start_local_slurm(const ScratchDir& dir, std::string& skip) {
  if (output_of("command -v slurmctld").empty()) {
    skip = "slurm-wlm is not installed (scripts/setup.sh installs slurm-wlm and munge)";
    return "";
  }
  int status = 0;
  const std::string started = output_of(
      "bash " + std::string(MOLSIEVE_SOURCE_DIR) + "/scripts/slurm-local.sh start " + dir.file("slurm") + " 2>&1", &status);
  if (status != 0) return "scripts/slurm-local.sh start failed: " + started;
  setenv("SLURM_CONF", dir.file("slurm/slurm.conf").c_str(), 1);
  return "";
}

void stop_local_slurm(const ScratchDir& dir) {
  if (std::filesystem::exists(dir.file("slurm")))
    std::system(("bash " + std::string(MOLSIEVE_SOURCE_DIR) + "/scripts/slurm-local.sh stop " + dir.file("slurm")).c_str());
}

std::string job_state(const std::string& id) {
  const std::string line = output_of("scontrol show job " + id + " -o 2>/dev/null");
  const auto at = line.find("JobState=");
  return at == std::string::npos ? "" : line.substr(at + 9, line.find(' ', at) - at - 9);
}

std::string wait_for(const std::string& id, int minutes) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(minutes);
  std::string state;
  while (std::chrono::steady_clock::now() < deadline) {
    state = job_state(id);
    // REQUEUED: between a requeue and the job's return to the queue.
    if (state != "PENDING" && state != "RUNNING" && state != "COMPLETING" && state != "CONFIGURING" &&
        state != "REQUEUED")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return state;
}

}  // namespace molsieve::test
