#pragma once
// The processes of one job. Under an MPI launcher (mpirun, or srun with PMI/PMIx) they are
// MPI ranks; otherwise the job is this one process. MPI is used nowhere but behind this
// header: cluster/mpi_world.cpp when the build found MPI, cluster/single_world.cpp when it
// did not, so a build without MPI compiles the same callers and runs every job as rank 0 of 1.
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace molsieve::cluster {

// An error on one rank that the others cannot know of: the whole job must end.
class RankFailure : public Error {
 public:
  using Error::Error;
};

class World {
 public:
  // Joins the job (MPI_Init when an MPI launcher started this process); one per process.
  World(int& argc, char**& argv);
  ~World();  // MPI_Finalize
  // A world of this process alone, whatever launched it: for jobs run without the command line.
  static World& solo();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // among the ranks of this node
  bool parallel() const { return size_ > 1; }
  // What this build and launch are: "MPI (Open MPI v4.1.4), 3 ranks" or why not MPI.
  const std::string& description() const { return description_; }

  // Collectives: every rank calls them, in the same order.
  void barrier();
  // The lowest rank whose `failed` is true, or none.
  std::optional<int> first_failure(bool failed);
  std::string broadcast(const std::string& text, int root = 0);
  // Every rank's text, by rank, on rank 0 (empty on the others).
  std::vector<std::string> gather(const std::string& text);
  std::vector<double> sum(const std::vector<double>& values);
  bool any(bool flag);

  // Ends every rank of the job with `status` (MPI_Abort); never returns.
  [[noreturn]] void abort(int status);

 private:
  explicit World(std::string description) : description_(std::move(description)) {}
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  bool initialized_ = false;
  std::string description_;
};

// Runs `step` on this rank. Under MPI every rank then learns whether any failed, and all
// throw the first failing rank's message (molsieve::Error), so the job ends everywhere with
// one error. Alone, `step`'s exceptions pass through unchanged.
template <typename Step>
void agree(World& world, Step&& step) {
  if (!world.parallel()) {
    step();
    return;
  }
  std::string error;
  try {
    step();
  } catch (const std::exception& e) {
    error = e.what();
  }
  const std::optional<int> failed = world.first_failure(!error.empty());
  if (failed) throw Error(world.broadcast(error, *failed));
}

// The process's World, made in main() before any command runs.
World& world();
void set_world(World* world);

// Hands out the indices 0, 1, 2, ... across every rank, each once, skipping the ones
// `finished` says are done, up to the end once some rank has found it. Rank 0 answers the
// other ranks' requests on a thread of its own, so work goes to whichever rank asks first:
// items that differ in cost leave no rank idle while another has a backlog.
class WorkQueue {
 public:
  using Finished = std::function<bool(std::uint64_t)>;
  // `granted(index, rank)` is told of every index handed out (rank 0 only).
  using Granted = std::function<void(std::uint64_t, int)>;
  // Collective. `end`: the number of items when known up front.
  WorkQueue(World& world, Finished finished, std::optional<std::uint64_t> end, Granted granted = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // The next index for this rank, or none when the work is all handed out. Called from one
  // thread at a time (any thread).
  std::optional<std::uint64_t> next();
  // Rank 0: how many indices have been handed out so far, to every rank.
  std::uint64_t handed_out() const;
  // This rank found the end: there are exactly `items` items.
  void set_end(std::uint64_t items);
  // Collective: this rank asks for no more. Returns once every rank has, with the number of
  // items when some rank found the end.
  std::optional<std::uint64_t> finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace molsieve::cluster
