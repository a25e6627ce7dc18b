#include "kernels/similarity_search.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "kernels/popcount.h"

namespace molsieve::kernels {

SearchLibrary::SearchLibrary(FingerprintMatrix fingerprints) { build(fingerprints, nullptr); }

SearchLibrary::SearchLibrary(FingerprintMatrix fingerprints,
                             const std::vector<std::uint32_t>& rows) {
  build(fingerprints, &rows);
}

SearchLibrary::~SearchLibrary() = default;

void SearchLibrary::build(FingerprintMatrix fingerprints, const std::vector<std::uint32_t>* rows) {
  if (fingerprints.rows > std::numeric_limits<std::uint32_t>::max())
    throw Error("similarity search: more than 2^32 library rows");
  words_ = fingerprints.words;
  std::vector<std::uint32_t> all_counts(fingerprints.rows);
  popcount_rows_cpu(fingerprints.data, fingerprints.rows, fingerprints.words, all_counts.data());
  const std::size_t n = rows ? rows->size() : fingerprints.rows;
  auto row_at = [&](std::size_t i) -> std::uint32_t {
    return rows ? (*rows)[i] : static_cast<std::uint32_t>(i);
  };
  // Counting sort by popcount: stable, so each popcount's run keeps row order.
  bins_.assign(bits() + 2, 0);
  for (std::size_t i = 0; i < n; ++i) ++bins_[all_counts[row_at(i)] + 1];
  for (std::size_t p = 1; p < bins_.size(); ++p) bins_[p] += bins_[p - 1];
  std::vector<std::size_t> next(bins_.begin(), bins_.end() - 1);
  fingerprints_.resize(n * words_);
  popcounts_.resize(n);
  indices_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t row = row_at(i);
    const std::size_t position = next[all_counts[row]]++;
    indices_[position] = row;
    popcounts_[position] = all_counts[row];
    std::copy(fingerprints.row(row), fingerprints.row(row) + words_,
              fingerprints_.begin() + position * words_);
  }
}

void validate_search(const SearchLibrary& library, FingerprintMatrix queries,
                     const SearchOptions& options) {
  if (queries.rows > 0 && queries.words != library.words())
    throw Error("similarity search: query fingerprints have " + std::to_string(queries.words * 64) +
                " bits, library fingerprints " + std::to_string(library.bits()));
  if (!(options.threshold >= 0.0 && options.threshold <= 1.0))
    throw Error("similarity search: threshold " + std::to_string(options.threshold) +
                " is outside [0, 1]");
  const Metric& metric = options.metric;
  if (metric.kind == MetricKind::Tversky &&
      !(metric.alpha >= 0.0 && metric.beta >= 0.0 && std::isfinite(metric.alpha) &&
        std::isfinite(metric.beta)))
    throw Error("similarity search: Tversky weights must be finite and >= 0");
}

SearchResults search(Backend backend, const SearchLibrary& library, FingerprintMatrix queries,
                     const SearchOptions& options) {
  validate_search(library, queries, options);
  switch (backend) {
    case Backend::Reference: return search_reference(library, queries, options);
    case Backend::Cpu: return search_cpu(library, queries, options);
    case Backend::Cuda: return search_cuda(library, queries, options);
  }
  return {};
}

std::vector<Hit> nearest_reference(Backend backend, FingerprintMatrix molecules,
                                   const SearchLibrary& references, const Metric& metric) {
  std::vector<Hit> nearest(molecules.rows, Hit{0, std::numeric_limits<double>::quiet_NaN()});
  if (references.size() == 0) return nearest;
  SearchOptions options;
  options.metric = metric;
  options.top_k = 1;
  // Molecules go in as query batches, so the results of one batch stay small.
  constexpr std::size_t kBatch = 1 << 16;
  for (std::size_t first = 0; first < molecules.rows; first += kBatch) {
    const std::size_t count = std::min(kBatch, molecules.rows - first);
    const SearchResults results =
        search(backend, references, {molecules.row(first), count, molecules.words}, options);
    for (std::size_t q = 0; q < count; ++q)
      if (results.offsets[q + 1] > results.offsets[q])
        nearest[first + q] = results.hits[results.offsets[q]];
  }
  return nearest;
}

}  // namespace molsieve::kernels
