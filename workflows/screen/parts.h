#pragma once
// The parts folder of a screen, <output>.parts/: one HDF5 part file per finished chunk and
// the fingerprint of the job that fills it. A part is written under a temporary name and
// renamed, so a part that exists was whole when written; one damaged since (truncated,
// overwritten, failing its checksums) is found and discarded by --resume. Any process may
// write any chunk's part, which is what lets a killed run resume and ranks of one job share
// the work.
#include <cstdint>
#include <string>
#include <vector>

#include "workflows/results/result_table.h"
#include "workflows/screen/job.h"

namespace molsieve::workflows {

struct Chunk;

// The fingerprint of a job and every input it reads (SHA-256 over the job text, the chunk
// size, the library, models and references files), with the inputs' own hashes. `campaign`
// leaves the library out (the digest is the SHA-256 of it and the library's hashes), so the
// shards of one library screened by one job share it, and their merge gets the digest of one
// screen of the whole library.
struct JobFingerprint {
  std::string digest;
  std::string campaign;
  std::vector<std::string> library_sha256;
  std::vector<std::string> model_sha256;
  std::string references_sha256;
};
JobFingerprint fingerprint_job(const ScreenJob& job);
std::string job_digest(const std::string& campaign, const std::vector<std::string>& library_sha256);

// One finished part's pool: the chunk's best selectable rows (library rows) and fingerprints.
struct ChunkPool {
  std::vector<std::uint64_t> rows;
  std::vector<std::uint64_t> fingerprints;
};

// What a run records in its parts folder for `molsieve status`: when it started, how many
// ranks, the library's size when known.
struct RunRecord {
  std::string started;           // UTC, ISO 8601
  double started_epoch = 0;      // seconds since 1970
  int ranks = 1;
  std::uint64_t chunk_size = 0;
  std::uint64_t rows_total = 0;  // 0: unknown until read (molecule files)
  std::uint64_t chunks_total = 0;  // 0: unknown
};

// The rows of chunk `index` of a library of `rows_total` rows; when the total is unknown
// (molecule files not yet read to their end) every chunk counts as full.
std::uint64_t chunk_rows(std::uint64_t index, std::uint64_t chunk_size, std::uint64_t rows_total);

// The library's own columns of one part: their names in order, and those whose every value
// reads as a number (parse_input_number), which the merge stores as numbers.
struct PartInputColumns {
  std::vector<std::string> names;
  std::vector<std::string> numeric;
};

// A finished part as status sees it (its header only: no row is read).
struct PartInfo {
  std::uint64_t index = 0;
  double written_epoch = 0;  // when the part was renamed into place
  std::string damage;        // why it is not a whole part ("" when its header says it is)
};

// A part that --resume found damaged and removed, so that its chunk is computed again.
struct DamagedPart {
  std::uint64_t index = 0;
  std::string reason;  // "not an HDF5 file", "no complete mark", a failed checksum...
};

class PartsFolder {
 public:
  PartsFolder(const std::string& output, std::string fingerprint);

  const std::string& dir() const { return dir_; }
  bool exists() const;

  // An empty folder naming the job (made under a temporary name and renamed, so a run
  // killed at any point leaves no folder or one that names its job).
  void start_fresh() const;
  // Keeps the finished chunks of an interrupted run of the same job, after reading each part
  // whole: the damaged ones are removed and returned. Throws molsieve::Error naming `output`
  // when the job or its inputs changed.
  std::vector<DamagedPart> resume(const std::string& output) const;
  void remove() const;

  std::string chunk_path(std::uint64_t index) const;
  bool has(std::uint64_t index) const;
  // Indices of the finished chunks, in increasing order.
  std::vector<std::uint64_t> finished() const;

  void write_run_record(const RunRecord& record) const;
  RunRecord read_run_record() const;  // throws molsieve::Error when the folder has none
  // Appends "chunk rank" to the grants log: which rank was handed which chunk, so that status
  // can name the chunks a killed run left unfinished.
  void record_grant(std::uint64_t chunk, int rank) const;
  // The latest grant of each chunk, by chunk.
  std::vector<std::pair<std::uint64_t, int>> grants() const;
  std::vector<PartInfo> part_infos() const;
  // Why the part of chunk `index` is not whole ("" when it is): not an HDF5 file, not a part,
  // no complete mark; with `read_rows` every row is read too, so failed checksums show.
  std::string damage(std::uint64_t index, bool read_rows) const;

  void write(const Chunk& chunk, unsigned fingerprint_words) const;
  ResultTable read_results(std::uint64_t index, const std::vector<std::string>& columns = {}) const;
  ChunkPool read_pool(std::uint64_t index) const;
  PartInputColumns read_input_columns(std::uint64_t index) const;  // the part's header only
  ResultTable read_inputs(std::uint64_t index) const;              // text columns, as read

 private:
  std::string dir_;
  std::string fingerprint_;
};

// Held by the process that writes `output` (rank 0) from the first check to the last step: a
// second screen pointed at the same output is refused. An operating-system lock (flock) on
// <output>.lock, so a killed run never leaves it held.
class OutputLock {
 public:
  // Throws molsieve::Error naming the output and the holder when another screen holds it.
  explicit OutputLock(const std::string& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  // Whether some process holds the lock of `output` now, and who ("pid N on host H").
  static bool held(const std::string& output, std::string* holder = nullptr);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace molsieve::workflows
