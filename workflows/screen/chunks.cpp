#include "workflows/screen/chunks.h"

#include <oneapi/tbb/parallel_pipeline.h>

#include <atomic>
#include <chrono>

namespace molsieve::workflows {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kChunksInFlight = 3;  // bounds memory: at most this many chunks exist at once
enum Stage { kRead, kFeaturize, kScore, kWrite };

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct TimedChunk {
  Chunk chunk;
  double seconds[4] = {0, 0, 0, 0};
};

}  // namespace

std::optional<std::uint64_t> known_chunk_count(const LibrarySource& source) {
  if (!source.stores()) return std::nullopt;
  return (source.rows_total() + source.chunk_size() - 1) / source.chunk_size();
}

ChunkPipeline::ChunkPipeline(const ScreenJob& job, const kernels::DeviceChoice& device)
    : source_(std::make_unique<LibrarySource>(job)) {
  scorer_ = std::make_unique<ChunkScorer>(job, *source_, device);
  featurizer_ = std::make_unique<models::MoleculeFeaturizer>(source_->featurizer_options());
  words_ = source_->featurizer_options().fp_bits / 64;
}

ChunkPipeline::~ChunkPipeline() = default;

std::vector<std::uint64_t> ChunkPipeline::in_flight() const {
  std::lock_guard<std::mutex> lock(in_flight_mutex_);
  return {in_flight_.begin(), in_flight_.end()};
}

ChunkRun ChunkPipeline::compute(const PartsFolder& parts, cluster::WorkQueue& queue, const CancellationToken* cancel,
                                const std::function<void(const ScreenStatus&)>& progress) {
  ChunkRun run;
  // HDF5 (Debian's serial build) is not thread-safe: every store read and part write holds this.
  std::mutex hdf5_mutex;
  // Stages run on different threads: counts are atomics, copied into a ScreenStatus to report.
  std::atomic<std::uint64_t> rows_read{0}, rows_featurized{0}, rows_scored{0}, bytes_done{0}, bytes_total{0};
  std::atomic<std::uint64_t> rows_total_found{0};  // molecule files: once this rank has read the last chunk
  ScreenStatus status;
  status.rows_total = source_->rows_total();
  tbb::parallel_pipeline(
      kChunksInFlight,
      tbb::make_filter<void, TimedChunk*>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> TimedChunk* {
            if (cancel && cancel->cancelled()) {
              run.cancelled = true;
              fc.stop();
              return nullptr;
            }
            const std::optional<std::uint64_t> index = queue.next();
            if (!index) {
              fc.stop();
              return nullptr;
            }
            auto timed = std::make_unique<TimedChunk>();
            const auto t0 = Clock::now();
            // In flight from its read on: a failing read names its chunk too.
            {
              std::lock_guard<std::mutex> lock(in_flight_mutex_);
              in_flight_.insert(*index);
            }
            bool got = false, last = false;
            {
              std::lock_guard<std::mutex> lock(hdf5_mutex);
              got = source_->read(*index, timed->chunk, last);
            }
            if (!got || timed->chunk.rows == 0) {
              {
                std::lock_guard<std::mutex> lock(in_flight_mutex_);
                in_flight_.erase(*index);
              }
              // Ended on a chunk boundary: every chunk seen was full.
              if (source_->rows_total() == 0) rows_total_found = source_->chunks_seen() * source_->chunk_size();
              queue.set_end(source_->chunks_seen());
              fc.stop();
              return nullptr;
            }
            if (last) {
              queue.set_end(*index + 1);
              if (source_->rows_total() == 0) rows_total_found = timed->chunk.first_row + timed->chunk.rows;
            }
            timed->seconds[kRead] = seconds_since(t0);
            rows_read += timed->chunk.rows;
            const Progress p = source_->progress();
            bytes_done = p.bytes_done;
            bytes_total = p.bytes_total;
            return timed.release();
          }) &
          tbb::make_filter<TimedChunk*, TimedChunk*>(
              tbb::filter_mode::parallel,
              [&](TimedChunk* timed) -> TimedChunk* {
                const auto t0 = Clock::now();
                featurize_chunk(*featurizer_, words_, timed->chunk);
                timed->seconds[kFeaturize] = seconds_since(t0);
                rows_featurized += timed->chunk.rows;
                return timed;
              }) &
          tbb::make_filter<TimedChunk*, TimedChunk*>(
              tbb::filter_mode::serial_in_order,
              [&](TimedChunk* timed) -> TimedChunk* {
                const auto t0 = Clock::now();
                scorer_->score(timed->chunk);
                timed->seconds[kScore] = seconds_since(t0);
                rows_scored += timed->chunk.rows;
                return timed;
              }) &
          tbb::make_filter<TimedChunk*, void>(tbb::filter_mode::serial_in_order, [&](TimedChunk* owned) {
            std::unique_ptr<TimedChunk> timed(owned);
            const auto t0 = Clock::now();
            {
              std::lock_guard<std::mutex> lock(hdf5_mutex);
              parts.write(timed->chunk, words_);
            }
            timed->seconds[kWrite] = seconds_since(t0);
            {
              std::lock_guard<std::mutex> lock(in_flight_mutex_);
              in_flight_.erase(timed->chunk.index);
            }
            ++run.chunks_written;
            run.rows_written += timed->chunk.rows;
            for (int s = 0; s < 4; ++s) run.stage_seconds[s] += timed->seconds[s];
            status.rows_written = run.rows_written;
            status.rows_read = rows_read;
            status.rows_featurized = rows_featurized;
            status.rows_scored = rows_scored;
            status.bytes_done = bytes_done;
            status.bytes_total = bytes_total;
            if (rows_total_found) status.rows_total = rows_total_found;
            status.chunk = timed->chunk.index;
            status.chunk_rows = timed->chunk.rows;
            if (progress) progress(status);
          }));
  return run;
}

}  // namespace molsieve::workflows
