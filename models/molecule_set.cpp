#include "models/molecule_set.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "chem/alerts.h"
#include "chem/library_store.h"
#include "chem/qed.h"
#include "core/error.h"

namespace molsieve::models {

std::vector<std::size_t> MoleculeSet::valid_rows() const {
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < size(); ++i)
    if (valid(i)) rows.push_back(i);
  return rows;
}

struct MoleculeFeaturizer::Parts {
  chem::FeaturizerOptions options;
  chem::AlertCatalog alerts;
  chem::Qed qed;
  mutable tbb::enumerable_thread_specific<std::unique_ptr<chem::Featurizer>> featurizers;
};

MoleculeFeaturizer::MoleculeFeaturizer(const chem::FeaturizerOptions& options)
    : parts_(std::make_unique<Parts>()) {
  parts_->options = options;
}
MoleculeFeaturizer::~MoleculeFeaturizer() = default;

std::vector<chem::FeaturizedMolecule> MoleculeFeaturizer::featurize_molecules(
    std::vector<chem::InputRecord> records) const {
  const std::size_t n = records.size();
  std::vector<chem::FeaturizedMolecule> done(n);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 16), [&](const auto& range) {
    auto& featurizer = parts_->featurizers.local();
    if (!featurizer)
      featurizer = std::make_unique<chem::Featurizer>(parts_->options, parts_->alerts, parts_->qed);
    for (std::size_t i = range.begin(); i < range.end(); ++i)
      done[i] = featurizer->featurize(std::move(records[i]));
  });
  return done;
}

MoleculeSet MoleculeFeaturizer::featurize(std::vector<chem::InputRecord> records) const {
  return to_molecule_set(featurize_molecules(std::move(records)), parts_->options.fp_bits / 64);
}

const chem::AlertCatalog& MoleculeFeaturizer::alerts() const { return parts_->alerts; }

chem::FeaturizerOptions model_featurizer_options(const ModelCard& card) {
  chem::FeaturizerOptions options;
  options.standardize = card.standardize;
  options.fp_radius = card.fp_radius;
  options.fp_bits = card.fp_bits;
  options.descriptors = card.architecture.descriptors;
  options.alerts = false;
  return options;
}

MoleculeSet to_molecule_set(std::vector<chem::FeaturizedMolecule> done, unsigned fingerprint_words) {
  const std::size_t n = done.size();
  MoleculeSet set;
  set.fingerprint_words = fingerprint_words;
  set.fingerprints.assign(n * set.fingerprint_words, 0);
  set.descriptors.resize(n * chem::kDescriptorCount);
  for (std::size_t i = 0; i < n; ++i) {
    chem::FeaturizedMolecule& m = done[i];
    set.ids.push_back(std::move(m.id));
    set.input_smiles.push_back(std::move(m.input_smiles));
    set.smiles.push_back(std::move(m.smiles));
    set.errors.push_back(m.ok() ? std::string() : (m.error.empty() ? "invalid molecule" : m.error));
    set.graphs.push_back(std::move(m.graph));
    for (int d = 0; d < chem::kDescriptorCount; ++d)
      set.descriptors[i * chem::kDescriptorCount + d] = static_cast<float>(m.descriptors.values[d]);
    if (m.ok())
      std::copy(m.fingerprint.begin(), m.fingerprint.end(),
                set.fingerprints.begin() + i * set.fingerprint_words);
  }
  return set;
}

double parse_label(const std::string& text, const std::string& location, const std::string& column) {
  if (text.empty()) return std::numeric_limits<double>::quiet_NaN();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(value))
    throw Error(location + ": column '" + column + "': '" + text + "' is not a number");
  return value;
}

MoleculeSet read_labelled_file(const std::string& path, const std::string& smiles_column,
                               const std::vector<std::string>& targets, const chem::FeaturizerOptions& featurizer) {
  const chem::FileFormat format = chem::format_of(path);
  if (format != chem::FileFormat::Csv && format != chem::FileFormat::Tsv)
    throw Error(path + ": labelled data must be a .csv or .tsv file with a header");
  chem::ReaderOptions options;
  options.smiles_column = smiles_column;
  chem::MoleculeReader reader({path}, options);
  std::vector<chem::InputRecord> records;
  while (reader.next_batch(records, 4096)) {
  }
  std::vector<double> labels(records.size() * targets.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& properties = records[i].properties;
    for (std::size_t t = 0; t < targets.size(); ++t) {
      auto it = std::find_if(properties.begin(), properties.end(),
                             [&](const auto& p) { return p.first == targets[t]; });
      if (it == properties.end()) throw Error(path + ": no column '" + targets[t] + "'");
      labels[i * targets.size() + t] = parse_label(it->second, records[i].location, targets[t]);
    }
  }
  if (records.empty()) throw Error(path + ": no data rows");
  MoleculeSet set = MoleculeFeaturizer(featurizer).featurize(std::move(records));
  set.labels = std::move(labels);
  set.tasks = targets.size();
  return set;
}

MoleculeSet read_store_rows(const chem::LibraryReader& store, std::uint64_t first,
                            std::uint64_t count) {
  MoleculeSet set;
  set.ids = store.ids(first, count);
  set.input_smiles = store.input_smiles(first, count);
  set.smiles = store.smiles(first, count);
  set.errors = store.errors(first, count);
  const auto status = store.status(first, count);
  for (std::size_t i = 0; i < count; ++i)
    if (status[i] != 0 && set.errors[i].empty()) set.errors[i] = "invalid molecule";
  set.fingerprint_words = store.fingerprint_words();
  set.fingerprints = store.fingerprints(first, count);
  set.descriptors.resize(count * chem::kDescriptorCount);
  for (int d = 0; d < chem::kDescriptorCount; ++d) {
    const auto values = store.descriptor(chem::descriptor_names()[d], first, count);
    for (std::size_t i = 0; i < count; ++i)
      set.descriptors[i * chem::kDescriptorCount + d] = static_cast<float>(values[i]);
  }
  set.graphs = store.graphs(first, count);
  return set;
}

void fold_fingerprint(const std::uint64_t* words, std::size_t word_count, std::size_t folded_bits,
                      float* out) {
  std::fill(out, out + folded_bits, 0.0f);
  for (std::size_t w = 0; w < word_count; ++w)
    for (std::uint64_t bits = words[w]; bits != 0; bits &= bits - 1)
      out[(w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits))) % folded_bits] = 1.0f;
}

}  // namespace molsieve::models
