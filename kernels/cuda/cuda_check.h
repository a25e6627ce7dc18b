#pragma once
// Internal to the CUDA backend: every CUDA runtime call is checked, and a failure
// becomes molsieve::Error naming the call and CUDA's own message.
#include <cuda_runtime.h>

#include <string>

#include "core/error.h"
#include "kernels/cuda_status.h"

namespace molsieve::kernels::cuda {

inline void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    throw Error(std::string("CUDA: ") + call + " failed: " + cudaGetErrorString(status));
}

// CUDA's current device is per thread: every entry point of the backend binds the process's
// device (use_cuda_device) on the calling thread first.
inline void bind_device() { check(cudaSetDevice(cuda_device()), "cudaSetDevice"); }

// Device memory owned for one scope.
template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count > 0) check(cudaMalloc(&data_, count * sizeof(T)), "cudaMalloc");
  }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() { return data_; }
  std::size_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  std::size_t count_;
};

}  // namespace molsieve::kernels::cuda

#define MOLSIEVE_CUDA_CHECK(call) ::molsieve::kernels::cuda::check((call), #call)
