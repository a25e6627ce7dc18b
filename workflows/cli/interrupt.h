#pragma once
// Ctrl-C and a scheduler's SIGTERM cancel the running job through its CancellationToken:
// the job stops at its next unit of work and keeps or removes what it wrote, as it documents.
#include "core/cancellation.h"

namespace molsieve::workflows {

// The token the signal handlers cancel; installs them on first use.
const CancellationToken& interrupt_token();

}  // namespace molsieve::workflows
