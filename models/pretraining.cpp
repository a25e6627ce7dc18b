#include "models/pretraining.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_set>

#include "chem/descriptor_panel.h"
#include "core/error.h"
#include "core/sha256.h"
#include "models/splits.h"

namespace molsieve::models {
namespace {

constexpr std::size_t kFeaturizeBatch = 8192;
constexpr double kClampQuantile = 0.001;

std::vector<chem::InputRecord> read_records(const CorpusFile& file) {
  chem::ReaderOptions options;
  options.smiles_column = file.smiles_column;
  chem::MoleculeReader reader({file.path}, options);
  std::vector<chem::InputRecord> records;
  while (reader.next_batch(records, 4096)) {
  }
  if (records.empty()) throw Error(file.path + ": no data rows");
  return records;
}

// Moves row `row` of `from` to the end of `into`.
void append_row(MoleculeSet& into, MoleculeSet& from, std::size_t row) {
  into.ids.push_back(std::move(from.ids[row]));
  into.input_smiles.push_back(std::move(from.input_smiles[row]));
  into.smiles.push_back(std::move(from.smiles[row]));
  into.errors.push_back(std::move(from.errors[row]));
  into.graphs.push_back(std::move(from.graphs[row]));
  const auto descriptors = from.descriptors.begin() + static_cast<std::ptrdiff_t>(row * chem::kDescriptorCount);
  into.descriptors.insert(into.descriptors.end(), descriptors, descriptors + chem::kDescriptorCount);
  const unsigned words = from.fingerprint_words;
  into.fingerprint_words = words;
  const auto fp = from.fingerprints.begin() + static_cast<std::ptrdiff_t>(row * words);
  into.fingerprints.insert(into.fingerprints.end(), fp, fp + words);
}

// What the encoder reads: the graph, and the fingerprint (its applicability domain). The
// descriptors it learns are computed once, by label_with_panel; alerts and QED's
// substructure searches, most of a library store's featurizing time, serve nothing here.
chem::FeaturizerOptions corpus_featurizer_options() {
  chem::FeaturizerOptions options;
  options.descriptors = options.alerts = false;
  return options;
}

// The standardized structures of `files`.
std::unordered_set<std::string> structures_of(const std::vector<CorpusFile>& files) {
  std::unordered_set<std::string> out;
  const MoleculeFeaturizer featurizer(chem::FeaturizerOptions{}.fingerprints_only());
  for (const CorpusFile& file : files) {
    const MoleculeSet set = featurizer.featurize(read_records(file));
    for (std::size_t i = 0; i < set.size(); ++i)
      if (set.valid(i)) out.insert(set.smiles[i]);
  }
  return out;
}

// The panel of every kept molecule as labels: descriptors that vary, clamped to their
// 0.1st-99.9th percentiles.
void label_with_panel(PretrainingCorpus& corpus) {
  MoleculeSet& m = corpus.molecules;
  const std::vector<std::string>& names = chem::descriptor_panel_names();
  const std::size_t n = m.size(), d = names.size();
  std::vector<double> panel(n * d);
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
    const std::vector<double> values = chem::descriptor_panel(m.smiles[i]);
    std::copy(values.begin(), values.end(), panel.begin() + static_cast<std::ptrdiff_t>(i * d));
  });
  std::vector<std::size_t> kept;
  std::vector<std::pair<double, double>> bounds;
  for (std::size_t k = 0; k < d; ++k) {
    std::vector<double> column;
    for (std::size_t i = 0; i < n; ++i)
      if (std::isfinite(panel[i * d + k])) column.push_back(panel[i * d + k]);
    if (column.size() < 2) continue;
    std::sort(column.begin(), column.end());
    const double last = static_cast<double>(column.size() - 1);
    const double lo = column[static_cast<std::size_t>(std::floor(kClampQuantile * last))],
                 hi = column[static_cast<std::size_t>(std::ceil((1 - kClampQuantile) * last))];
    if (!(hi > lo)) continue;  // constant (or nearly) over the corpus: nothing to learn
    kept.push_back(k);
    bounds.emplace_back(lo, hi);
  }
  m.tasks = kept.size();
  m.labels.assign(n * kept.size(), std::nan(""));
  corpus.descriptors.clear();
  for (std::size_t t = 0; t < kept.size(); ++t) {
    corpus.descriptors.push_back(names[kept[t]]);
    for (std::size_t i = 0; i < n; ++i) {
      const double v = panel[i * d + kept[t]];
      if (std::isfinite(v)) m.labels[i * kept.size() + t] = std::clamp(v, bounds[t].first, bounds[t].second);
    }
  }
}

}  // namespace

CorpusFile parse_corpus_file(const std::string& text) {
  // A path may hold ':' only before its last component's column ("dir/x.csv:mol").
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || text.find('/', colon) != std::string::npos) return {text, "smiles"};
  if (colon + 1 == text.size()) throw Error(text + ": empty column name after ':'");
  return {text.substr(0, colon), text.substr(colon + 1)};
}

PretrainingCorpus read_pretraining_corpus(const std::vector<CorpusFile>& files, const std::vector<CorpusFile>& exclude,
                                          std::size_t max_molecules, std::uint64_t seed,
                                          const std::function<void(std::size_t kept)>& progress) {
  if (files.empty()) throw Error("pretraining needs at least one --data file");
  PretrainingCorpus corpus;
  const std::unordered_set<std::string> excluded = structures_of(exclude);
  for (const CorpusFile& file : exclude)
    corpus.excluded_sources += (corpus.excluded_sources.empty() ? "" : ", ") +
                               std::filesystem::path(file.path).filename().string();
  std::vector<chem::InputRecord> records;
  Sha256 sources_hash;
  for (const CorpusFile& file : files) {
    std::vector<chem::InputRecord> read = read_records(file);
    corpus.sources += (corpus.sources.empty() ? "" : ", ") + std::filesystem::path(file.path).filename().string() +
                      " (" + std::to_string(read.size()) + " rows)";
    const std::string sha = sha256_file(file.path);
    sources_hash.update(sha.data(), sha.size());
    for (auto& r : read) {
      r.properties.clear();  // labels and other columns: the encoder reads none
      records.push_back(std::move(r));
    }
  }
  corpus.sources_sha256 = sources_hash.hex_digest();
  corpus.records = records.size();
  std::vector<std::size_t> order(records.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  seeded_shuffle(order, seed);
  const std::size_t wanted = max_molecules == 0 ? records.size() : max_molecules;
  std::unordered_set<std::string> seen;
  MoleculeSet& kept = corpus.molecules;
  const MoleculeFeaturizer featurizer(corpus_featurizer_options());
  for (std::size_t first = 0; first < order.size() && kept.size() < wanted; first += kFeaturizeBatch) {
    std::vector<chem::InputRecord> batch;
    for (std::size_t k = first; k < std::min(order.size(), first + kFeaturizeBatch); ++k)
      batch.push_back(std::move(records[order[k]]));
    MoleculeSet set = featurizer.featurize(std::move(batch));
    for (std::size_t i = 0; i < set.size() && kept.size() < wanted; ++i) {
      if (!set.valid(i)) {
        ++corpus.invalid;
      } else if (excluded.count(set.smiles[i])) {
        ++corpus.excluded;
      } else if (!seen.insert(set.smiles[i]).second) {
        ++corpus.duplicates;
      } else {
        append_row(kept, set, i);
      }
    }
    if (progress) progress(kept.size());
  }
  if (kept.size() < 2) throw Error("pretraining: fewer than two distinct valid molecules in the --data files");
  label_with_panel(corpus);
  return corpus;
}

Model pretrain_encoder(const PretrainingCorpus& corpus, TrainOptions options, const EpochCallback& on_epoch) {
  options.task_type = TaskType::Regression;
  options.tasks = corpus.descriptors;
  options.task_weights.clear();
  options.data_path = corpus.sources;
  options.data_sha256 = corpus.sources_sha256;
  options.smiles_column = "";
  options.pretrained_encoder.clear();
  Model model = train_model(corpus.molecules, options, on_epoch);
  ModelCard& card = model.card();
  card.training_rows = corpus.records;
  card.training_invalid = corpus.invalid;
  card.intended_use =
      "A message-passing encoder pretrained to predict " + std::to_string(corpus.descriptors.size()) +
      " RDKit descriptors (chem/descriptor_panel.h) of " + std::to_string(corpus.molecules.size()) +
      " unlabelled molecules; start a model from it with molsieve train --from-pretrained. Its own predictions "
      "are descriptors RDKit computes exactly: use RDKit for those.";
  const std::string left_out =
      corpus.excluded_sources.empty()
          ? "no set excluded"
          : std::to_string(corpus.excluded) + (corpus.excluded == 1 ? " row" : " rows") + " with the structures of " +
                corpus.excluded_sources +
                " left out, so models of those sets are compared fairly";
  card.limitations = "Learned from the structures of " + corpus.sources + " (" + left_out + ", " +
                     std::to_string(corpus.duplicates) + " copies counted once); no labels were read.";
  return model;
}

}  // namespace molsieve::models
