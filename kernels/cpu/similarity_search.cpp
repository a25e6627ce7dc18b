// CPU backend: queries sorted by popcount and taken in blocks; the popcount-sorted library
// cut into tiles that stay in cache while a block of queries runs over them. For each
// (query, tile) the Swamidass-Baldi bound of the tile's popcount range is checked against
// the query's current cut-off (its threshold, or its k-th best score once it has k hits),
// and within a tile an integer test (c >= the least c that can reach the cut-off) sends
// only possible hits to the exact score. Tiles nearest the query's popcount go first, so
// the k-th best score rises early and the bound prunes the rest. Blocks (and, for few
// queries, library segments) run in parallel on oneTBB; segment results are merged.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <numeric>

#include "kernels/cpu/common_bits.h"
#include "kernels/popcount.h"
#include "kernels/similarity_search.h"

namespace molsieve::kernels {
namespace {

constexpr std::size_t kTileRows = 128;  // 32 KiB of 2048-bit fingerprints: stays in L1/L2
constexpr std::size_t kQueryBlock = 16;

// The hits of one query within one task: a bounded heap (worst hit in front) for top-k,
// a plain list for threshold search.
class Collector {
 public:
  Collector(const SearchOptions& options) : k_(options.top_k), threshold_(options.threshold) {
    if (k_ > 0) hits_.reserve(std::min<std::size_t>(k_, 1024));
  }
  double cutoff() const { return full() ? std::max(threshold_, hits_.front().score) : threshold_; }
  void offer(const Hit& hit) {
    if (hit.score < threshold_) return;
    if (k_ == 0) {
      hits_.push_back(hit);
    } else if (hits_.size() < k_) {
      hits_.push_back(hit);
      std::push_heap(hits_.begin(), hits_.end(), ranks_before);
    } else if (ranks_before(hit, hits_.front())) {
      std::pop_heap(hits_.begin(), hits_.end(), ranks_before);
      hits_.back() = hit;
      std::push_heap(hits_.begin(), hits_.end(), ranks_before);
    }
  }
  std::vector<Hit> take() { return std::move(hits_); }

 private:
  bool full() const { return k_ > 0 && hits_.size() == k_; }
  std::size_t k_;
  double threshold_;
  std::vector<Hit> hits_;
};

struct Tile {
  std::size_t begin, end;
  std::uint32_t min_popcount, max_popcount;
};

std::vector<Tile> make_tiles(const SearchLibrary& library) {
  std::vector<Tile> tiles;
  const auto& counts = library.popcounts();
  for (std::size_t begin = 0; begin < library.size(); begin += kTileRows) {
    const std::size_t end = std::min(begin + kTileRows, library.size());
    tiles.push_back({begin, end, counts[begin], counts[end - 1]});
  }
  return tiles;
}

std::uint32_t clamp_popcount(std::uint32_t a, const Tile& tile) {
  return std::min(std::max(a, tile.min_popcount), tile.max_popcount);
}

// Least c with similarity(a, b, c) >= cutoff - slack (min(a, b) + 1 when none): scores
// grow with c, so rows below it cannot qualify.
std::uint32_t least_common_bits(const Metric& metric, std::uint32_t a, std::uint32_t b,
                                double cutoff) {
  std::uint32_t low = 0, high = std::min(a, b) + 1;
  while (low < high) {
    const std::uint32_t mid = low + (high - low) / 2;
    if (similarity(metric, a, b, mid) >= cutoff - kBoundSlack)
      high = mid;
    else
      low = mid + 1;
  }
  return low;
}

struct Task {
  std::size_t first_query, last_query;  // positions in popcount-sorted query order
  std::size_t first_tile, last_tile;
  std::size_t segment;
};

}  // namespace

SearchResults search_cpu(const SearchLibrary& library, FingerprintMatrix queries,
                         const SearchOptions& options) {
  const std::size_t nq = queries.rows;
  SearchResults results;
  if (nq == 0) return results;
  const std::size_t words = library.words();
  const Metric metric = options.metric;
  const cpu::CommonBitsFunction common_bits = cpu::common_bits_function(words);

  std::vector<std::uint32_t> query_counts(nq);
  popcount_rows_cpu(queries.data, nq, words, query_counts.data());
  std::vector<std::size_t> order(nq);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return query_counts[x] < query_counts[y]; });

  const std::vector<Tile> tiles = make_tiles(library);
  const std::size_t blocks = (nq + kQueryBlock - 1) / kQueryBlock;
  // Few query blocks: split the library too, so every thread has work.
  const std::size_t wanted = 4 * static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
  const std::size_t segments =
      std::max<std::size_t>(1, std::min(tiles.size(), (wanted + blocks - 1) / blocks));
  std::vector<Task> tasks;
  for (std::size_t block = 0; block < blocks; ++block)
    for (std::size_t s = 0; s < segments; ++s)
      tasks.push_back({block * kQueryBlock, std::min(nq, (block + 1) * kQueryBlock),
                       tiles.size() * s / segments, tiles.size() * (s + 1) / segments, s});

  // partial[segment * nq + query]: that segment's hits for the query.
  std::vector<std::vector<Hit>> partial(segments * nq);
  tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t t) {
    const Task& task = tasks[t];
    std::vector<Collector> collectors;
    for (std::size_t i = task.first_query; i < task.last_query; ++i) collectors.emplace_back(options);
    const std::uint32_t median =
        query_counts[order[(task.first_query + task.last_query) / 2]];
    std::vector<std::size_t> tile_order(task.last_tile - task.first_tile);
    std::iota(tile_order.begin(), tile_order.end(), task.first_tile);
    auto distance = [&](std::size_t i) {
      const std::uint32_t nearest = clamp_popcount(median, tiles[i]);
      return nearest > median ? nearest - median : median - nearest;
    };
    std::stable_sort(tile_order.begin(), tile_order.end(),
                     [&](std::size_t x, std::size_t y) { return distance(x) < distance(y); });

    std::vector<std::uint32_t> common(kTileRows);
    std::vector<std::uint32_t> least(library.bits() + 2);
    for (std::size_t tile_index : tile_order) {
      const Tile& tile = tiles[tile_index];
      for (std::size_t i = task.first_query; i < task.last_query; ++i) {
        const std::size_t q = order[i];
        const std::uint32_t a = query_counts[q];
        Collector& collector = collectors[i - task.first_query];
        const double cutoff = collector.cutoff();
        if (similarity_bound(metric, a, clamp_popcount(a, tile)) < cutoff - kBoundSlack) continue;
        for (std::uint32_t b = tile.min_popcount; b <= tile.max_popcount; ++b)
          least[b - tile.min_popcount] = least_common_bits(metric, a, b, cutoff);
        common_bits(queries.row(q), library.fingerprint(tile.begin), tile.end - tile.begin, words,
                    common.data());
        for (std::size_t r = tile.begin; r < tile.end; ++r) {
          const std::uint32_t b = library.popcounts()[r];
          const std::uint32_t c = common[r - tile.begin];
          if (c < least[b - tile.min_popcount]) continue;
          collector.offer({library.indices()[r], similarity(metric, a, b, c)});
        }
      }
    }
    for (std::size_t i = task.first_query; i < task.last_query; ++i)
      partial[task.segment * nq + order[i]] = collectors[i - task.first_query].take();
  });

  // Merge the segments of each query and put its hits in rank order.
  tbb::parallel_for(std::size_t{0}, nq, [&](std::size_t q) {
    std::vector<Hit>& merged = partial[q];
    for (std::size_t s = 1; s < segments; ++s) {
      std::vector<Hit>& more = partial[s * nq + q];
      merged.insert(merged.end(), more.begin(), more.end());
      std::vector<Hit>().swap(more);
    }
    if (options.top_k > 0 && merged.size() > options.top_k) {
      std::partial_sort(merged.begin(), merged.begin() + options.top_k, merged.end(), ranks_before);
      merged.resize(options.top_k);
    } else {
      std::sort(merged.begin(), merged.end(), ranks_before);
    }
  });
  std::size_t total = 0;
  for (std::size_t q = 0; q < nq; ++q) total += partial[q].size();
  results.hits.reserve(total);
  for (std::size_t q = 0; q < nq; ++q) {
    results.hits.insert(results.hits.end(), partial[q].begin(), partial[q].end());
    results.offsets.push_back(results.hits.size());
  }
  return results;
}

}  // namespace molsieve::kernels
