#include "kernels/backend.h"

#include <atomic>
#include <cstdlib>

#include "core/error.h"
#include "kernels/cuda_status.h"

namespace molsieve::kernels {
namespace {

std::atomic<int> default_device{0};

}  // namespace

DeviceChoice parse_device(const std::string& text) {
  const auto unknown = [&] {
    return Error("--device: unknown device '" + text + "' (expected auto, cpu, cuda or cuda:N)");
  };
  if (text == "auto") return {DeviceChoice::Kind::Auto, -1};
  if (text == "cpu") return {DeviceChoice::Kind::Cpu, -1};
  if (text == "cuda") return {DeviceChoice::Kind::Cuda, -1};
  if (text.rfind("cuda:", 0) != 0 || text.size() == 5 || text.size() > 8) throw unknown();
  int index = 0;
  for (char c : text.substr(5)) {
    if (c < '0' || c > '9') throw unknown();
    index = index * 10 + (c - '0');
  }
  return {DeviceChoice::Kind::Cuda, index};
}

std::string to_string(const DeviceChoice& device) {
  switch (device.kind) {
    case DeviceChoice::Kind::Auto: return "auto";
    case DeviceChoice::Kind::Cpu: return "cpu";
    case DeviceChoice::Kind::Cuda: return device.index < 0 ? "cuda" : "cuda:" + std::to_string(device.index);
  }
  return "?";
}

void set_default_cuda_device(int index) { default_device = index; }
int default_cuda_device() { return default_device; }

int resolve_cuda_index(const DeviceChoice& device, int device_count) {
  if (device_count <= 0) throw Error("--device " + to_string(device) + ": there is no CUDA device");
  // An index nobody named wraps around the devices there are (more ranks than GPUs on a node).
  const int index = device.index >= 0 ? device.index : default_cuda_device() % device_count;
  if (index >= device_count)
    throw Error("--device cuda:" + std::to_string(index) + ": there are " + std::to_string(device_count) +
                " CUDA device(s), numbered from 0");
  return index;
}

BackendSelection select_backend(const DeviceChoice& choice) {
  if (choice.kind == DeviceChoice::Kind::Cpu) return {Backend::Cpu, "CPU requested", -1};
  const CudaStatus& cuda = cuda_status();
  if (!cuda.available) {
    if (choice.kind == DeviceChoice::Kind::Cuda) throw Error("--device cuda: CUDA unavailable: " + cuda.reason);
    return {Backend::Cpu, "CUDA unavailable: " + cuda.reason, -1};
  }
  const int index = resolve_cuda_index(choice, cuda.device_count);
  use_cuda_device(index);
  return {Backend::Cuda, "CUDA device " + std::to_string(index) + " (" + cuda.device_names[index] + ")", index};
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
