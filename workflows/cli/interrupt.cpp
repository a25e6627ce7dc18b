#include "workflows/cli/interrupt.h"

#include <csignal>

namespace molsieve::workflows {
namespace {

CancellationToken interrupted;

void cancel_on_signal(int) { interrupted.cancel(); }

}  // namespace

const CancellationToken& interrupt_token() {
  static const bool installed = [] {
    std::signal(SIGINT, cancel_on_signal);
    std::signal(SIGTERM, cancel_on_signal);
    return true;
  }();
  (void)installed;
  return interrupted;
}

}  // namespace molsieve::workflows
