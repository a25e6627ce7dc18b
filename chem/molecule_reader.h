#pragma once
// Streams molecule records from .smi/.smiles, .csv/.tsv and .sdf files, each optionally
// gzip-compressed, in bounded memory: records are handed out in batches and a file is
// never loaded whole. Problems with one record (an empty line, bytes that are not UTF-8,
// a missing column value) are recorded on that record; problems with a whole file (missing,
// unreadable, a named column that does not exist, changed since the reader was made) throw
// molsieve::Error.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/file_identity.h"
#include "core/progress.h"

namespace molsieve::chem {

enum class RecordFormat { Smiles, MolBlock };

// Per-record status codes, stored in /molecules/status.
enum class RecordStatus : std::int8_t {
  Ok = 0,
  Empty = 1,            // empty line or missing SMILES value
  NotUtf8 = 2,          // the record's bytes are not valid UTF-8
  ParseFailed = 3,      // RDKit could not parse or sanitize the molecule
  StandardizeFailed = 4,
  FeaturizeFailed = 5,
};

struct InputRecord {
  std::uint64_t row = 0;  // 0-based position across all inputs
  std::string location;   // "file:line" of the record's start, for messages
  std::string id;
  std::string text;       // SMILES, or a V2000/V3000 mol block
  RecordFormat format = RecordFormat::Smiles;
  RecordStatus status = RecordStatus::Ok;
  std::string error;
  std::vector<std::pair<std::string, std::string>> properties;  // extra columns / SDF data
};

struct ReaderOptions {
  std::string smiles_column = "smiles";
  std::string id_column;  // empty: .smi takes the second field, others number the records
};

enum class FileFormat { Smiles, Csv, Tsv, Sdf };

// The format a path names by its extension (".gz" ignored); throws for unknown extensions.
FileFormat format_of(const std::string& path);

class MoleculeReader {
 public:
  MoleculeReader(std::vector<std::string> paths, ReaderOptions options);
  ~MoleculeReader();
  MoleculeReader(const MoleculeReader&) = delete;
  MoleculeReader& operator=(const MoleculeReader&) = delete;

  // Appends up to `max_records` records to `out`; returns false once every input is exhausted.
  // Throws molsieve::Error naming the file when the file being read (checked before each batch
  // and at its end) is no longer the one the constructor found: its records would be torn.
  bool next_batch(std::vector<InputRecord>& out, std::size_t max_records);
  Progress progress() const;
  std::uint64_t records_read() const { return next_row_; }
  // The inputs read to their end that held no record (a header-only CSV, an empty file).
  const std::vector<std::string>& empty_inputs() const { return empty_inputs_; }

 private:
  class FileCursor;
  bool open_next_file();

  std::vector<std::string> paths_;
  ReaderOptions options_;
  std::size_t next_path_ = 0;
  std::unique_ptr<FileCursor> cursor_;
  std::uint64_t next_row_ = 0;
  std::uint64_t rows_before_file_ = 0;
  std::vector<std::string> empty_inputs_;
  std::vector<std::uint64_t> file_bytes_;  // size of each input, read once (its text's, when known)
  std::vector<bool> file_counts_text_;     // whether file_bytes_ is the uncompressed text's size
  std::vector<FileIdentity> identities_;   // each input as the constructor found it
  std::uint64_t bytes_total_ = 0;
  std::uint64_t bytes_of_finished_files_ = 0;
};

// True when `text` is well-formed UTF-8.
bool is_valid_utf8(const std::string& text);

}  // namespace molsieve::chem
