#pragma once
// Whether the CUDA backends can run here, and if not, why: built without nvcc, no
// driver, no device. Asked once; the answer does not change during a run.
#include <string>

namespace molsieve::kernels {

struct CudaStatus {
  bool available = false;
  std::string reason;       // set when unavailable
  std::string device_name;  // of device 0, when available
  int device_count = 0;
  int compute_capability = 0;  // e.g. 90 for sm_90
  int runtime_version = 0;
  int driver_version = 0;
};

const CudaStatus& cuda_status();

}  // namespace molsieve::kernels
