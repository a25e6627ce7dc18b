#pragma once
// The similarity of one query to every molecule of a search library, in the library's
// popcount-sorted order: the step MaxMin picking repeats once per pick.
#include <cstdint>

#include "kernels/backend.h"
#include "kernels/similarity_search.h"

namespace molsieve::kernels {

// scores[i] = similarity(query, library.fingerprint(i)); `scores` holds library.size().
void similarity_scores(Backend backend, const SearchLibrary& library, const std::uint64_t* query,
                       const Metric& metric, double* scores);

void similarity_scores_reference(const SearchLibrary& library, const std::uint64_t* query,
                                 const Metric& metric, double* scores);
void similarity_scores_cpu(const SearchLibrary& library, const std::uint64_t* query,
                           const Metric& metric, double* scores);
void similarity_scores_cuda(const SearchLibrary& library, const std::uint64_t* query,
                            const Metric& metric, double* scores);

}  // namespace molsieve::kernels
