// Built when nvcc is absent: the CUDA backend reports why it cannot run, and callers
// need no #ifdefs.
#include "core/error.h"
#include "kernels/cuda_status.h"
#include "kernels/popcount.h"
#include "kernels/similarity_scores.h"
#include "kernels/similarity_search.h"

namespace molsieve::kernels {

const CudaStatus& cuda_status() {
  static const CudaStatus status = [] {
    CudaStatus s;
    s.reason = "molsieve was built without CUDA (no nvcc at build time)";
    return s;
  }();
  return status;
}

void use_cuda_device(int) {}
int cuda_device() { return 0; }

void popcount_rows_cuda(const std::uint64_t*, std::size_t, std::size_t, std::uint32_t*) {
  throw Error("CUDA backend unavailable: " + cuda_status().reason);
}

SearchResults search_cuda(const SearchLibrary&, FingerprintMatrix, const SearchOptions&) {
  throw Error("CUDA backend unavailable: " + cuda_status().reason);
}

void similarity_scores_cuda(const SearchLibrary&, const std::uint64_t*, const Metric&, double*) {
  throw Error("CUDA backend unavailable: " + cuda_status().reason);
}

}  // namespace molsieve::kernels
