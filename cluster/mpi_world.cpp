// The MPI world: ranks of one job started by mpirun or srun.
// The C API only: the C++ bindings are deprecated and need a library of their own.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "cluster/cluster.h"
#include "cluster/work_counter.h"

namespace molsieve::cluster {
namespace {

World* current = nullptr;

// Message tags of the work queue's protocol (on a communicator of its own).
enum Tag : int { kAsk = 1, kGrant = 2, kEnd = 3, kDone = 4 };
constexpr std::int64_t kNoMore = -1;

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

void check(int status, const char* call) {
  if (status != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw RankFailure(std::string("MPI: ") + call + " failed: " + std::string(text, length));
  }
}

}  // namespace

World& world() { return *current; }

World& World::solo() {
  static World alone("one process");
  return alone;
}
void set_world(World* world) { current = world; }

World::World(int& argc, char**& argv) {
  if (!launched_by_mpi()) {
    description_ = "one process (not started by mpirun or srun)";
    return;
  }
  // SERIALIZED: rank 0's work-queue thread and the pipeline's threads call MPI, never at once.
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  initialized_ = true;
  if (provided < MPI_THREAD_SERIALIZED) throw Error("this MPI library cannot be called from more than one thread");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  MPI_Comm_free(&node);
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string library(version, length);
  library = library.substr(0, library.find(','));
  description_ = "MPI (" + library + "), " + std::to_string(size_) + " rank(s)";
}

World::~World() {
  if (initialized_) MPI_Finalize();
}

void World::barrier() {
  if (initialized_) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

std::optional<int> World::first_failure(bool failed) {
  int mine = failed ? rank_ : size_, lowest = mine;
  if (initialized_) check(MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  if (lowest == size_) return std::nullopt;
  return lowest;
}

std::string World::broadcast(const std::string& text, int root) {
  if (!initialized_) return text;
  std::uint64_t length = text.size();
  check(MPI_Bcast(&length, 1, MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
  std::string out = rank_ == root ? text : std::string(length, '\0');
  check(MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
  return out;
}

std::vector<std::string> World::gather(const std::string& text) {
  if (!initialized_) return {text};
  const int length = static_cast<int>(text.size());
  std::vector<int> lengths(rank_ == 0 ? size_ : 0), offsets(rank_ == 0 ? size_ : 0);
  check(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::string all;
  if (rank_ == 0) {
    for (int r = 1; r < size_; ++r) offsets[r] = offsets[r - 1] + lengths[r - 1];
    all.resize(static_cast<std::size_t>(offsets.back()) + lengths.back());
  }
  check(MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
                    MPI_COMM_WORLD),
        "MPI_Gatherv");
  std::vector<std::string> out;
  for (int r = 0; r < static_cast<int>(lengths.size()); ++r) out.push_back(all.substr(offsets[r], lengths[r]));
  return out;
}

std::vector<double> World::sum(const std::vector<double>& values) {
  std::vector<double> out = values;
  if (initialized_)
    check(MPI_Allreduce(values.data(), out.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
  return out;
}

bool World::any(bool flag) {
  int mine = flag ? 1 : 0, result = mine;
  if (initialized_) check(MPI_Allreduce(&mine, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  return result != 0;
}

void World::abort(int status) {
  if (initialized_) MPI_Abort(MPI_COMM_WORLD, status);
  std::exit(status);
}

struct WorkQueue::State {
  World& world;
  WorkCounter counter;
  MPI_Comm comm = MPI_COMM_NULL;
  std::thread server;
  std::atomic<bool> stop{false};

  State(World& w, Finished f, std::optional<std::uint64_t> e, Granted g)
      : world(w), counter(std::move(f), e, std::move(g)) {}

  // Rank 0: answers the other ranks until each has said it is done. Polls rather than blocks,
  // so it costs no core while the pipeline computes.
  void serve() {
    int done = 0;
    while (done < world.size() - 1 && !stop) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &status);
      if (!flag) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      std::int64_t value = 0;
      MPI_Recv(&value, 1, MPI_INT64_T, status.MPI_SOURCE, status.MPI_TAG, comm, MPI_STATUS_IGNORE);
      if (status.MPI_TAG == kAsk) {
        const auto index = counter.take(status.MPI_SOURCE);
        const std::int64_t reply = index ? static_cast<std::int64_t>(*index) : kNoMore;
        MPI_Send(&reply, 1, MPI_INT64_T, status.MPI_SOURCE, kGrant, comm);
      } else if (status.MPI_TAG == kEnd) {
        counter.set_end(static_cast<std::uint64_t>(value));
      } else if (status.MPI_TAG == kDone) {
        ++done;
      }
    }
  }
};

WorkQueue::WorkQueue(World& world, Finished finished, std::optional<std::uint64_t> end, Granted granted)
    : state_(std::make_unique<State>(world, std::move(finished), end, std::move(granted))) {
  if (!world.parallel()) return;
  check(MPI_Comm_dup(MPI_COMM_WORLD, &state_->comm), "MPI_Comm_dup");
  if (world.rank() == 0) state_->server = std::thread([s = state_.get()] { s->serve(); });
}

WorkQueue::~WorkQueue() {
  // Only an error leaves the server running; the job is ending, so do not wait for the others.
  if (state_->server.joinable()) {
    state_->stop = true;
    state_->server.join();
  }
}

std::optional<std::uint64_t> WorkQueue::next() {
  State& s = *state_;
  if (!s.world.parallel() || s.world.rank() == 0) return s.counter.take(s.world.rank());
  const std::int64_t ask = 0;
  std::int64_t reply = kNoMore;
  check(MPI_Send(&ask, 1, MPI_INT64_T, 0, kAsk, s.comm), "MPI_Send");
  check(MPI_Recv(&reply, 1, MPI_INT64_T, 0, kGrant, s.comm, MPI_STATUS_IGNORE), "MPI_Recv");
  if (reply == kNoMore) return std::nullopt;
  return static_cast<std::uint64_t>(reply);
}

std::uint64_t WorkQueue::handed_out() const { return state_->counter.handed_out(); }

void WorkQueue::set_end(std::uint64_t items) {
  State& s = *state_;
  if (!s.world.parallel() || s.world.rank() == 0) return s.counter.set_end(items);
  const std::int64_t value = static_cast<std::int64_t>(items);
  check(MPI_Send(&value, 1, MPI_INT64_T, 0, kEnd, s.comm), "MPI_Send");
}

std::optional<std::uint64_t> WorkQueue::finish() {
  State& s = *state_;
  if (!s.world.parallel()) return s.counter.end();
  if (s.world.rank() == 0) {
    s.server.join();
  } else {
    const std::int64_t done = 0;
    check(MPI_Send(&done, 1, MPI_INT64_T, 0, kDone, s.comm), "MPI_Send");
  }
  const std::optional<std::uint64_t> found = s.counter.end();
  std::int64_t end = found ? static_cast<std::int64_t>(*found) : kNoMore;
  check(MPI_Bcast(&end, 1, MPI_INT64_T, 0, s.comm), "MPI_Bcast");
  MPI_Comm_free(&s.comm);
  if (end == kNoMore) return std::nullopt;
  return static_cast<std::uint64_t>(end);
}

}  // namespace molsieve::cluster
