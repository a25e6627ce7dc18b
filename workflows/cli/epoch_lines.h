#pragma once
// The line train and pretrain print per epoch (loss, validation, learning rate, time).
#include "models/training.h"

namespace molsieve::workflows {

models::EpochCallback print_epoch_lines(const char* command);

}  // namespace molsieve::workflows
