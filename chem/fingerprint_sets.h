#pragma once
// Fingerprints as the similarity and diversity commands use them: all rows of a library
// store with their ids and SMILES, and query molecules from a store or from any molecule
// file `featurize` reads (featurized the way the library was).
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/fingerprint_matrix.h"

namespace molsieve::chem {

struct FingerprintSet {
  std::string path;
  std::size_t rows = 0;
  unsigned words = 0;
  unsigned radius = 0;
  bool standardized = true;
  std::vector<std::uint64_t> fingerprints;  // rows x words
  std::vector<std::uint32_t> valid_rows;    // rows holding a molecule (status ok)
  std::vector<std::string> ids;
  std::vector<std::string> smiles;
  std::vector<std::string> errors;  // queries only: why a row is not valid; empty when it is
  kernels::FingerprintMatrix matrix() const { return {fingerprints.data(), rows, words}; }
};

// Reads a finished library store; throws molsieve::Error naming the file when it is not
// one or has no fingerprints.
FingerprintSet read_library_fingerprints(const std::string& path);

// A library store, or a molecule file featurized (in a temporary store, removed after)
// with the standardization and Morgan parameters of `library`. Throws when a store's
// fingerprints differ from the library's.
FingerprintSet read_query_fingerprints(const std::string& path, const FingerprintSet& library,
                                       unsigned threads);

}  // namespace molsieve::chem
