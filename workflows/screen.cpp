#include "workflows/screen.h"

#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "workflows/screen_chunks.h"
#include "workflows/screen_merge.h"

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

}  // namespace

ScreenReport run_screen(const ScreenRequest& request, const ScreenProgress& progress) {
  const auto start = Clock::now();
  const ScreenJob& job = request.job;
  ScreenReport report;
  const bool output_exists = fs::exists(request.output);
  if (output_exists && !request.overwrite && !request.resume)
    throw Error(request.output + ": exists (use --overwrite to replace it, or --resume to finish an interrupted run)");
  const JobFingerprint fingerprint = fingerprint_job(job);
  const PartsFolder parts(request.output, fingerprint.digest);
  if (parts.exists() && !request.resume && !request.overwrite)
    throw Error(request.output + ": an interrupted run left " + parts.dir() +
                " (use --resume to finish it, or --overwrite to start over)");
  // Without parts, --resume finds either nothing to do or another job's results.
  if (request.resume && !parts.exists() && output_exists && !request.overwrite) {
    if (!ResultsStore::is_complete(request.output))
      throw Error(request.output + ": exists but is not a complete results store (use --overwrite to replace it)");
    if (ResultsStore::job_fingerprint(request.output) != fingerprint.digest)
      throw Error(request.output + ": was made by another job or other inputs (use --overwrite to replace it)");
    report.already_complete = true;
    return report;
  }

  ChunkPipeline pipeline(job, request.device);
  report.device = pipeline.scorer().device();
  // An existing output stays untouched until the merge replaces it whole.
  const bool fresh = !(request.resume && parts.exists());
  if (fresh)
    parts.start_fresh();
  else
    parts.resume(request.output);

  ScreenStatus resumed;
  for (const std::uint64_t index : parts.finished()) {
    ++resumed.chunks_resumed;
    resumed.rows_written += parts.rows(index);
  }
  report.chunks_resumed = resumed.chunks_resumed;
  std::uint64_t chunks_written = 0;
  bool cancelled = false;
  try {
    SequentialDispenser dispenser(parts, known_chunk_count(pipeline.source()));
    const ChunkRun run = pipeline.compute(parts, dispenser, request.cancel, [&](const ScreenStatus& s) {
      ScreenStatus total = s;
      total.rows_written += resumed.rows_written;
      total.chunks_resumed = resumed.chunks_resumed;
      if (progress) progress(total);
    });
    chunks_written = run.chunks_written;
    std::copy(run.stage_seconds, run.stage_seconds + 4, report.stage_seconds);
    cancelled = run.cancelled;
    if (cancelled)
      throw Error("interrupted: " + std::to_string(parts.finished().size()) + " chunk(s) of " + request.output +
                  " kept in " + parts.dir() + "; run again with --resume to finish");
    report.chunks = *dispenser.chunks();
    if (report.chunks == 0) throw Error(job.path + ": the library has no molecules");
    const MergeOutcome merged =
        merge_parts(job, parts, report.chunks, pipeline.fingerprint_words(), pipeline.scorer().score_terms(),
                    provenance_of(job, fingerprint, pipeline.scorer()), request.output);
    report.rows = merged.counts.rows;
    report.valid = merged.counts.valid;
    report.passed_filters = merged.counts.passed_filters;
    report.selected = merged.counts.selected;
    report.scored = merged.scored;
    report.any_selectable = merged.any_selectable;
  } catch (const std::exception& e) {
    if (cancelled) throw;
    // A run that failed keeps its parts only when they hold finished work worth resuming.
    if (fresh && chunks_written == 0) {
      parts.remove();
      throw;
    }
    throw Error(std::string(e.what()) + " (" + std::to_string(chunks_written) + " finished chunk(s) kept in " +
                parts.dir() + "; --resume continues once the cause is fixed)");
  }
  parts.remove();
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace molsieve::workflows
