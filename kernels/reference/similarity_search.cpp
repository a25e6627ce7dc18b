// Reference backend: every query against every library molecule, bit by bit, then a full
// sort. No bounds, no tiles: the oracle the other backends are tested against.
#include <algorithm>

#include "kernels/similarity_search.h"

namespace molsieve::kernels {
namespace {

std::uint32_t count_bits(const std::uint64_t* fp, std::size_t words) {
  std::uint32_t count = 0;
  for (std::size_t w = 0; w < words; ++w)
    for (int bit = 0; bit < 64; ++bit) count += (fp[w] >> bit) & 1u;
  return count;
}

std::uint32_t count_common_bits(const std::uint64_t* x, const std::uint64_t* y, std::size_t words) {
  std::uint32_t count = 0;
  for (std::size_t w = 0; w < words; ++w)
    for (int bit = 0; bit < 64; ++bit) count += ((x[w] & y[w]) >> bit) & 1u;
  return count;
}

}  // namespace

SearchResults search_reference(const SearchLibrary& library, FingerprintMatrix queries,
                               const SearchOptions& options) {
  SearchResults results;
  const std::size_t words = library.words();
  std::vector<Hit> hits;
  for (std::size_t q = 0; q < queries.rows; ++q) {
    hits.clear();
    const std::uint32_t a = count_bits(queries.row(q), words);
    for (std::size_t i = 0; i < library.size(); ++i) {
      const std::uint64_t* fp = library.fingerprint(i);
      const double score = similarity(options.metric, a, count_bits(fp, words),
                                      count_common_bits(queries.row(q), fp, words));
      if (score >= options.threshold) hits.push_back({library.indices()[i], score});
    }
    std::sort(hits.begin(), hits.end(), ranks_before);
    if (options.top_k > 0 && hits.size() > options.top_k) hits.resize(options.top_k);
    results.hits.insert(results.hits.end(), hits.begin(), hits.end());
    results.offsets.push_back(results.hits.size());
  }
  return results;
}

}  // namespace molsieve::kernels
