#pragma once
// Helpers of the tests against a real Slurm: a one-node cluster started by
// scripts/slurm-local.sh in a scratch folder, and the state of its jobs.
#include <string>

#include "test_support.h"

namespace molsieve::test {

// Standard output of a shell command, trailing newlines removed (and its exit status).
std::string output_of(const std::string& command, int* status = nullptr);

// Starts a one-node Slurm in dir.file("slurm") and points SLURM_CONF at it. Returns why the
// tests are to be skipped (Slurm not installed) in `skip`, or why they fail ("" when started).
std::string start_local_slurm(const ScratchDir& dir, std::string& skip);
// Stops the cluster start_local_slurm started in `dir`, if any.
void stop_local_slurm(const ScratchDir& dir);

// The job's state as scontrol shows it ("" once Slurm forgot it).
std::string job_state(const std::string& id);
// The state a job ends in, or the last one seen after `minutes`.
std::string wait_for(const std::string& id, int minutes = 4);

}  // namespace molsieve::test
