#pragma once
// The results store of a screen: one HDF5 file holding every library row's results in
// library order, the diverse selection, the score's terms and the provenance. Its layout
// (docs/screening.md) is known only here; kResultsSchemaVersion changes whenever it does.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/hdf5_file.h"
#include "core/store_file.h"
#include "workflows/results/result_table.h"

namespace molsieve::workflows {

// 2: the copy columns (duplicate, duplicate_of, copies) and the library's own columns.
// Version 1 stores are still read (they have neither).
constexpr int kResultsSchemaVersion = 2;

// The copy columns: `duplicate` (flag: 1 for a later copy of a structure, -1 invalid),
// `duplicate_of` (the first occurrence's index, -1 for none), `copies` (on a first
// occurrence: its copies' ids, `;`-separated).
extern const char* const kDuplicateColumn;
extern const char* const kDuplicateOfColumn;
extern const char* const kCopiesColumn;

// A library column's name in the results store: its own, or "input:<name>" when that is a
// column molsieve writes (`result_columns`) or `position`, which exports add. Throws
// molsieve::Error naming `output` when even the prefixed name is taken.
std::vector<std::string> stored_input_names(const std::vector<std::string>& library_columns,
                                            const std::vector<std::string>& result_columns,
                                            const std::string& output);

// One term of a screen's composite score: which columns hold its value, spread, domain flag
// and desirability, and its weight.
struct ScoreTerm {
  std::string name;          // the job's model name, or "similarity"
  std::string kind;          // affinity, toxicity or similarity
  std::string value;         // the scored column: the affinity task, <name>_max, reference_similarity
  std::string spread;        // "<task>_std" for affinity terms, else ""
  std::string domain;        // "<name>_in_domain" for model terms, else ""
  std::string desirability;  // d_<name> or d_similarity
  double weight = 0;
};

// What made the results: the job, its inputs with their SHA-256, and the models' cards.
struct ResultsProvenance {
  std::string job_file;
  std::string job_name;
  std::string job_text;
  std::string job_sha256;  // fingerprint of the job and every input: --resume compares it
  // The fingerprint without the library: the same for every shard of one campaign, which the
  // merge of shard stores compares ("" in stores written before it existed).
  std::string campaign_sha256;
  std::vector<std::string> library;
  std::vector<std::string> library_sha256;
  std::vector<std::string> models;        // the job's names for them
  std::vector<std::string> model_paths;
  std::vector<std::string> model_sha256;
  std::vector<std::string> model_cards;   // JSON
  std::vector<std::string> model_roles;   // "affinity:<task>" or "toxicity:<task>,<task>..."
  std::string references;
  std::string references_sha256;
  std::int64_t chunk_size = 0;
  std::string device;
};

// The store's best `pool` selectable structures (first occurrences, best first) as rows of the
// store, with their fingerprints (`words` uint64 each): what a merge of shard stores selects
// from without reading the libraries again. The selection's parameters come with it: the
// job's keep, pool size and diversity.
struct SelectionPool {
  std::vector<std::uint64_t> rows;
  std::vector<std::uint64_t> fingerprints;
  unsigned words = 0;
  std::uint64_t keep = 0;
  std::uint64_t size = 0;
  double diversity = 1;
};

struct ResultsCounts {
  std::int64_t rows = 0;
  std::int64_t valid = 0;
  std::int64_t passed_filters = 0;
  std::int64_t selected = 0;
  std::int64_t copies = 0;     // valid rows whose structure appeared at an earlier row
  std::string selection_rule;  // which scored rows the diverse selection could take
};

// Writes a results store under its partial name; commit() marks it complete and moves it onto
// `path` in one step, so an existing store is replaced only by a whole one (core/store_file.h).
class ResultsWriter {
 public:
  explicit ResultsWriter(std::string path);
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // Rows in library order; every piece has the first one's columns.
  void append_results(const ResultTable& piece);
  void write_selection(const std::vector<std::int64_t>& rows, const std::vector<double>& scores);
  void write_score_terms(const std::vector<ScoreTerm>& terms);
  void write_pool(const SelectionPool& pool);
  void write_provenance(const ResultsProvenance& provenance);
  // Which /results columns are the library's own: their stored names and names as read.
  void write_input_columns(const std::vector<std::string>& stored, const std::vector<std::string>& library);
  void commit(const ResultsCounts& counts);

 private:
  hdf5::StoreWriter store_;
  std::unique_ptr<TableWriter> results_;
};

// A finished results store, open for reading.
class ResultsStore {
 public:
  // Throws molsieve::Error naming `path` when it is not a results store or is unfinished.
  explicit ResultsStore(const std::string& path);

  const std::string& path() const { return file_.name(); }
  // The per-row results table, for the table functions of result_table.h.
  const hdf5::File& file() const { return file_; }
  static const std::string& results_group();

  std::uint64_t rows() const;
  std::vector<std::pair<std::string, ColumnKind>> columns() const;
  ResultTable read(std::uint64_t first, std::uint64_t count, const std::vector<std::string>& names = {}) const;
  std::vector<std::int64_t> selection() const;        // rows of the diverse selection, best first
  std::vector<ScoreTerm> score_terms() const;         // empty for stores older than the terms
  bool has_pool() const;                              // false for stores older than the pool
  SelectionPool pool() const;
  ResultsProvenance provenance() const;
  ResultsCounts counts() const;
  // The stored names of the library's own columns, in library order (empty for version 1).
  std::vector<std::string> input_columns() const;
  std::vector<std::string> input_column_sources() const;  // the same columns' names as read
  std::string tool_version() const;
  std::string created() const;

  // Whether `path` is a finished results store (false for a missing or partial file).
  static bool is_complete(const std::string& path);
  // The fingerprint of the job and inputs that made the store at `path` ("" when it has none).
  static std::string job_fingerprint(const std::string& path);

 private:
  hdf5::File file_;
};

}  // namespace molsieve::workflows
