#pragma once
// Molecules as the models see them: graph, descriptors and fingerprint per input row, in
// input order, with invalid rows kept (and marked) so predictions line up with the input.
// Made by featurizing records (molecule files) or by reading rows of a library store,
// which is not featurized again.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/featurizer.h"
#include "chem/molecule_reader.h"
#include "models/model_card.h"

namespace molsieve::chem { class AlertCatalog; class LibraryReader; }

namespace molsieve::models {

struct MoleculeSet {
  std::vector<std::string> ids;
  std::vector<std::string> input_smiles;
  std::vector<std::string> smiles;  // standardized; empty when invalid
  std::vector<std::string> errors;  // empty when valid
  std::vector<chem::MolGraph> graphs;
  std::vector<float> descriptors;              // size() x chem::kDescriptorCount
  std::vector<std::uint64_t> fingerprints;     // size() x fingerprint_words
  unsigned fingerprint_words = 0;
  std::vector<double> labels;                  // size() x tasks, NaN when missing
  std::size_t tasks = 0;

  std::size_t size() const { return ids.size(); }
  bool valid(std::size_t row) const { return errors[row].empty(); }
  std::vector<std::size_t> valid_rows() const;
  double label(std::size_t row, std::size_t task) const { return labels[row * tasks + task]; }
};

// Featurizes records with the library's featurizer (standardization, descriptors, Morgan
// fingerprint, graph) on all threads of the current oneTBB arena, keeping input order.
class MoleculeFeaturizer {
 public:
  explicit MoleculeFeaturizer(const chem::FeaturizerOptions& options = {});
  ~MoleculeFeaturizer();
  MoleculeFeaturizer(const MoleculeFeaturizer&) = delete;
  MoleculeFeaturizer& operator=(const MoleculeFeaturizer&) = delete;
  MoleculeSet featurize(std::vector<chem::InputRecord> records) const;
  // The featurizer's full output (alerts and rule flags too), for callers that need more
  // than the models do; to_molecule_set() turns it into a MoleculeSet.
  std::vector<chem::FeaturizedMolecule> featurize_molecules(std::vector<chem::InputRecord> records) const;
  const chem::AlertCatalog& alerts() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// What featurizing molecules for this model computes: its card's standardization and
// fingerprint (the fingerprint serves the applicability domain), the graph, and descriptors
// only when the model reads them; never the alerts or QED a library store keeps.
chem::FeaturizerOptions model_featurizer_options(const ModelCard& card);

// Moves featurized molecules into a MoleculeSet (input order kept).
MoleculeSet to_molecule_set(std::vector<chem::FeaturizedMolecule> molecules, unsigned fingerprint_words);

// A label cell: NaN when empty, else a finite number. Throws molsieve::Error naming
// `location` and `column` for anything else.
double parse_label(const std::string& text, const std::string& location, const std::string& column);

// A training or evaluation table: the SMILES column and one numeric column per target
// (empty cells are missing labels). Throws molsieve::Error naming the file and column when
// a target column is absent, or the file, line and column of a value that is not a number.
// `featurizer`: as a model expects (model_featurizer_options), by default the library's.
MoleculeSet read_labelled_file(const std::string& path, const std::string& smiles_column,
                               const std::vector<std::string>& targets,
                               const chem::FeaturizerOptions& featurizer = {});

// A fingerprint of `word_count` 64-bit words folded to `folded_bits` (a divisor of its size)
// 0/1 values in `out`: folded bit i is the OR of bits i, i + folded_bits, i + 2 folded_bits, ...
void fold_fingerprint(const std::uint64_t* words, std::size_t word_count, std::size_t folded_bits,
                      float* out);

// Rows [first, first + count) of a library store.
MoleculeSet read_store_rows(const chem::LibraryReader& store, std::uint64_t first,
                            std::uint64_t count);

}  // namespace molsieve::models
