#include <cuda_runtime.h>

#include "kernels/cuda_status.h"

#include <atomic>

namespace molsieve::kernels {
namespace {

std::atomic<int> current_device{0};

}  // namespace

void use_cuda_device(int index) { current_device = index; }
int cuda_device() { return current_device; }

const CudaStatus& cuda_status() {
  static const CudaStatus status = [] {
    CudaStatus s;
    cudaRuntimeGetVersion(&s.runtime_version);
    cudaDriverGetVersion(&s.driver_version);
    if (s.driver_version == 0) {
      s.reason = "no NVIDIA driver found";
      return s;
    }
    cudaError_t err = cudaGetDeviceCount(&s.device_count);
    if (err != cudaSuccess) {
      s.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(err);
      s.device_count = 0;
      return s;
    }
    if (s.device_count == 0) {
      s.reason = "no CUDA device visible";
      return s;
    }
    cudaDeviceProp props{};
    err = cudaGetDeviceProperties(&props, 0);
    if (err != cudaSuccess) {
      s.reason = std::string("cudaGetDeviceProperties failed: ") + cudaGetErrorString(err);
      return s;
    }
    s.device_name = props.name;
    for (int d = 0; d < s.device_count; ++d) {
      cudaDeviceProp each{};
      s.device_names.push_back(cudaGetDeviceProperties(&each, d) == cudaSuccess ? each.name : "unknown");
    }
    s.compute_capability = props.major * 10 + props.minor;
    if (props.major < 8) {
      s.reason = "device " + s.device_name + " has compute capability " +
                 std::to_string(props.major) + "." + std::to_string(props.minor) +
                 "; molsieve's CUDA kernels are built for 8.0 and 9.0";
      return s;
    }
    s.available = true;
    return s;
  }();
  return status;
}

}  // namespace molsieve::kernels
