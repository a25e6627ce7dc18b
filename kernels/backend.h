#pragma once
// Run-time choice of the backend that executes a kernel operation. Every operation has
// a reference backend (plain loops, the oracle), a CPU backend (SIMD, oneTBB) and a
// CUDA backend; `auto` takes CUDA when a usable GPU exists and says why when it does not.
#include <string>

namespace molsieve::kernels {

enum class Backend { Reference, Cpu, Cuda };
enum class DeviceChoice { Auto, Cpu, Cuda };

struct BackendSelection {
  Backend backend = Backend::Cpu;
  std::string reason;  // why this backend was chosen (e.g. why CUDA was not)
};

// Parses "auto", "cpu" or "cuda"; throws molsieve::Error naming the bad value.
DeviceChoice parse_device(const std::string& text);

// Auto: CUDA if available, else CPU with the reason. Cuda: throws if unavailable.
BackendSelection select_backend(DeviceChoice choice);

const char* backend_name(Backend backend);

}  // namespace molsieve::kernels
