#pragma once
// The merge of a screen: ranks every scored row, picks the diverse selection from the union
// of the pieces' pools, and streams the pieces into one results store in library order,
// flagging each later copy of a structure (same standardized SMILES) with its first
// occurrence and carrying the library's own columns. The pieces are the chunks' parts of one
// screen (merge_parts), or the results stores of a campaign's shards (merge_shard_stores): it
// reads those only, so it gives the same store whichever processes or jobs computed them.
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

// Merges the results stores of a campaign's shards (shards.h) into one results store at
// `output`, the same as one screen of the whole library would write (its rows, ranks, copies
// and selection; the provenance names the original library). `manifest` "" finds the manifest
// beside the first store's library. Throws molsieve::Error naming the stores of another job,
// a store that is no shard of the manifest, two stores of one shard, or the missing shards.
MergeOutcome merge_shard_stores(const std::vector<std::string>& stores, const std::string& manifest,
                                const std::string& output);

}  // namespace molsieve::workflows
