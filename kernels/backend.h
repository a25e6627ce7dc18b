#pragma once
// Run-time choice of the backend that executes a kernel operation. Every operation has
// a reference backend (plain loops, the oracle), a CPU backend (SIMD, oneTBB) and a
// CUDA backend; `auto` takes CUDA when a usable GPU exists and says why when it does not.
// The command line parses --device once, with parse_device, and hands the DeviceChoice on;
// kernels (select_backend) and models (Model::use_device) resolve it to a CUDA device alike,
// through resolve_cuda_index.
#include <string>

namespace molsieve::kernels {

enum class Backend { Reference, Cpu, Cuda };

// A --device value: auto, cpu, cuda, or cuda:N for the CUDA device with index N.
struct DeviceChoice {
  enum class Kind { Auto, Cpu, Cuda };
  Kind kind = Kind::Auto;
  int index = -1;  // -1: the process's default CUDA device (set_default_cuda_device)
  bool operator==(const DeviceChoice& other) const { return kind == other.kind && index == other.index; }
};

struct BackendSelection {
  Backend backend = Backend::Cpu;
  std::string reason;   // why this backend was chosen (e.g. why CUDA was not)
  int cuda_device = -1;  // the CUDA device index, when CUDA was chosen
};

// Parses "auto", "cpu", "cuda" or "cuda:N"; throws molsieve::Error naming the bad value.
DeviceChoice parse_device(const std::string& text);

// The --device value that parse_device reads back as `device` (to pass a choice on to
// another process's command line).
std::string to_string(const DeviceChoice& device);

// The CUDA device `auto`, `cuda` and the models take when none is named: 0 unless set (an
// MPI rank sets its node-local rank, so each rank of a node has its own GPU).
void set_default_cuda_device(int index);
int default_cuda_device();

// The CUDA device that `device` (Auto or Cuda) takes among the `device_count` there are: the
// named index, or else the default one, wrapped around the count (more ranks than GPUs on a
// node). Throws molsieve::Error naming --device cuda:N and the count when N names no device.
int resolve_cuda_index(const DeviceChoice& device, int device_count);

// Auto: CUDA if available, else CPU with the reason. Cuda: throws if unavailable or the
// index names no device. Choosing CUDA makes its device the one the CUDA kernels run on.
BackendSelection select_backend(const DeviceChoice& choice);

const char* backend_name(Backend backend);

}  // namespace molsieve::kernels
