#pragma once
// The merge of a screen: ranks every scored row of the parts, picks the diverse selection
// from the union of the parts' pools, and streams the parts into one results store in
// library order, flagging each later copy of a structure (same standardized SMILES) with its
// first occurrence and carrying the library's own columns. It reads the parts only, so it
// gives the same store whichever processes computed them.
#include <cstdint>
#include <string>
#include <vector>

#include "workflows/results/results_store.h"
#include "workflows/screen/job.h"
#include "workflows/screen/parts.h"

namespace molsieve::workflows {

struct MergeOutcome {
  ResultsCounts counts;
  std::uint64_t scored = 0;     // passed the filters and got a score (copies included)
  bool any_selectable = false;  // some scored molecule meets the selection's domain rule
};

// Merges chunks [0, chunks) of `parts` into the results store at `output` (replaced in one
// rename when complete). Throws molsieve::Error naming a missing chunk.
MergeOutcome merge_parts(const ScreenJob& job, const PartsFolder& parts, std::uint64_t chunks,
                         unsigned fingerprint_words, const std::vector<ScoreTerm>& terms,
                         const ResultsProvenance& provenance, const std::string& output);

}  // namespace molsieve::workflows
