#include "chem/fingerprint_sets.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "chem/featurize_library.h"
#include "chem/library_store.h"
#include "core/error.h"
#include "core/hdf5_file.h"

namespace molsieve::chem {
namespace {

// A featurized copy of the queries that removes itself.
class TemporaryStore {
 public:
  TemporaryStore()
      : path_((std::filesystem::temp_directory_path() /
               ("molsieve-queries-" + std::to_string(::getpid()) + ".h5"))
                  .string()) {}
  ~TemporaryStore() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// With `with_errors`, also each row's error text (queries report why they were skipped).
FingerprintSet read_fingerprint_set(const std::string& path, bool with_errors) {
  if (std::filesystem::is_regular_file(path) && !hdf5::is_hdf5_file(path))
    throw Error(path + ": not a library store; featurize it first (molsieve featurize " + path +
                " -o library.h5)");
  LibraryReader reader(path);
  reader.require_fingerprints();
  FingerprintSet set;
  set.path = path;
  set.rows = reader.size();
  set.words = reader.fingerprint_words();
  const LibrarySummary summary = reader.summary();
  set.radius = summary.fp_radius;
  set.standardized = summary.standardized;
  set.fingerprints = reader.fingerprints(0, set.rows);
  const auto status = reader.status();
  for (std::size_t r = 0; r < set.rows; ++r)
    if (status[r] == 0) set.valid_rows.push_back(static_cast<std::uint32_t>(r));
  set.ids = reader.ids(0, set.rows);
  set.smiles = reader.smiles(0, set.rows);
  if (with_errors) set.errors = reader.errors(0, set.rows);
  return set;
}

}  // namespace

FingerprintSet read_library_fingerprints(const std::string& path) {
  return read_fingerprint_set(path, false);
}

FingerprintSet read_query_fingerprints(const std::string& path, const FingerprintSet& library,
                                       unsigned threads) {
  if (hdf5::is_hdf5_file(path)) {
    FingerprintSet queries = read_fingerprint_set(path, true);
    if (queries.words != library.words || queries.radius != library.radius)
      throw Error(path + ": query fingerprints are Morgan radius " + std::to_string(queries.radius) +
                  ", " + std::to_string(queries.words * 64) + " bits; the library " + library.path +
                  " has radius " + std::to_string(library.radius) + ", " +
                  std::to_string(library.words * 64) + " bits");
    return queries;
  }
  TemporaryStore store;
  FeaturizeRequest request;
  request.inputs = {path};
  request.output = store.path();
  request.overwrite = true;
  request.threads = threads;
  request.featurizer.standardize = library.standardized;
  request.featurizer.fp_radius = library.radius;
  request.featurizer.fp_bits = library.words * 64;
  request.featurizer = request.featurizer.fingerprints_only();
  featurize_library(request);
  FingerprintSet queries = read_fingerprint_set(store.path(), true);
  queries.path = path;
  return queries;
}

}  // namespace molsieve::chem
