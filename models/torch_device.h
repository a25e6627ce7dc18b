#pragma once
// The LibTorch device for a --device choice. Internal to models/ (includes LibTorch).
#include <torch/torch.h>

#include <string>

#include "kernels/backend.h"

namespace molsieve::models {

// Sets `chosen` to what was picked and why ("cpu (asked for)", "cuda:1", ...). Throws
// molsieve::Error when CUDA is asked for and LibTorch has no such CUDA device.
torch::Device torch_device(const kernels::DeviceChoice& device, std::string* chosen);

}  // namespace molsieve::models
