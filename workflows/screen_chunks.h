#pragma once
// The chunk layer of a screen: a process loads a job once (library, models, references)
// and computes the chunks it is handed, each into its part file, through a pipeline that
// reads, featurizes, scores and writes several chunks at once. Who hands out the chunks is
// a ChunkDispenser: the chunks in order for one process, a coordinator for MPI ranks.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "workflows/screen.h"
#include "workflows/screen_parts.h"
#include "workflows/screen_scorer.h"
#include "workflows/screen_source.h"

namespace molsieve::workflows {

// Hands out chunk indices, in increasing order to each caller; nullopt when no work is left.
class ChunkDispenser {
 public:
  virtual ~ChunkDispenser() = default;
  virtual std::optional<std::uint64_t> next() = 0;
  // The library has exactly `chunks` chunks (found by the caller that read its end).
  virtual void library_ends(std::uint64_t chunks) = 0;
};

// One process: every chunk without a part, in order, until the library ends.
class SequentialDispenser : public ChunkDispenser {
 public:
  // `chunks`: the library's chunk count when known before reading (library stores).
  SequentialDispenser(const PartsFolder& parts, std::optional<std::uint64_t> chunks);
  std::optional<std::uint64_t> next() override;
  void library_ends(std::uint64_t chunks) override;
  std::optional<std::uint64_t> chunks() const { return chunks_; }

 private:
  const PartsFolder& parts_;
  std::optional<std::uint64_t> chunks_;
  std::uint64_t next_ = 0;
};

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
  ChunkPipeline(const ScreenJob& job, const std::string& device);
  ~ChunkPipeline();

  LibrarySource& source() { return *source_; }
  const ChunkScorer& scorer() const { return *scorer_; }
  unsigned fingerprint_words() const { return words_; }

  // Computes the chunks `dispenser` hands out into `parts`. `progress` gets this run's
  // counts after each written chunk. When `cancel` becomes true, stops after the chunks in
  // flight (ChunkRun::cancelled).
  ChunkRun compute(const PartsFolder& parts, ChunkDispenser& dispenser, const std::atomic<bool>* cancel,
                   const std::function<void(const ScreenStatus&)>& progress);

 private:
  std::unique_ptr<LibrarySource> source_;
  std::unique_ptr<ChunkScorer> scorer_;
  std::unique_ptr<models::MoleculeFeaturizer> featurizer_;
  unsigned words_ = 0;
};

}  // namespace molsieve::workflows
