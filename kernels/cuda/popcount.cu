// CUDA backend: one warp per fingerprint row, lanes reading consecutive words
// (coalesced), then a warp-shuffle sum.
#include "kernels/cuda/cuda_check.h"
#include "kernels/popcount.h"

namespace molsieve::kernels {
namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;

__global__ void popcount_rows_kernel(const std::uint64_t* __restrict__ fps, std::size_t rows,
                                     std::size_t words, std::uint32_t* __restrict__ counts) {
  const std::size_t row = static_cast<std::size_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (row >= rows) return;
  std::uint32_t count = 0;
  for (std::size_t w = lane; w < words; w += kWarp) count += __popcll(fps[row * words + w]);
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    count += __shfl_down_sync(0xffffffffu, count, offset);
  if (lane == 0) counts[row] = count;
}

}  // namespace

void popcount_rows_cuda(const std::uint64_t* fingerprints, std::size_t rows, std::size_t words,
                        std::uint32_t* counts) {
  if (rows == 0) return;
  cuda::bind_device();
  cuda::DeviceBuffer<std::uint64_t> device_fps(rows * words);
  cuda::DeviceBuffer<std::uint32_t> device_counts(rows);
  MOLSIEVE_CUDA_CHECK(cudaMemcpy(device_fps.get(), fingerprints,
                                 rows * words * sizeof(std::uint64_t), cudaMemcpyHostToDevice));
  const unsigned blocks = static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  popcount_rows_kernel<<<blocks, kWarpsPerBlock * kWarp>>>(device_fps.get(), rows, words,
                                                          device_counts.get());
  MOLSIEVE_CUDA_CHECK(cudaGetLastError());
  MOLSIEVE_CUDA_CHECK(cudaMemcpy(counts, device_counts.get(), rows * sizeof(std::uint32_t),
                                 cudaMemcpyDeviceToHost));
}

}  // namespace molsieve::kernels
