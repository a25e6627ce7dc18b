#include "workflows/screen/screen.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>

#include "core/error.h"
#include "core/file_identity.h"
#include "core/timestamp.h"
#include "models/thread_scope.h"
#include "workflows/screen/chunks.h"
#include "workflows/screen/merge.h"

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

ResultsProvenance provenance_of(const ScreenJob& job, const JobFingerprint& fingerprint, const ChunkScorer& scorer) {
  ResultsProvenance p;
  p.job_file = job.path;
  p.job_name = job.name;
  p.job_text = job.text;
  p.job_sha256 = fingerprint.digest;
  p.campaign_sha256 = fingerprint.campaign;
  p.library = job.library;
  p.library_sha256 = fingerprint.library_sha256;
  scorer.describe_models(p);
  p.model_sha256 = fingerprint.model_sha256;
  p.references = job.references;
  p.references_sha256 = fingerprint.references_sha256;
  p.chunk_size = static_cast<std::int64_t>(job.chunk_size);
  p.device = scorer.device();
  return p;
}

std::string chunk_list(const std::vector<std::uint64_t>& chunks) {
  std::string text;
  for (std::uint64_t c : chunks) text += (text.empty() ? "" : ", ") + std::to_string(c);
  return text.empty() ? "none" : text;
}

// Rank 0 decides what happens to the output and computes the job's fingerprint; true when
// --resume finds the results already complete.
bool check_output(const ScreenRequest& request, std::unique_ptr<OutputLock>& lock, JobFingerprint& fingerprint) {
  const fs::path folder = fs::path(request.output).parent_path();
  if (!folder.empty()) fs::create_directories(folder);
  lock = std::make_unique<OutputLock>(request.output);
  const bool output_exists = fs::exists(request.output);
  if (output_exists && !request.overwrite && !request.resume)
    throw Error(request.output + ": exists (use --overwrite to replace it, or --resume to finish an interrupted run)");
  fingerprint = fingerprint_job(request.job);
  const PartsFolder parts(request.output, fingerprint.digest);
  if (parts.exists() && !request.resume && !request.overwrite)
    throw Error(request.output + ": an interrupted run left " + parts.dir() +
                " (use --resume to finish it, or --overwrite to start over)");
  // Without parts, --resume finds either nothing to do or another job's results.
  if (!request.resume || parts.exists() || !output_exists || request.overwrite) return false;
  if (!ResultsStore::is_complete(request.output))
    throw Error(request.output + ": exists but is not a complete results store (use --overwrite to replace it)");
  if (ResultsStore::job_fingerprint(request.output) != fingerprint.digest)
    throw Error(request.output + ": was made by another job or other inputs (use --overwrite to replace it)");
  return true;
}

// Rank 0 starts the parts folder afresh or takes up a stopped run's, discarding its damaged
// parts, and records this run; notes in `report` the chunks the stopped run had handed out but
// not finished ("chunk 7 (rank 1), ...") and the damaged parts.
void open_parts(const PartsFolder& parts, bool fresh, const ScreenRequest& request, const LibrarySource& source,
                int ranks, ScreenReport& report) {
  if (fresh) {
    parts.start_fresh();
  } else {
    report.damaged_parts = parts.resume(request.output);
    std::string& unfinished = report.unfinished_before;
    for (const auto& [chunk, rank] : parts.grants()) {
      const bool damaged = std::any_of(report.damaged_parts.begin(), report.damaged_parts.end(),
                                       [chunk = chunk](const DamagedPart& d) { return d.index == chunk; });
      if (!parts.has(chunk) && !damaged)
        unfinished += (unfinished.empty() ? "" : ", ") +
                      ("chunk " + std::to_string(chunk) + " (rank " + std::to_string(rank) + ")");
    }
  }
  RunRecord record;
  record.started = utc_timestamp();
  record.started_epoch = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  record.ranks = ranks;
  record.chunk_size = request.job.chunk_size;
  record.rows_total = source.rows_total();
  record.chunks_total = known_chunk_count(source).value_or(0);
  parts.write_run_record(record);
}

// What earlier runs finished, as rank 0 counts it for the progress callback.
ScreenStatus resumed_status(const PartsFolder& parts, const ScreenJob& job, const LibrarySource& source) {
  ScreenStatus resumed;
  for (const std::uint64_t index : parts.finished()) {
    ++resumed.chunks_resumed;
    resumed.rows_written += chunk_rows(index, job.chunk_size, source.rows_total());
  }
  return resumed;
}

// Rank 0's count of the whole job's rows under MPI: the chunks handed out to any rank (read)
// and those whose part has appeared since (written). Only the parts of chunks still in flight
// are looked for: listing the parts folder per chunk would scan up to a million files.
class JobRows {
 public:
  explicit JobRows(const PartsFolder& parts, std::uint64_t chunk_size) : parts_(parts), chunk_size_(chunk_size) {}
  void handed_out(std::uint64_t chunk) {  // on rank 0's queue thread
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_.push_back(chunk);
  }
  // `status`: rank 0's own; its read and written become the job's, its featurized and scored
  // (the other ranks' unknown) are left out.
  void count(ScreenStatus& status, const ScreenStatus& resumed) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto written = std::stable_partition(in_flight_.begin(), in_flight_.end(),
                                               [&](std::uint64_t chunk) { return !parts_.has(chunk); });
    // A part's own length, not the chunk size: the last chunk of a molecule file whose size is
    // not known yet is shorter (counted as full, the job's written once exceeded its rows).
    // A part damaged on disk is the merge's to report; progress counts it as a full chunk.
    for (auto it = written; it != in_flight_.end(); ++it) {
      try {
        written_ += parts_.read_results(*it, {"valid"}).rows();
      } catch (const Error&) {
        written_ += chunk_rows(*it, chunk_size_, status.rows_total);
      }
    }
    in_flight_.erase(written, in_flight_.end());
    std::uint64_t read = written_;
    for (const std::uint64_t chunk : in_flight_) read += chunk_rows(chunk, chunk_size_, status.rows_total);
    status.rows_read = resumed.rows_written + read;
    status.rows_featurized = status.rows_scored = 0;
    status.rows_written = resumed.rows_written + written_;
  }

 private:
  const PartsFolder& parts_;
  const std::uint64_t chunk_size_;
  std::mutex mutex_;
  std::vector<std::uint64_t> in_flight_;  // handed out, part not seen yet
  std::uint64_t written_ = 0;
};

// This rank's share of the chunks; under MPI a failure here is this rank's alone: "rank 1
// failed on chunk(s) 17: " and the error (whose first line the command line shows).
ChunkRun compute_chunks(ChunkPipeline& pipeline, const PartsFolder& parts, cluster::WorkQueue& queue,
                        const ScreenRequest& request, cluster::World& world, const ScreenStatus& resumed,
                        JobRows& job_rows, const ScreenProgress& progress) {
  bool size_recorded = false;
  try {
    return pipeline.compute(parts, queue, request.cancel, [&](const ScreenStatus& s) {
      ScreenStatus total = s;
      total.chunks_resumed = resumed.chunks_resumed;
      if (world.rank() == 0 && s.rows_total > 0 && !size_recorded) {
        // A molecule file's size, once this rank has read its end: status can now give an ETA.
        RunRecord record = parts.read_run_record();
        size_recorded = true;
        if (record.rows_total == 0) {
          record.rows_total = s.rows_total;
          record.chunks_total = (s.rows_total + record.chunk_size - 1) / record.chunk_size;
          parts.write_run_record(record);
        }
      }
      if (world.parallel() && world.rank() == 0) {
        job_rows.count(total, resumed);
      } else if (!world.parallel()) {
        // The resumed chunks were read, featurized and scored by the earlier run.
        for (std::uint64_t* rows : {&total.rows_read, &total.rows_featurized, &total.rows_scored, &total.rows_written})
          *rows += resumed.rows_written;
      }
      if (progress) progress(total);
    });
  } catch (const std::exception& e) {
    if (!world.parallel()) throw;
    const std::vector<std::uint64_t> chunks = pipeline.in_flight();
    throw cluster::RankFailure("rank " + std::to_string(world.rank()) + " failed" +
                               (chunks.empty() ? std::string() : " on chunk(s) " + chunk_list(chunks)) + ": " +
                               e.what());
  }
}

void merge_into_report(const ScreenRequest& request, const JobFingerprint& fingerprint, const PartsFolder& parts,
                       const ChunkPipeline& pipeline, ScreenReport& report) {
  const auto merge_start = Clock::now();
  const MergeOutcome merged = merge_parts(request.job, parts, report.chunks, pipeline.fingerprint_words(),
                                          pipeline.scorer().score_terms(),
                                          provenance_of(request.job, fingerprint, pipeline.scorer()), request.output);
  report.rows = merged.counts.rows;
  report.valid = merged.counts.valid;
  report.passed_filters = merged.counts.passed_filters;
  report.selected = merged.counts.selected;
  report.scored = merged.scored;
  report.any_selectable = merged.any_selectable;
  report.merge_seconds = std::chrono::duration<double>(Clock::now() - merge_start).count();
  if (report.selected == 0 && report.scored > 0 && !report.any_selectable)
    report.warnings.push_back("nothing selected: none of the " + std::to_string(report.scored) +
                              " scored molecules is inside the applicability domain of every model it is ranked by (affinity "
                              "and property terms), so every such prediction is an extrapolation "
                              "(selection.require_in_domain)");
}

}  // namespace

ScreenReport run_screen(const ScreenRequest& request, const ScreenProgress& progress) {
  const auto start = Clock::now();
  const models::ModelThreadScope threads(request.threads);
  cluster::World& world = request.world ? *request.world : cluster::World::solo();
  const bool root = world.rank() == 0;
  const ScreenJob& job = request.job;
  ScreenReport report;
  report.ranks = world.size();
  // Recorded before the fingerprint hashes the inputs: results are merged only from inputs
  // that are still those files.
  const InputWatch inputs(input_files(job));

  // The output: refused, already complete, or to be (re)computed; the other ranks learn the
  // job's fingerprint.
  JobFingerprint fingerprint;
  std::unique_ptr<OutputLock> lock;
  cluster::agree(world, [&] {
    if (root) report.already_complete = check_output(request, lock, fingerprint);
  });
  report.already_complete = world.any(report.already_complete);
  if (report.already_complete) return report;
  fingerprint.digest = world.broadcast(fingerprint.digest);
  const PartsFolder parts(request.output, fingerprint.digest);

  // Every rank loads the job; rank 0 opens the parts folder. An existing output stays
  // untouched until the merge replaces it whole.
  std::unique_ptr<ChunkPipeline> pipeline;
  cluster::agree(world, [&] { pipeline = std::make_unique<ChunkPipeline>(job, request.device); });
  report.device = pipeline->scorer().device();
  const bool fresh = !(request.resume && parts.exists());
  cluster::agree(world, [&] {
    if (root) open_parts(parts, fresh, request, pipeline->source(), world.size(), report);
  });
  const ScreenStatus resumed = root ? resumed_status(parts, job, pipeline->source()) : ScreenStatus{};
  report.chunks_resumed = resumed.chunks_resumed;

  // The chunks, shared by the ranks; then rank 0 merges the parts into the results store.
  bool cancelled = false;
  try {
    JobRows job_rows(parts, job.chunk_size);
    cluster::WorkQueue queue(
        world, [&](std::uint64_t chunk) { return parts.has(chunk); }, known_chunk_count(pipeline->source()),
        [&](std::uint64_t chunk, int rank) {
          parts.record_grant(chunk, rank);
          if (world.parallel()) job_rows.handed_out(chunk);
        });
    const ChunkRun run = compute_chunks(*pipeline, parts, queue, request, world, resumed, job_rows, progress);
    const std::optional<std::uint64_t> chunks = queue.finish();
    const std::vector<double> totals =
        world.sum({run.stage_seconds[0], run.stage_seconds[1], run.stage_seconds[2], run.stage_seconds[3],
                   run.cancelled ? 1.0 : 0.0});
    std::copy(totals.begin(), totals.begin() + 4, report.stage_seconds);
    cancelled = totals[4] > 0;
    if (cancelled)
      throw Interrupted("interrupted: " + std::to_string(parts.finished().size()) + " chunk(s) of " + request.output +
                  " kept in " + parts.dir() + "; run again with --resume to finish");
    report.chunks = chunks.value_or(0);
    if (report.chunks == 0) throw Error(job.path + ": the library has no molecules");
    cluster::agree(world, [&] {
      if (!root) return;
      inputs.check();
      merge_into_report(request, fingerprint, parts, *pipeline, report);
    });
  } catch (const cluster::RankFailure&) {
    throw;
  } catch (const std::exception& e) {
    if (cancelled || !root) throw;
    // Parts computed from an input that changed belong to content that is gone, and --resume
    // would refuse them (the fingerprint hashes the inputs): none is kept.
    if (const std::string change = inputs.change(); !change.empty()) {
      parts.remove();
      throw Error(change + "; nothing was merged and no part was kept; run again once it no longer changes");
    }
    // A run that failed keeps its parts only when they hold finished work worth resuming.
    const std::size_t kept = parts.finished().size();
    if (fresh && kept == 0) {
      parts.remove();
      throw;
    }
    throw Error(std::string(e.what()) + " (" + std::to_string(kept) + " finished chunk(s) kept in " + parts.dir() +
                "; --resume continues once the cause is fixed)");
  }
  if (root) parts.remove();
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace molsieve::workflows
