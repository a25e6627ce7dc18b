#pragma once
// Diverse subsets of a library: MaxMin picking and Butina clustering, with distance
// 1 - similarity. Both run their comparisons through the similarity operations, so they
// work on every backend and give the same answer on each.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/backend.h"
#include "kernels/similarity_search.h"

namespace molsieve::kernels {

struct MaxMinOptions {
  Metric metric;
  std::size_t picks = 0;
  std::uint64_t seed = 42;                // chooses the first pick when `initial` is empty
  std::vector<std::uint32_t> initial;     // library rows picked first, in this order
  double stop_distance = 0.0;             // stop when no molecule is this far from the picks
};

struct Pick {
  std::uint32_t index = 0;  // library row
  double distance = 0.0;    // to the nearest earlier pick when picked (NaN for the first)
};

// Each pick is the molecule farthest from all earlier picks (the largest minimum distance;
// ties: the lowest row), as RDKit's MaxMinPicker. Initial rows come first, in order.
// Throws molsieve::Error for an initial row that is not in the library.
std::vector<Pick> maxmin_pick(Backend backend, const SearchLibrary& library,
                              const MaxMinOptions& options);

struct ButinaOptions {
  Metric metric;
  double distance = 0.4;  // molecules within this distance are neighbours
};

// Clusters in order: cluster c holds members[offsets[c] .. offsets[c + 1]), its centroid
// first, then the other members by ascending row.
struct Clustering {
  std::vector<std::size_t> offsets{0};
  std::vector<std::uint32_t> members;
  std::size_t clusters() const { return offsets.size() - 1; }
  std::uint32_t centroid(std::size_t c) const { return members[offsets[c]]; }
  std::size_t size(std::size_t c) const { return offsets[c + 1] - offsets[c]; }
};

// Butina (1999) sphere exclusion, as RDKit's Butina.ClusterData: neighbours are pairs at
// distance <= `distance`; molecules in order of neighbour count (descending, ties: the
// higher row first) found a cluster of themselves and their neighbours not yet clustered.
// Neighbour lists come from a threshold search and are stored sparse (4 bytes per pair):
// memory grows with the number of neighbour pairs, never with the square of the library.
// Needs a symmetric metric.
Clustering butina_cluster(Backend backend, const SearchLibrary& library,
                          const ButinaOptions& options);

}  // namespace molsieve::kernels
