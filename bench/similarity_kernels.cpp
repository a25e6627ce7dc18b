// Kernel-level similarity benchmark: brute-force comparisons per second (every query
// scored against every library molecule, no bounds) and top-k queries per second with the
// popcount bounds, for one backend and thread count.
//
//   molsieve_bench_similarity LIBRARY.h5 QUERIES TOP_K THREADS [cpu|cuda]
//
// QUERIES library rows, evenly spaced, serve as queries.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "chem/fingerprint_sets.h"
#include "core/error.h"
#include "core/thread_scope.h"
#include "kernels/similarity_scores.h"
#include "kernels/similarity_search.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace molsieve;
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s LIBRARY.h5 QUERIES TOP_K THREADS [cpu|cuda]\n", argv[0]);
    return 2;
  }
  try {
    const std::size_t query_count = std::strtoul(argv[2], nullptr, 10);
    const std::size_t top_k = std::strtoul(argv[3], nullptr, 10);
    const kernels::Backend backend =
        argc > 5 && std::string(argv[5]) == "cuda" ? kernels::Backend::Cuda : kernels::Backend::Cpu;
    const ThreadScope threads(static_cast<unsigned>(std::atoi(argv[4])));
    const auto library = chem::read_library_fingerprints(argv[1]);
    const kernels::SearchLibrary search_library(library.matrix(), library.valid_rows);
    std::vector<std::uint64_t> queries;
    const std::size_t step = std::max<std::size_t>(1, library.valid_rows.size() / query_count);
    for (std::size_t i = 0; i < query_count; ++i) {
      const std::uint64_t* fp = library.matrix().row(library.valid_rows[(i * step) % library.valid_rows.size()]);
      queries.insert(queries.end(), fp, fp + library.words);
    }
    std::vector<double> scores(search_library.size());
    auto start = std::chrono::steady_clock::now();
    for (std::size_t q = 0; q < query_count; ++q)
      kernels::similarity_scores(backend, search_library, queries.data() + q * library.words, {},
                                 scores.data());
    const double brute = seconds_since(start);
    start = std::chrono::steady_clock::now();
    kernels::SearchOptions options;
    options.top_k = top_k;
    const auto results = kernels::search(backend, search_library,
                                         {queries.data(), query_count, library.words}, options);
    const double bounded = seconds_since(start);
    std::printf("backend %s threads %u library %zu queries %zu brute_force_comparisons_per_s %.3g "
                "top%zu_queries_per_s %.1f top%zu_seconds %.3f hits %zu\n",
                kernels::backend_name(backend), threads.count(), search_library.size(), query_count,
                query_count * static_cast<double>(search_library.size()) / brute, top_k,
                query_count / bounded, top_k, bounded, results.hits.size());
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
