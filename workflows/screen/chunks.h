#pragma once
// The chunk layer of a screen: a process loads a job once (library, models, references)
// and computes the chunks it is handed, each into its part file, through a pipeline that
// reads, featurizes, scores and writes several chunks at once. The chunks come from a
// cluster::WorkQueue: in order for one process, to whichever rank asks first under MPI.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "core/cancellation.h"
#include "kernels/backend.h"
#include "workflows/screen/parts.h"
#include "workflows/screen/scorer.h"
#include "workflows/screen/source.h"
#include "workflows/screen/status.h"

namespace molsieve::workflows {

// The number of chunks of a library known before reading it (stores), or nullopt (files).
std::optional<std::uint64_t> known_chunk_count(const LibrarySource& source);

struct ChunkRun {
  std::uint64_t chunks_written = 0;
  std::uint64_t rows_written = 0;
  double stage_seconds[4] = {0, 0, 0, 0};  // read, featurize, score, write (summed over chunks)
  bool cancelled = false;
};

class ChunkPipeline {
 public:
  // Loads everything a chunk needs; throws molsieve::Error for bad inputs.
  ChunkPipeline(const ScreenJob& job, const kernels::DeviceChoice& device);
  ~ChunkPipeline();

  LibrarySource& source() { return *source_; }
  const ChunkScorer& scorer() const { return *scorer_; }
  unsigned fingerprint_words() const { return words_; }

  // Computes the chunks `queue` hands out into `parts`, telling it where the library ends. `progress` gets this run's
  // counts after each written chunk. When `cancel` is cancelled, stops after the chunks in
  // flight (ChunkRun::cancelled).
  ChunkRun compute(const PartsFolder& parts, cluster::WorkQueue& queue, const CancellationToken* cancel,
                   const std::function<void(const ScreenStatus&)>& progress);
  // The chunks read but not yet written: after compute() threw, the ones it was working on.
  std::vector<std::uint64_t> in_flight() const;

 private:
  std::unique_ptr<LibrarySource> source_;
  std::unique_ptr<ChunkScorer> scorer_;
  std::unique_ptr<models::MoleculeFeaturizer> featurizer_;
  unsigned words_ = 0;
  mutable std::mutex in_flight_mutex_;
  std::set<std::uint64_t> in_flight_;
};

}  // namespace molsieve::workflows
