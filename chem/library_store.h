#pragma once
// The library store: one HDF5 file per featurized library, one row per input record in
// input order (invalid records included). The layout is documented in
// docs/library-store.md; kLibrarySchemaVersion changes whenever it does.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chem/featurizer.h"

namespace molsieve::hdf5 { class File; class StoreWriter; }

namespace molsieve::chem {

constexpr int kLibrarySchemaVersion = 2;
// Version 1 stores (no `columns` attribute on /properties) are still read.
constexpr int kOldestLibrarySchemaVersion = 1;

// Finds repeated structures by their canonical SMILES, keeping a 128-bit hash per structure
// (16 bytes a molecule instead of the string): the library store's `duplicate_of` and the
// results store's copy columns.
class StructureIndex {
 public:
  StructureIndex();
  ~StructureIndex();
  // The row `smiles` was first seen at, or -1 (and `row` is recorded) when it is new.
  std::int64_t first_row(const std::string& smiles, std::int64_t row);

 private:
  struct Map;
  std::unique_ptr<Map> map_;
};

struct InputFile {
  std::string name;
  std::string sha256;
};

struct LibraryCounts {
  std::uint64_t records = 0;
  std::uint64_t valid = 0;
  std::uint64_t invalid = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t with_alerts = 0;
  std::vector<std::uint64_t> alert_family_hits;  // molecules hit, per AlertCatalog::families()
};

// Writes the library store `path` under its partial name; finish() moves it into place, and a
// writer destroyed before that removes it (core/store_file.h).
class LibraryWriter {
 public:
  LibraryWriter(const std::string& path, const FeaturizerOptions& options,
                const AlertCatalog& alerts, const std::vector<InputFile>& inputs);
  ~LibraryWriter();
  LibraryWriter(const LibraryWriter&) = delete;
  LibraryWriter& operator=(const LibraryWriter&) = delete;

  // Appends a batch in row order; fills duplicate detection as it goes.
  void append(const std::vector<FeaturizedMolecule>& batch);
  const LibraryCounts& counts() const { return counts_; }
  // Writes the summary attributes and, last, the completion flag, and moves the store into place.
  void finish(double seconds);

 private:
  struct Datasets;
  struct Batch;  // an append's rows, column by column

  void add_identity(const FeaturizedMolecule& m, std::int64_t row, Batch& batch);
  void add_alerts(const FeaturizedMolecule& m, std::size_t i, Batch& batch);
  void add_graph(const FeaturizedMolecule& m, Batch& batch);
  void add_properties(const FeaturizedMolecule& m, std::size_t i, std::int64_t row, Batch& batch);
  void write(const Batch& batch);

  std::unique_ptr<hdf5::StoreWriter> store_;
  std::unique_ptr<Datasets> datasets_;
  const AlertCatalog& alerts_;
  LibraryCounts counts_;
};

// What `molsieve info` shows, read from a finished store.
struct LibrarySummary {
  std::string path;
  int schema_version = 0;
  std::string tool_version;
  std::string created;
  bool complete = false;
  bool standardized = false;
  unsigned fp_radius = 0;
  unsigned fp_bits = 0;
  int graph_featurizer_version = 0;
  std::vector<InputFile> inputs;
  LibraryCounts counts;
  double seconds = 0;
  std::uint64_t atoms = 0;
  std::uint64_t bonds = 0;
  std::vector<std::string> property_columns;  // in the order they first appear in the input
};

// Opens a store for reading, checking that it is complete and of this schema version.
class LibraryReader {
 public:
  explicit LibraryReader(const std::string& path);
  ~LibraryReader();
  LibrarySummary summary() const;
  std::uint64_t size() const;
  unsigned fingerprint_words() const;
  // Throws molsieve::Error naming the store when its fingerprints were removed.
  void require_fingerprints() const;
  // Rows [first, first + count) of /fingerprints/morgan, row-major.
  std::vector<std::uint64_t> fingerprints(std::uint64_t first, std::uint64_t count) const;
  std::vector<double> descriptor(const std::string& name) const;
  std::vector<std::int8_t> status() const;

  // Rows [first, first + count) of one column each.
  std::vector<std::string> ids(std::uint64_t first, std::uint64_t count) const;
  std::vector<std::string> input_smiles(std::uint64_t first, std::uint64_t count) const;
  std::vector<std::string> smiles(std::uint64_t first, std::uint64_t count) const;
  std::vector<std::string> errors(std::uint64_t first, std::uint64_t count) const;
  std::vector<std::int8_t> status(std::uint64_t first, std::uint64_t count) const;
  std::vector<double> descriptor(const std::string& name, std::uint64_t first, std::uint64_t count) const;
  std::vector<std::int8_t> lipinski_violations(std::uint64_t first, std::uint64_t count) const;
  std::vector<std::int8_t> veber(std::uint64_t first, std::uint64_t count) const;
  // Structural alerts of one AlertCatalog::families() family, per row.
  std::vector<std::int16_t> alert_counts(const std::string& family, std::uint64_t first, std::uint64_t count) const;
  std::vector<MolGraph> graphs(std::uint64_t first, std::uint64_t count) const;

  // The input's own columns (CSV/TSV columns, SDF data fields), in the order they first
  // appear, and their text values for rows [first, first + count).
  std::vector<std::string> property_columns() const;
  std::vector<std::vector<std::string>> properties(std::uint64_t first, std::uint64_t count) const;
  const hdf5::File& file() const { return *file_; }

 private:
  std::unique_ptr<hdf5::File> file_;
};

// Writes rows [first, first + n) of `reader`'s store as a library store at `path` (a shard):
// every dataset and attribute of the source, the ragged offsets and duplicate_of rebased to
// the slice, and the summary counts of its own rows. `annotate` adds to the store before the
// completion flag is written.
void write_library_rows(const LibraryReader& reader, std::uint64_t first, std::uint64_t n,
                        const std::string& path, const std::function<void(hdf5::File&)>& annotate);

}  // namespace molsieve::chem
