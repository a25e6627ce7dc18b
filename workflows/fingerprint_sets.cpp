#include "workflows/fingerprint_sets.h"

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "chem/featurize_library.h"
#include "chem/library_store.h"
#include "core/error.h"
#include "core/hdf5_file.h"

namespace molsieve::workflows {
namespace {

bool is_hdf5(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  unsigned char signature[8] = {};
  const bool read = std::fread(signature, 1, 8, file) == 8;
  std::fclose(file);
  static const unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  return read && std::equal(signature, signature + 8, kSignature);
}

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

}  // namespace

FingerprintSet read_library_fingerprints(const std::string& path) {
  if (std::filesystem::is_regular_file(path) && !is_hdf5(path))
    throw Error(path + ": not a library store; featurize it first (molsieve featurize " + path +
                " -o library.h5)");
  chem::LibraryReader reader(path);
  const hdf5::File& file = reader.file();
  if (!file.exists("/fingerprints/morgan"))
    throw Error(path + ": the library store has no /fingerprints/morgan");
  FingerprintSet set;
  set.path = path;
  set.rows = reader.size();
  set.words = reader.fingerprint_words();
  const chem::LibrarySummary summary = reader.summary();
  set.radius = summary.fp_radius;
  set.standardized = summary.standardized;
  set.fingerprints = reader.fingerprints(0, set.rows);
  const auto status = reader.status();
  for (std::size_t r = 0; r < set.rows; ++r)
    if (status[r] == 0) set.valid_rows.push_back(static_cast<std::uint32_t>(r));
  set.ids = file.read_strings("/molecules/id");
  set.smiles = file.read_strings("/molecules/smiles");
  set.errors = file.read_strings("/molecules/error");
  return set;
}

FingerprintSet read_query_fingerprints(const std::string& path, const FingerprintSet& library,
                                       unsigned threads) {
  if (is_hdf5(path)) {
    FingerprintSet queries = read_library_fingerprints(path);
    if (queries.words != library.words || queries.radius != library.radius)
      throw Error(path + ": query fingerprints are Morgan radius " + std::to_string(queries.radius) +
                  ", " + std::to_string(queries.words * 64) + " bits; the library " + library.path +
                  " has radius " + std::to_string(library.radius) + ", " +
                  std::to_string(library.words * 64) + " bits");
    return queries;
  }
  TemporaryStore store;
  chem::FeaturizeRequest request;
  request.inputs = {path};
  request.output = store.path();
  request.overwrite = true;
  request.threads = threads;
  request.featurizer.standardize = library.standardized;
  request.featurizer.fp_radius = library.radius;
  request.featurizer.fp_bits = library.words * 64;
  request.featurizer.fingerprints_only = true;
  chem::featurize_library(request);
  FingerprintSet queries = read_library_fingerprints(store.path());
  queries.path = path;
  return queries;
}

}  // namespace molsieve::workflows
