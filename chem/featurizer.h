#pragma once
// Turns one input record into everything the library store keeps about it:
// canonical SMILES, descriptors, alerts, Morgan fingerprint and graph. One Featurizer
// per thread; the catalogs it reads (alerts, QED patterns) are shared and read-only.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/descriptors.h"
#include "chem/graph_features.h"
#include "chem/molecule_reader.h"

namespace molsieve::chem {

class AlertCatalog;
class Qed;

struct FeaturizerOptions {
  bool standardize = true;
  unsigned fp_radius = 2;
  unsigned fp_bits = 2048;
  // What is computed besides the standardized SMILES and the fingerprint, which everyone
  // gets. A library store keeps everything; a model reads its graph (and descriptors when it
  // was trained with them); query sets searched once and thrown away need nothing more.
  // Left out: descriptors NaN, no alerts, an empty graph.
  bool descriptors = true;
  bool alerts = true;
  bool graph = true;
  // These options with descriptors, alerts and graph left out.
  FeaturizerOptions fingerprints_only() const {
    FeaturizerOptions o = *this;
    o.descriptors = o.alerts = o.graph = false;
    return o;
  }
};

struct FeaturizedMolecule {
  std::uint64_t row = 0;
  std::string id;
  std::string input_smiles;  // as given (SMILES inputs) or written from the parsed SDF record
  std::string smiles;        // canonical isomeric SMILES after standardization; empty if invalid
  RecordStatus status = RecordStatus::Ok;
  std::string error;
  DescriptorValues descriptors;  // NaN when invalid
  std::vector<std::uint16_t> alerts;
  std::vector<std::uint64_t> fingerprint;  // fp_bits / 64 words, zero when invalid
  MolGraph graph;
  std::vector<std::pair<std::string, std::string>> properties;
  bool ok() const { return status == RecordStatus::Ok; }
};

class Featurizer {
 public:
  Featurizer(const FeaturizerOptions& options, const AlertCatalog& alerts, const Qed& qed);
  ~Featurizer();
  Featurizer(const Featurizer&) = delete;
  Featurizer& operator=(const Featurizer&) = delete;

  // Never throws for a bad molecule: the result carries its status and error.
  FeaturizedMolecule featurize(InputRecord record);

 private:
  void clear_features(FeaturizedMolecule& out) const;
  struct Parts;
  FeaturizerOptions options_;
  const AlertCatalog& alerts_;
  const Qed& qed_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace molsieve::chem
