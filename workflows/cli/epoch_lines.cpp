#include "workflows/cli/epoch_lines.h"

#include <cstdio>

namespace molsieve::workflows {

models::EpochCallback print_epoch_lines(const char* command) {
  return [command](const models::EpochReport& e) {
    std::fprintf(stderr, "%s: model %u/%u epoch %3d/%d  loss %.4f  validation loss %.4f %s %.4f  lr %.2e  %.1f s%s\n",
                 command, e.member, e.members, e.epoch, e.epochs, e.train_loss, e.validation_loss, e.metric,
                 e.validation, e.learning_rate, e.seconds, e.best ? "  (best)" : "");
  };
}

}  // namespace molsieve::workflows
