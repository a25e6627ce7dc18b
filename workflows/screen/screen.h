#pragma once
// The screening job: a library streamed in chunks through featurization (skipped for
// library stores), filters, model scoring and reference similarity, each chunk's results
// written to its own part file; then the parts are ranked, diversified and merged into
// one results store (docs/screening.md).
//
// Chunk k is library rows [k * chunk_size, (k + 1) * chunk_size): its results depend on
// nothing else, so chunks can be computed in any order, by any process, and a run that
// was killed resumes by computing only the chunks whose part file is missing.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "core/cancellation.h"
#include "kernels/backend.h"
#include "workflows/screen/job.h"
#include "workflows/screen/parts.h"
#include "workflows/screen/status.h"

namespace molsieve::workflows {

struct ScreenRequest {
  ScreenJob job;
  std::string output;  // results store; the parts live in <output>.parts/ until the merge
  bool resume = false;
  bool overwrite = false;
  unsigned threads = 0;           // CPU threads, LibTorch's included (0: all cores)
  kernels::DeviceChoice device;  // where the models and kernels run
  // When set and cancelled, the run stops after the chunks in flight; their parts are kept
  // for --resume.
  const CancellationToken* cancel = nullptr;
  // The ranks that share the job (every rank calls run_screen); null: this process alone.
  cluster::World* world = nullptr;
};

struct ScreenReport {
  std::uint64_t rows = 0;
  std::uint64_t valid = 0;
  std::uint64_t passed_filters = 0;
  std::uint64_t selected = 0;
  std::uint64_t scored = 0;           // passed the filters and got a score
  bool any_selectable = false;        // some scored molecule meets the selection's domain rule
  std::uint64_t chunks = 0;
  std::uint64_t chunks_resumed = 0;
  std::string device;       // what scored: cpu or cuda, and why
  double seconds = 0;
  double stage_seconds[4] = {0, 0, 0, 0};  // read, featurize, score, write (summed over chunks and ranks)
  double merge_seconds = 0;
  bool already_complete = false;  // --resume on a finished results store: nothing done
  int ranks = 1;                  // processes that computed chunks
  // --resume: the chunks the stopped run had handed out but not finished, with the rank
  // that had each ("chunk 7 (rank 1), ..."), recomputed by this run.
  std::string unfinished_before;
  // --resume: the parts of the stopped run found damaged, discarded and recomputed.
  std::vector<DamagedPart> damaged_parts;
  // What the user must not miss about these results, one sentence each (for example, that
  // nothing was selected because every prediction is an extrapolation).
  std::vector<std::string> warnings;
};

using ScreenProgress = std::function<void(const ScreenStatus&)>;

// Throws molsieve::Error for bad inputs, refused outputs, a changed job on --resume, or a
// cancel (after keeping the finished parts). Under MPI every rank throws the same Error for
// a failure all can see; a failure on one rank alone is a cluster::RankFailure naming the
// rank and its chunks, after which the job must be aborted. Rank 0 merges and reports.
ScreenReport run_screen(const ScreenRequest& request, const ScreenProgress& progress = {});

}  // namespace molsieve::workflows
