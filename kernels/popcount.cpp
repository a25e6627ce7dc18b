#include "kernels/popcount.h"

namespace molsieve::kernels {

void popcount_rows(Backend backend, const std::uint64_t* fingerprints, std::size_t rows,
                   std::size_t words, std::uint32_t* counts) {
  switch (backend) {
    case Backend::Reference: return popcount_rows_reference(fingerprints, rows, words, counts);
    case Backend::Cpu: return popcount_rows_cpu(fingerprints, rows, words, counts);
    case Backend::Cuda: return popcount_rows_cuda(fingerprints, rows, words, counts);
  }
}

}  // namespace molsieve::kernels
