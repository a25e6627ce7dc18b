#include "kernels/backend.h"

#include "core/error.h"
#include "kernels/cuda_status.h"

namespace molsieve::kernels {

DeviceChoice parse_device(const std::string& text) {
  if (text == "auto") return DeviceChoice::Auto;
  if (text == "cpu") return DeviceChoice::Cpu;
  if (text == "cuda") return DeviceChoice::Cuda;
  throw Error("--device: unknown device '" + text + "' (expected auto, cpu or cuda)");
}

BackendSelection select_backend(DeviceChoice choice) {
  if (choice == DeviceChoice::Cpu) return {Backend::Cpu, "CPU requested"};
  const CudaStatus& cuda = cuda_status();
  if (cuda.available) return {Backend::Cuda, "CUDA device " + cuda.device_name};
  if (choice == DeviceChoice::Cuda) throw Error("--device cuda: CUDA unavailable: " + cuda.reason);
  return {Backend::Cpu, "CUDA unavailable: " + cuda.reason};
}

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::Reference: return "reference";
    case Backend::Cpu: return "cpu";
    case Backend::Cuda: return "cuda";
  }
  return "?";
}

}  // namespace molsieve::kernels
