#pragma once
// Exit statuses that are answers, not errors: molsieve status tells a script or scheduler the
// state of a screen by its exit status (docs: README, "Exit status"). 1, 2, 3 and 75 stay the
// statuses of errors, usage errors, internal errors and interrupted runs (usage.h).
namespace molsieve::workflows {

constexpr int kStatusFinished = 0;
constexpr int kStatusRunning = 10;
constexpr int kStatusStopped = 11;  // resumable: screen --resume continues
constexpr int kStatusNotStarted = 12;
constexpr int kStatusQueued = 13;  // submitted: its Slurm job waits in the queue

// Thrown by a subcommand's callback, once its output is written, for main to return as the
// exit status. CLI11 callbacks return nothing, and a shared variable would have to pass
// through every add_*_command for the one command that answers with its status; not derived
// from std::exception, so no handler of errors can take it for one.
struct ExitWithStatus {
  int status;
};

}  // namespace molsieve::workflows
