#pragma once
// Whether the CUDA backends can run here, and if not, why: built without nvcc, no
// driver, no device. Asked once; the answer does not change during a run.
#include <string>
#include <vector>

namespace molsieve::kernels {

struct CudaStatus {
  bool available = false;
  std::string reason;       // set when unavailable
  std::string device_name;  // of device 0, when available
  std::vector<std::string> device_names;  // of every device, by index
  int device_count = 0;
  int compute_capability = 0;  // e.g. 90 for sm_90
  int runtime_version = 0;
  int driver_version = 0;
};

const CudaStatus& cuda_status();

// The device every CUDA kernel of this process runs on (0 until set; select_backend sets it).
void use_cuda_device(int index);
int cuda_device();

}  // namespace molsieve::kernels
