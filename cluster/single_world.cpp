// The world of a build without MPI: every job is one process, rank 0 of 1.
#include <cstdlib>

#include "cluster/cluster.h"

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
  Finished finished;
  Granted granted;
  std::uint64_t next = 0;
  std::optional<std::uint64_t> end;
  std::uint64_t handed_out = 0;
};

WorkQueue::WorkQueue(World&, Finished finished, std::optional<std::uint64_t> end, Granted granted)
    : state_(std::make_unique<State>(State{std::move(finished), std::move(granted), 0, end, 0})) {}
WorkQueue::~WorkQueue() = default;

std::optional<std::uint64_t> WorkQueue::next() {
  State& s = *state_;
  while (!s.end || s.next < *s.end) {
    const std::uint64_t index = s.next++;
    if (s.finished && s.finished(index)) continue;
    if (s.granted) s.granted(index, 0);
    ++s.handed_out;
    return index;
  }
  return std::nullopt;
}

std::uint64_t WorkQueue::handed_out() const { return state_->handed_out; }

void WorkQueue::set_end(std::uint64_t items) {
  if (!state_->end || items < *state_->end) state_->end = items;
}

std::optional<std::uint64_t> WorkQueue::finish() { return state_->end; }

}  // namespace molsieve::cluster
