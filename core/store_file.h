#pragma once
// Writing an output so that its path holds either a whole file or what was there before: it is
// written under a partial name beside the path, synced to disk and renamed onto the path in one
// step. A full disk or a failed rename removes the partial and leaves a previous file as it was.
// Every HDF5 store is written this way (StoreWriter) and names itself with the same root
// attributes: `schema`, `schema_version` and, written last, `complete` = 1.
#include <cstdint>
#include <memory>
#include <string>

#include "core/hdf5_file.h"

namespace molsieve {

// Where `path` is written until it is whole: `path.partial-PID` (one name per process, so two
// runs writing the same path never write one file).
std::string partial_path(const std::string& path);
// Whether `name` is a name partial_path gives (a leftover of a killed run).
bool is_partial_path(const std::string& name);

// Syncs the finished `partial` (a file or a folder) to disk, renames it onto `path` and syncs
// the folder. On failure removes `partial` and throws molsieve::Error naming `path` and the
// system's reason ("out.h5: cannot move the finished file into place: No space left on device").
void move_into_place(const std::string& partial, const std::string& path);

namespace hdf5 {

// An HDF5 store being written under partial_path(path), its `schema` and `schema_version` set.
// commit() writes `complete` = 1, closes the file (checked) and moves it into place; a writer
// destroyed before that removes the partial, so a failed run leaves no file behind.
class StoreWriter {
 public:
  // Owner: the file is created readable by its owner alone (mode 0600, whatever the umask),
  // for stores that hold data about people; Shared: as the umask allows.
  enum class Access { Shared, Owner };
  StoreWriter(std::string path, const std::string& schema, std::int64_t schema_version, Access access = Access::Shared);
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  File& file() { return *file_; }
  const std::string& path() const { return path_; }
  // Every dataset opened in file() must be closed first.
  void commit();

 private:
  std::string path_;
  std::string partial_;
  std::unique_ptr<File> file_;
  bool committed_ = false;
};

// What a store's root attributes say it is.
struct StoreHeader {
  std::string schema;               // "" when it has none: not a molsieve store
  std::int64_t schema_version = 0;  // 0 when it has none
  bool complete = false;
};
// Population and cohort stores written before every store used `schema_version` kept their
// version under `version`: those still read.
StoreHeader read_store_header(const File& file);

}  // namespace hdf5
}  // namespace molsieve
