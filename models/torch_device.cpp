#include "models/torch_device.h"

#include "core/error.h"
#include "models/model.h"

namespace molsieve::models {

torch::Device torch_device(const kernels::DeviceChoice& device, std::string* chosen) {
  using Kind = kernels::DeviceChoice::Kind;
  std::string reason;
  const bool cuda = torch_cuda_available(&reason);
  if (device.kind == Kind::Cuda && !cuda) throw Error("--device cuda: " + reason);
  if (!cuda || device.kind == Kind::Cpu) {
    *chosen = device.kind == Kind::Cpu ? "cpu (asked for)" : "cpu (" + reason + ")";
    return torch::Device(torch::kCPU);
  }
  const int index = kernels::resolve_cuda_index(device, static_cast<int>(torch::cuda::device_count()));
  *chosen = "cuda:" + std::to_string(index);
  return torch::Device(torch::kCUDA, static_cast<torch::DeviceIndex>(index));
}

}  // namespace molsieve::models
