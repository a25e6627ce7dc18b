#pragma once
// Featurizes molecule files into a library store: read, featurize in parallel (oneTBB),
// write in input order, with bounded memory (a fixed number of batches in flight).
// The store is written under a temporary name and renamed into place only when it is
// complete, so an interrupted run never leaves a file that looks finished, nor does a run whose
// input changed while it was read (it throws molsieve::Error naming the file).
#include <string>
#include <vector>

#include "chem/featurizer.h"
#include "chem/library_store.h"
#include "chem/molecule_reader.h"
#include "core/cancellation.h"
#include "core/progress.h"

namespace molsieve::chem {

struct FeaturizeRequest {
  std::vector<std::string> inputs;
  std::string output;
  ReaderOptions reader;
  FeaturizerOptions featurizer;
  unsigned threads = 0;  // 0: all cores
  bool overwrite = false;
  std::size_t batch_size = 256;
  // When set and cancelled, the run stops at the next batch, removes its partial output and
  // throws molsieve::Error.
  const CancellationToken* cancel = nullptr;
};

struct FeaturizeReport {
  LibraryCounts counts;
  std::vector<std::string> empty_inputs;     // inputs that held no record
  std::vector<std::string> first_errors;     // "file:line: reason" of the first bad records
  static constexpr std::size_t kErrorsKept = 5;
  double seconds = 0;
  unsigned threads = 0;
};

FeaturizeReport featurize_library(const FeaturizeRequest& request,
                                  const ProgressCallback& progress = {});

}  // namespace molsieve::chem
