#include "kernels/diversity.h"

#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/blocked_range.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.h"
#include "kernels/similarity_scores.h"

namespace molsieve::kernels {
namespace {

// splitmix64: a fixed, portable mapping from the seed to the first pick.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::size_t kNotInLibrary = std::numeric_limits<std::size_t>::max();

// Library row -> sorted position (kNotInLibrary for rows the library leaves out).
std::vector<std::size_t> positions_by_row(const SearchLibrary& library) {
  std::uint32_t max_row = 0;
  for (std::uint32_t row : library.indices()) max_row = std::max(max_row, row);
  std::vector<std::size_t> position_of_row(library.size() ? max_row + 1 : 0, kNotInLibrary);
  for (std::size_t i = 0; i < library.size(); ++i) position_of_row[library.indices()[i]] = i;
  return position_of_row;
}

struct Farthest {
  double distance = -1.0;
  std::uint32_t index = std::numeric_limits<std::uint32_t>::max();
  std::size_t position = 0;
  bool beats(const Farthest& other) const {
    return distance > other.distance || (distance == other.distance && index < other.index);
  }
};

}  // namespace

std::vector<Pick> maxmin_pick(Backend backend, const SearchLibrary& library,
                              const MaxMinOptions& options) {
  const std::size_t n = library.size();
  const std::vector<std::size_t> position_of_row = positions_by_row(library);

  std::vector<std::size_t> start;
  for (std::uint32_t row : options.initial) {
    if (row >= position_of_row.size() || position_of_row[row] == kNotInLibrary)
      throw Error("initial pick: row " + std::to_string(row) + " is not a molecule of the library");
    start.push_back(position_of_row[row]);
  }
  if (start.empty() && n > 0) {
    // The seed picks the r-th library row, counted in row order (not popcount order).
    std::vector<std::uint32_t> rows = library.indices();
    std::sort(rows.begin(), rows.end());
    start.push_back(position_of_row[rows[mix(options.seed) % n]]);
  }

  std::vector<Pick> picks;
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
  std::vector<char> picked(n, 0);
  std::vector<double> scores(n);
  const std::size_t wanted = std::min(options.picks, n);
  auto take = [&](std::size_t position, double distance) {
    picks.push_back({library.indices()[position], distance});
    picked[position] = 1;
    if (picks.size() >= wanted) return;  // the last pick needs no distances
    similarity_scores(backend, library, library.fingerprint(position), options.metric, scores.data());
    for (std::size_t i = 0; i < n; ++i) nearest[i] = std::min(nearest[i], 1.0 - scores[i]);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t position : start) {
    if (picks.size() >= wanted) return picks;
    if (!picked[position]) take(position, picks.empty() ? nan : nearest[position]);
  }
  while (picks.size() < wanted) {
    const Farthest best = tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n, 8192), Farthest{},
        [&](const tbb::blocked_range<std::size_t>& range, Farthest best) {
          for (std::size_t i = range.begin(); i < range.end(); ++i) {
            const Farthest candidate{nearest[i], library.indices()[i], i};
            if (!picked[i] && candidate.beats(best)) best = candidate;
          }
          return best;
        },
        [](const Farthest& x, const Farthest& y) { return x.beats(y) ? x : y; });
    if (best.distance < options.stop_distance) break;
    take(best.position, best.distance);
  }
  return picks;
}

Clustering butina_cluster(Backend backend, const SearchLibrary& library,
                          const ButinaOptions& options) {
  if (!options.metric.symmetric())
    throw Error("Butina clustering needs a symmetric metric; " + metric_name(options.metric) +
                " is not");
  if (!(options.distance >= 0.0 && options.distance <= 1.0))
    throw Error("Butina clustering: distance threshold " + std::to_string(options.distance) +
                " is outside [0, 1]");
  const std::size_t n = library.size();
  // Neighbour lists, per sorted position, of library rows. The search threshold sits a
  // hair below 1 - distance so that rounding cannot lose a pair; the exact test is
  // RDKit's, 1 - similarity <= distance.
  SearchOptions search_options;
  search_options.metric = options.metric;
  search_options.threshold = std::max(0.0, 1.0 - options.distance - 1e-9);
  std::vector<std::size_t> offsets{0};
  std::vector<std::uint32_t> neighbours;
  constexpr std::size_t kBatch = 4096;
  for (std::size_t first = 0; first < n; first += kBatch) {
    const std::size_t count = std::min(kBatch, n - first);
    const SearchResults results = search(
        backend, library, {library.fingerprint(first), count, library.words()}, search_options);
    for (std::size_t q = 0; q < count; ++q) {
      const std::uint32_t self = library.indices()[first + q];
      const std::size_t begin = neighbours.size();
      for (std::size_t h = results.offsets[q]; h < results.offsets[q + 1]; ++h) {
        const Hit& hit = results.hits[h];
        if (hit.index != self && 1.0 - hit.score <= options.distance) neighbours.push_back(hit.index);
      }
      std::sort(neighbours.begin() + begin, neighbours.end());
      offsets.push_back(neighbours.size());
    }
  }
  const std::vector<std::size_t> position_of_row = positions_by_row(library);

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const std::size_t nx = offsets[x + 1] - offsets[x], ny = offsets[y + 1] - offsets[y];
    return nx != ny ? nx > ny : library.indices()[x] > library.indices()[y];
  });
  Clustering clustering;
  std::vector<char> clustered(n, 0);
  for (std::size_t position : order) {
    if (clustered[position]) continue;
    clustered[position] = 1;
    clustering.members.push_back(library.indices()[position]);
    for (std::size_t k = offsets[position]; k < offsets[position + 1]; ++k) {
      const std::size_t other = position_of_row[neighbours[k]];
      if (clustered[other]) continue;
      clustered[other] = 1;
      clustering.members.push_back(neighbours[k]);
    }
    clustering.offsets.push_back(clustering.members.size());
  }
  return clustering;
}

}  // namespace molsieve::kernels
