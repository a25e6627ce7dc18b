#include "kernels/similarity_scores.h"

namespace molsieve::kernels {

void similarity_scores(Backend backend, const SearchLibrary& library, const std::uint64_t* query,
                       const Metric& metric, double* scores) {
  switch (backend) {
    case Backend::Reference: return similarity_scores_reference(library, query, metric, scores);
    case Backend::Cpu: return similarity_scores_cpu(library, query, metric, scores);
    case Backend::Cuda: return similarity_scores_cuda(library, query, metric, scores);
  }
}

}  // namespace molsieve::kernels
