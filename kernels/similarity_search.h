#pragma once
// Similarity search: for each query fingerprint, the library molecules with the highest
// similarity (top-k) and/or every molecule at or above a threshold. Hits are ordered by
// score, descending, ties broken by library row, ascending, so every backend returns the
// same list. The library is held as a popcount-sorted view, which lets the CPU and CUDA
// backends skip molecules whose Swamidass-Baldi bound cannot reach the cut-off.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/backend.h"
#include "kernels/fingerprint_matrix.h"
#include "kernels/similarity_metric.h"

namespace molsieve::kernels {

struct Hit {
  std::uint32_t index = 0;  // library row (or reference row)
  double score = 0.0;
  bool operator==(const Hit& other) const {
    return index == other.index && score == other.score;
  }
};

// Hit a ranks before hit b.
inline bool ranks_before(const Hit& a, const Hit& b) {
  return a.score > b.score || (a.score == b.score && a.index < b.index);
}

struct SearchOptions {
  Metric metric;
  std::size_t top_k = 0;    // 0: no limit (threshold search)
  double threshold = 0.0;   // hits have score >= threshold
};

// Hits of query q are hits[offsets[q] .. offsets[q + 1]), best first.
struct SearchResults {
  std::vector<std::size_t> offsets{0};
  std::vector<Hit> hits;
  std::size_t queries() const { return offsets.size() - 1; }
  std::vector<Hit> of(std::size_t query) const {
    return {hits.begin() + offsets[query], hits.begin() + offsets[query + 1]};
  }
};

struct DeviceLibrary;  // a backend's resident copy (CUDA: GPU memory), made on first use

// The library, sorted by popcount (ascending; ties keep row order), with the start of each
// popcount value's run. Only the rows given are searchable (invalid molecules are left out).
class SearchLibrary {
 public:
  // All rows of `fingerprints`.
  explicit SearchLibrary(FingerprintMatrix fingerprints);
  // Only `rows` of `fingerprints` (each < fingerprints.rows); hits name the original row.
  SearchLibrary(FingerprintMatrix fingerprints, const std::vector<std::uint32_t>& rows);
  ~SearchLibrary();
  SearchLibrary(const SearchLibrary&) = delete;
  SearchLibrary& operator=(const SearchLibrary&) = delete;

  std::size_t size() const { return indices_.size(); }
  std::size_t words() const { return words_; }
  std::size_t bits() const { return words_ * 64; }
  // Sorted position i: fingerprint, popcount and original row.
  const std::uint64_t* fingerprint(std::size_t i) const { return fingerprints_.data() + i * words_; }
  FingerprintMatrix sorted() const { return {fingerprints_.data(), size(), words_}; }
  const std::vector<std::uint32_t>& popcounts() const { return popcounts_; }
  const std::vector<std::uint32_t>& indices() const { return indices_; }
  // Sorted positions holding popcount p: [popcount_begin(p), popcount_begin(p + 1)).
  std::size_t popcount_begin(std::size_t p) const { return bins_[p < bins_.size() ? p : bins_.size() - 1]; }

  std::shared_ptr<DeviceLibrary>& device_copy() const { return device_; }

 private:
  void build(FingerprintMatrix fingerprints, const std::vector<std::uint32_t>* rows);
  std::size_t words_ = 0;
  std::vector<std::uint64_t> fingerprints_;
  std::vector<std::uint32_t> popcounts_;
  std::vector<std::uint32_t> indices_;
  std::vector<std::size_t> bins_;  // bits + 2 entries
  mutable std::shared_ptr<DeviceLibrary> device_;
};

// Checks the options (k, threshold, metric weights) and the fingerprint widths; throws
// molsieve::Error with the offending value.
void validate_search(const SearchLibrary& library, FingerprintMatrix queries,
                     const SearchOptions& options);

SearchResults search(Backend backend, const SearchLibrary& library, FingerprintMatrix queries,
                     const SearchOptions& options);

// The backends, for tests that compare them. The reference backend scores every pair with
// plain loops and sorts; the others prune with the popcount bounds.
SearchResults search_reference(const SearchLibrary& library, FingerprintMatrix queries,
                               const SearchOptions& options);
SearchResults search_cpu(const SearchLibrary& library, FingerprintMatrix queries,
                         const SearchOptions& options);
SearchResults search_cuda(const SearchLibrary& library, FingerprintMatrix queries,
                          const SearchOptions& options);

// For each row of `molecules`, the most similar reference (ties: the lowest reference
// row) and its score: the nearest-reference annotation of a screen. Rows with no
// references give index 0 and score NaN.
std::vector<Hit> nearest_reference(Backend backend, FingerprintMatrix molecules,
                                   const SearchLibrary& references, const Metric& metric);

}  // namespace molsieve::kernels
