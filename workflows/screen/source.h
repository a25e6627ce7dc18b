#pragma once
// The rows of a screening job's library, one chunk at a time: library stores (read, never
// featurized again) or molecule files (read here and featurized by featurize_chunk).
// Chunk k is library rows [k * chunk_size, (k + 1) * chunk_size).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/file_identity.h"
#include "core/progress.h"
#include "models/molecule_set.h"
#include "workflows/results/result_table.h"
#include "workflows/screen/job.h"

namespace molsieve::chem { class LibraryReader; }

namespace molsieve::workflows {

struct Chunk {
  std::uint64_t index = 0;
  std::uint64_t first_row = 0;
  std::uint64_t rows = 0;
  std::vector<chem::InputRecord> records;  // molecule files: featurized by featurize_chunk
  models::MoleculeSet molecules;
  std::vector<std::int8_t> lipinski;       // -1 for invalid rows
  std::vector<std::int8_t> veber;          // -1 for invalid rows
  std::vector<std::int16_t> alert_counts;  // rows x alert families
  std::vector<double> descriptors;         // rows x descriptors, full precision (the models' copy is float)
  ResultTable results;
  // The library's own columns (CSV/TSV columns, SDF data fields) as read: text columns in
  // the order they first appear in the chunk, "" where a row has no value.
  ResultTable inputs;
  std::vector<std::uint64_t> pool_rows;          // best-scored selectable rows of the chunk, best first
  std::vector<std::uint64_t> pool_fingerprints;  // their fingerprints
};

class LibrarySource {
 public:
  // Throws molsieve::Error for a library that mixes stores and files, or stores whose
  // fingerprints or standardization differ.
  explicit LibrarySource(const ScreenJob& job);
  ~LibrarySource();

  bool stores() const { return !stores_.empty(); }
  const std::vector<std::unique_ptr<chem::LibraryReader>>& store_readers() const { return stores_; }
  // How molecules of this library are featurized: the stores' settings, or the job's.
  const chem::FeaturizerOptions& featurizer_options() const { return featurizer_options_; }
  std::uint64_t rows_total() const { return rows_total_; }  // 0 for molecule files: unknown until read
  std::uint64_t chunk_size() const { return chunk_size_; }
  Progress progress() const;

  // Reads chunk `index` (never one before the last read: files are read forward, skipping the
  // chunks in between). False when the library ends before it; chunks_seen() then counts them all.
  // Sets `last` when the chunk read is known to be the library's last. Throws molsieve::Error
  // naming the file when a library file or store changed since this source opened it.
  bool read(std::uint64_t index, Chunk& chunk, bool& last);
  std::uint64_t chunks_seen() const { return next_index_; }

 private:
  void read_store_rows(Chunk& chunk) const;

  std::uint64_t chunk_size_;
  chem::FeaturizerOptions featurizer_options_;
  std::vector<std::unique_ptr<chem::LibraryReader>> stores_;
  std::optional<InputWatch> stores_watch_;  // the molecule reader watches files itself
  std::unique_ptr<chem::MoleculeReader> reader_;
  std::uint64_t rows_total_ = 0;
  std::uint64_t next_index_ = 0;  // files: the chunk the reader is at
  bool exhausted_ = false;
};

// Featurizes a chunk read from molecule files (a no-op for chunks read from stores).
void featurize_chunk(const models::MoleculeFeaturizer& featurizer, unsigned fingerprint_words, Chunk& chunk);

}  // namespace molsieve::workflows
