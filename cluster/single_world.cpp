// The world of a build without MPI: every job is one process, rank 0 of 1.
#include <cstdlib>

#include "cluster/cluster.h"
#include "cluster/work_counter.h"

namespace molsieve::cluster {
namespace {

World* current = nullptr;

}  // namespace

World& world() { return *current; }

World& World::solo() {
  static World alone("one process (built without MPI)");
  return alone;
}
void set_world(World* world) { current = world; }

World::World(int&, char**&) : description_("one process (built without MPI)") {}
World::~World() = default;
void World::barrier() {}
std::optional<int> World::first_failure(bool failed) { return failed ? std::optional<int>(0) : std::nullopt; }
std::string World::broadcast(const std::string& text, int) { return text; }
std::vector<std::string> World::gather(const std::string& text) { return {text}; }
std::vector<double> World::sum(const std::vector<double>& values) { return values; }
bool World::any(bool flag) { return flag; }
void World::abort(int status) { std::exit(status); }

struct WorkQueue::State {
  State(Finished f, std::optional<std::uint64_t> e, Granted g) : counter(std::move(f), e, std::move(g)) {}
  WorkCounter counter;
};

WorkQueue::WorkQueue(World&, Finished finished, std::optional<std::uint64_t> end, Granted granted)
    : state_(std::make_unique<State>(std::move(finished), end, std::move(granted))) {}
WorkQueue::~WorkQueue() = default;
std::optional<std::uint64_t> WorkQueue::next() { return state_->counter.take(0); }
std::uint64_t WorkQueue::handed_out() const { return state_->counter.handed_out(); }
void WorkQueue::set_end(std::uint64_t items) { state_->counter.set_end(items); }
std::optional<std::uint64_t> WorkQueue::finish() { return state_->counter.end(); }

}  // namespace molsieve::cluster
