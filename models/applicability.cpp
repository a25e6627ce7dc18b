#include "models/applicability.h"

#include <algorithm>
#include <vector>

namespace molsieve::models {

std::map<std::string, double> nearest_neighbour_quantiles(const kernels::SearchLibrary& library,
                                                          kernels::FingerprintMatrix training) {
  kernels::SearchOptions search;
  search.metric = kernels::Metric{};
  search.top_k = 2;
  const auto results = kernels::search(kernels::Backend::Cpu, library, training, search);
  std::vector<double> nearest;
  for (std::size_t q = 0; q < results.queries(); ++q)
    for (const kernels::Hit& hit : results.of(q))
      if (hit.index != q) {
        nearest.push_back(hit.score);
        break;
      }
  std::sort(nearest.begin(), nearest.end());
  auto quantile = [&](double q) {
    return nearest.empty() ? 0.0 : nearest[static_cast<std::size_t>(q * static_cast<double>(nearest.size() - 1))];
  };
  return {{"p01", quantile(0.01)}, {"p05", quantile(0.05)}, {"p25", quantile(0.25)}, {"p50", quantile(0.5)}};
}

}  // namespace molsieve::models
