#include "workflows/screen.h"

#include <oneapi/tbb/parallel_pipeline.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "chem/alerts.h"
#include "chem/library_store.h"
#include "chem/molecule_reader.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/sha256.h"
#include "core/timestamp.h"
#include "kernels/backend.h"
#include "kernels/similarity_search.h"
#include "models/model.h"
#include "models/molecule_set.h"
#include "workflows/csv_writer.h"
#include "workflows/model_options.h"
#include "workflows/result_table.h"

namespace molsieve::workflows {

double composite_score(const std::vector<double>& desirabilities, const std::vector<double>& weights) {
  double weight_sum = 0, log_sum = 0;
  for (std::size_t i = 0; i < desirabilities.size(); ++i) {
    if (weights[i] == 0) continue;
    if (!(desirabilities[i] > 0)) return 0.0;
    weight_sum += weights[i];
    log_sum += weights[i] * std::log(desirabilities[i]);
  }
  return weight_sum > 0 ? std::exp(log_sum / weight_sum) : std::numeric_limits<double>::quiet_NaN();
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kChunksInFlight = 3;  // bounds memory: at most this many chunks exist at once
enum Stage { kRead, kFeaturize, kScore, kWrite };

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// HDF5 (Debian's serial build) is not thread-safe: every store read and part write holds this.
std::mutex hdf5_mutex;

struct Chunk {
  std::uint64_t index = 0;
  std::uint64_t first_row = 0;
  std::uint64_t rows = 0;
  bool finished_before = false;  // its part file exists: nothing to compute
  std::vector<chem::InputRecord> records;  // molecule files: featurized in the pipeline
  models::MoleculeSet molecules;
  std::vector<std::int8_t> lipinski;       // -1 for invalid rows
  std::vector<std::int8_t> veber;          // -1 for invalid rows
  std::vector<std::int16_t> alert_counts;  // rows x alert families
  std::vector<double> descriptors;         // rows x descriptors, full precision (the models' copy is float)
  ResultTable results;
  std::vector<std::uint64_t> pool_rows;          // best-scored rows of the chunk, best first
  std::vector<std::uint64_t> pool_fingerprints;  // their fingerprints
  double seconds[4] = {0, 0, 0, 0};
};

void append_molecules(models::MoleculeSet& to, models::MoleculeSet&& from) {
  auto move_all = [](auto& a, auto& b) { a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end())); };
  move_all(to.ids, from.ids);
  move_all(to.input_smiles, from.input_smiles);
  move_all(to.smiles, from.smiles);
  move_all(to.errors, from.errors);
  move_all(to.graphs, from.graphs);
  move_all(to.descriptors, from.descriptors);
  move_all(to.fingerprints, from.fingerprints);
  to.fingerprint_words = from.fingerprint_words;
}

// The job's library as one sequence of rows: either library stores (read, never featurized
// again) or molecule files (read here, featurized in the pipeline).
class LibrarySource {
 public:
  explicit LibrarySource(const ScreenJob& job) : chunk_size_(job.chunk_size) {
    const auto is_store = [](const std::string& p) { return hdf5::is_hdf5_file(p); };
    const std::size_t stores = std::count_if(job.library.begin(), job.library.end(), is_store);
    if (stores > 0 && stores < job.library.size())
      throw Error(job.path + ": library.inputs mixes library stores and molecule files; featurize the files "
                  "into a store first (molsieve featurize)");
    if (stores > 0) {
      for (const auto& path : job.library) {
        stores_.push_back(std::make_unique<chem::LibraryReader>(path));
        total_ += stores_.back()->size();
      }
    } else {
      chem::ReaderOptions options;
      options.smiles_column = job.smiles_column;
      options.id_column = job.id_column;
      reader_ = std::make_unique<chem::MoleculeReader>(job.library, options);
    }
  }

  bool stores() const { return !stores_.empty(); }
  const std::vector<std::unique_ptr<chem::LibraryReader>>& store_readers() const { return stores_; }
  std::uint64_t rows_total() const { return total_; }
  Progress progress() const { return reader_ ? reader_->progress() : Progress{}; }

  // The next chunk's rows; `need_data` false when only the position must advance.
  bool next(Chunk& chunk, bool need_data) {
    if (exhausted_) return false;
    chunk.first_row = next_row_;
    if (reader_) {
      const bool more = reader_->next_batch(chunk.records, chunk_size_);
      chunk.rows = chunk.records.size();
      if (!need_data) chunk.records.clear();
      if (!more) exhausted_ = true;
    } else {
      chunk.rows = std::min<std::uint64_t>(chunk_size_, total_ - next_row_);
      if (chunk.rows == 0) return false;
      if (need_data) read_store_rows(chunk);
      if (next_row_ + chunk.rows >= total_) exhausted_ = true;
    }
    next_row_ += chunk.rows;
    return chunk.rows > 0 || !exhausted_;
  }

 private:
  void read_store_rows(Chunk& chunk) const {
    const auto& families = chem::AlertCatalog::families();
    std::uint64_t row = chunk.first_row, left = chunk.rows, store_first = 0;
    for (const auto& store : stores_) {
      const std::uint64_t size = store->size();
      if (row < store_first + size && left > 0) {
        const std::uint64_t first = row - store_first, count = std::min(left, size - first);
        append_molecules(chunk.molecules, models::read_store_rows(*store, first, count));
        const hdf5::File& file = store->file();
        const auto lipinski = file.read_rows<std::int8_t>("/rules/lipinski_violations", first, count);
        const auto veber = file.read_rows<std::int8_t>("/rules/veber", first, count);
        chunk.lipinski.insert(chunk.lipinski.end(), lipinski.begin(), lipinski.end());
        chunk.veber.insert(chunk.veber.end(), veber.begin(), veber.end());
        std::vector<std::vector<double>> descriptors;
        for (const char* name : chem::descriptor_names())
          descriptors.push_back(file.read_rows<double>(std::string("/descriptors/") + name, first, count));
        for (std::uint64_t i = 0; i < count; ++i)
          for (const auto& d : descriptors) chunk.descriptors.push_back(d[i]);
        std::vector<std::vector<std::int16_t>> counts;
        for (const auto& family : families)
          counts.push_back(file.read_rows<std::int16_t>("/alerts/counts/" + family, first, count));
        for (std::uint64_t i = 0; i < count; ++i)
          for (std::size_t f = 0; f < families.size(); ++f) chunk.alert_counts.push_back(counts[f][i]);
        row += count;
        left -= count;
      }
      store_first += size;
    }
  }

  std::size_t chunk_size_;
  std::vector<std::unique_ptr<chem::LibraryReader>> stores_;
  std::unique_ptr<chem::MoleculeReader> reader_;
  std::uint64_t total_ = 0;
  std::uint64_t next_row_ = 0;
  bool exhausted_ = false;
};

// A model of the job with the columns it writes.
struct ScoringModel {
  const ModelTerm* term = nullptr;
  bool affinity = true;
  models::Model model;
  std::size_t scored_task = 0;            // affinity
  std::vector<std::size_t> risk_tasks;    // toxicity
};

struct References {
  std::vector<std::string> ids;
  std::vector<std::uint64_t> fingerprints;
  std::unique_ptr<kernels::SearchLibrary> library;
};

class Scorer {
 public:
  Scorer(const ScreenJob& job, std::vector<ScoringModel>& models, const References& references,
         kernels::Backend backend)
      : job_(job), models_(models), references_(references), backend_(backend) {
    const auto& families = chem::AlertCatalog::families();
    for (const auto& family : job.exclude_alerts)
      excluded_families_.push_back(std::find(families.begin(), families.end(), family) - families.begin());
    const auto& names = chem::descriptor_names();
    for (const auto& range : job.ranges)
      range_columns_.push_back(std::find(names.begin(), names.end(), range.descriptor) - names.begin());
  }

  void score(Chunk& chunk) const {
    const models::MoleculeSet& m = chunk.molecules;
    const std::size_t n = m.size();
    ResultTable& t = chunk.results;
    auto& index = t.add("index", ColumnKind::Integer).integers;
    auto& ids = t.add("id", ColumnKind::Text).texts;
    auto& smiles = t.add("smiles", ColumnKind::Text).texts;
    auto& valid = t.add("valid", ColumnKind::Flag).flags;
    auto& errors = t.add("error", ColumnKind::Text).texts;
    for (std::size_t i = 0; i < n; ++i) {
      index.push_back(static_cast<std::int64_t>(chunk.first_row + i));
      ids.push_back(m.ids[i]);
      smiles.push_back(m.valid(i) ? m.smiles[i] : m.input_smiles[i]);
      valid.push_back(m.valid(i) ? 1 : 0);
      errors.push_back(m.errors[i]);
    }
    const auto& names = chem::descriptor_names();
    for (int d = 0; d < chem::kDescriptorCount; ++d) {
      auto& values = t.add(names[d], ColumnKind::Number).numbers;
      for (std::size_t i = 0; i < n; ++i)
        values.push_back(m.valid(i) ? chunk.descriptors[i * chem::kDescriptorCount + d] : kNaN);
    }
    auto& lipinski = t.add("lipinski_violations", ColumnKind::Integer).integers;
    auto& veber = t.add("veber", ColumnKind::Flag).flags;
    for (std::size_t i = 0; i < n; ++i) {
      lipinski.push_back(chunk.lipinski[i]);
      veber.push_back(chunk.veber[i]);
    }
    const auto& families = chem::AlertCatalog::families();
    const std::size_t nf = families.size();
    auto alert = [&](std::size_t i, std::size_t f) { return chunk.alert_counts[i * nf + f] > 0; };
    for (std::size_t f = 0; f < nf; ++f) {
      std::string name = families[f];
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      auto& flags = t.add(name, ColumnKind::Flag).flags;
      for (std::size_t i = 0; i < n; ++i) flags.push_back(m.valid(i) ? alert(i, f) : -1);
    }
    auto& pains = t.add("pains", ColumnKind::Flag).flags;
    for (std::size_t i = 0; i < n; ++i)
      pains.push_back(m.valid(i) ? (alert(i, 0) || alert(i, 1) || alert(i, 2)) : -1);

    // Filters, in the order docs/screening.md gives; the first that fails is the reason.
    auto& passes = t.add("passes_filters", ColumnKind::Flag).flags;
    auto& reason = t.add("filter_reason", ColumnKind::Text).texts;
    for (std::size_t i = 0; i < n; ++i) {
      std::string why;
      if (!m.valid(i)) why = "invalid";
      for (std::size_t r = 0; why.empty() && r < job_.ranges.size(); ++r) {
        const double v = chunk.descriptors[i * chem::kDescriptorCount + range_columns_[r]];
        if (!(v >= job_.ranges[r].min && v <= job_.ranges[r].max)) why = job_.ranges[r].descriptor;
      }
      if (why.empty() && job_.max_lipinski_violations >= 0 && chunk.lipinski[i] > job_.max_lipinski_violations)
        why = "lipinski";
      if (why.empty() && job_.require_veber && chunk.veber[i] != 1) why = "veber";
      for (std::size_t f : excluded_families_)
        if (why.empty() && alert(i, f)) why = families[f];
      passes.push_back(why.empty() ? 1 : 0);
      reason.push_back(why);
    }

    std::vector<std::vector<double>> desirability;  // per term, per row
    std::vector<double> weights;
    for (const ScoringModel& s : models_) {
      const models::Predictions p = s.model.predict(m);
      const models::ModelCard& card = s.model.card();
      for (std::size_t task = 0; task < p.tasks; ++task) {
        auto& mean = t.add(card.tasks[task], ColumnKind::Number).numbers;
        auto& spread = t.add(card.tasks[task] + "_std", ColumnKind::Number).numbers;
        for (std::size_t i = 0; i < n; ++i) {
          mean.push_back(p.mean[i * p.tasks + task]);
          spread.push_back(p.std[i * p.tasks + task]);
        }
      }
      auto& similarity = t.add(s.term->name + "_similarity", ColumnKind::Number).numbers;
      auto& in_domain = t.add(s.term->name + "_in_domain", ColumnKind::Flag).flags;
      for (std::size_t i = 0; i < n; ++i) {
        similarity.push_back(p.nearest_training_similarity[i]);
        in_domain.push_back(m.valid(i) ? p.nearest_training_similarity[i] >= card.domain_threshold : -1);
      }
      std::vector<double>* risk = nullptr;
      if (!s.affinity) risk = &t.add(s.term->name + "_max", ColumnKind::Number).numbers;
      auto& d = desirability.emplace_back();
      for (std::size_t i = 0; i < n; ++i) {
        double value = kNaN, bound = kNaN;
        if (s.affinity) {
          value = p.mean[i * p.tasks + s.scored_task];
          bound = value - job_.uncertainty_penalty * p.std[i * p.tasks + s.scored_task];
        } else {
          for (std::size_t task : s.risk_tasks) {
            const double mean = p.mean[i * p.tasks + task];
            const double upper = mean + job_.uncertainty_penalty * p.std[i * p.tasks + task];
            if (std::isnan(value) || mean > value) value = mean;
            if (std::isnan(bound) || upper > bound) bound = upper;
          }
          risk->push_back(value);
        }
        double di = m.valid(i) ? s.term->desirability(bound) : kNaN;
        if (m.valid(i) && in_domain[i] == 0) di *= job_.out_of_domain_factor;
        d.push_back(di);
      }
      weights.push_back(s.term->weight);
    }
    if (references_.library) {
      auto& similarity = t.add("reference_similarity", ColumnKind::Number).numbers;
      auto& nearest = t.add("nearest_reference", ColumnKind::Text).texts;
      const auto hits = kernels::nearest_reference(
          backend_, {m.fingerprints.data(), n, m.fingerprint_words}, *references_.library, job_.metric);
      auto& d = desirability.emplace_back();
      for (std::size_t i = 0; i < n; ++i) {
        const bool ok = m.valid(i);
        similarity.push_back(ok ? hits[i].score : kNaN);
        nearest.push_back(ok ? references_.ids[hits[i].index] : std::string());
        d.push_back(ok ? job_.similarity_desirability(hits[i].score) : kNaN);
      }
      weights.push_back(job_.similarity_weight);
    }
    // Rows the diverse selection may take: scored, and inside every affinity model's domain
    // when the job asks for it.
    std::vector<char> selectable(n, 1);
    if (job_.require_in_domain)
      for (const ScoringModel& s : models_)
        if (s.affinity) {
          const auto& in_domain = t.at(s.term->name + "_in_domain").flags;
          for (std::size_t i = 0; i < n; ++i) selectable[i] &= in_domain[i] == 1;
        }
    std::size_t term = 0;
    for (const ScoringModel& s : models_)
      t.add("d_" + s.term->name, ColumnKind::Number).numbers = desirability[term++];
    if (references_.library) t.add("d_similarity", ColumnKind::Number).numbers = desirability[term];

    auto& score = t.add("score", ColumnKind::Number).numbers;
    std::vector<double> ds(desirability.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!passes[i]) {
        score.push_back(kNaN);
        continue;
      }
      for (std::size_t k = 0; k < ds.size(); ++k) ds[k] = desirability[k][i];
      score.push_back(composite_score(ds, weights));
    }
    keep_pool(chunk, score, selectable);
  }

 private:
  // The chunk's best `pool` scored, selectable rows with their fingerprints: the global best
  // `pool` are among the union of every chunk's, so the merge never needs the whole library's.
  void keep_pool(Chunk& chunk, const std::vector<double>& score, const std::vector<char>& selectable) const {
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < score.size(); ++i)
      if (!std::isnan(score[i]) && selectable[i]) rows.push_back(i);
    const std::size_t keep = std::min(rows.size(), job_.pool);
    std::partial_sort(rows.begin(), rows.begin() + keep, rows.end(), [&](std::size_t a, std::size_t b) {
      return score[a] > score[b] || (score[a] == score[b] && a < b);
    });
    const unsigned words = chunk.molecules.fingerprint_words;
    for (std::size_t k = 0; k < keep; ++k) {
      chunk.pool_rows.push_back(chunk.first_row + rows[k]);
      const auto* fp = chunk.molecules.fingerprints.data() + rows[k] * words;
      chunk.pool_fingerprints.insert(chunk.pool_fingerprints.end(), fp, fp + words);
    }
  }

  const ScreenJob& job_;
  std::vector<ScoringModel>& models_;
  const References& references_;
  kernels::Backend backend_;
  std::vector<std::size_t> excluded_families_;
  std::vector<std::size_t> range_columns_;
};

// <output>.parts/: one HDF5 file per finished chunk (written under a temporary name and
// renamed, so a file that exists is whole) and a fingerprint of the job and its inputs.
class Parts {
 public:
  Parts(const std::string& output, std::string fingerprint)
      : dir_(output + ".parts"), fingerprint_(std::move(fingerprint)) {}

  const fs::path& dir() const { return dir_; }
  bool exists() const { return fs::exists(dir_); }

  // The folder is filled under a temporary name and renamed, so a run killed at any point
  // leaves either no parts folder or one that names its job.
  void start_fresh() {
    fs::path staging = dir_;
    staging += ".partial";
    fs::remove_all(dir_);
    fs::remove_all(staging);
    fs::create_directories(staging);
    write_whole_file((staging / "job.sha256").string(), fingerprint_ + "\n");
    fs::rename(staging, dir_);
  }

  // Keeps the finished chunks of an interrupted run of the same job.
  void resume(const std::string& output) {
    std::ifstream in(dir_ / "job.sha256");
    std::string stored;
    in >> stored;
    if (stored != fingerprint_)
      throw Error(output + ": the job file, its models or its library changed since the interrupted run (" +
                  dir_.string() + "); run again with --overwrite to start over");
    for (const auto& entry : fs::directory_iterator(dir_))
      if (entry.path().extension() == ".partial") fs::remove(entry.path());
  }

  fs::path chunk_path(std::uint64_t index) const {
    char name[40];
    std::snprintf(name, sizeof name, "chunk-%09llu.h5", static_cast<unsigned long long>(index));
    return dir_ / name;
  }
  bool has(std::uint64_t index) const { return fs::exists(chunk_path(index)); }

  void write(const Chunk& chunk, unsigned fingerprint_words) const {
    const fs::path final_path = chunk_path(chunk.index);
    const std::string partial = final_path.string() + ".partial";
    {
      hdf5::File file(partial, hdf5::File::Mode::Create);
      file.set_attribute("/", "first_row", static_cast<std::int64_t>(chunk.first_row));
      file.set_attribute("/", "rows", static_cast<std::int64_t>(chunk.rows));
      write_table(file, "/results", chunk.results);
      hdf5::AppendableDataset(file, "/pool/rows", hdf5::Type::UInt64, 0, 1024).append(chunk.pool_rows);
      hdf5::AppendableDataset(file, "/pool/fingerprints", hdf5::Type::UInt64, fingerprint_words, 64)
          .append(chunk.pool_fingerprints);
    }
    fs::rename(partial, final_path);
  }

 private:
  fs::path dir_;
  std::string fingerprint_;
};

std::string job_fingerprint(const ScreenJob& job, std::vector<std::string>& library_sha256,
                            std::vector<std::string>& model_sha256, std::string& references_sha256) {
  Sha256 hash;
  auto add = [&](const std::string& text) {
    hash.update(text.data(), text.size());
    hash.update("\n", 1);
  };
  add(MOLSIEVE_VERSION);
  add(job.text);
  add(std::to_string(job.chunk_size));
  for (const auto& path : job.library) {
    library_sha256.push_back(sha256_file(path));
    add(library_sha256.back());
  }
  for (const auto* terms : {&job.affinity, &job.toxicity})
    for (const auto& term : *terms) {
      model_sha256.push_back(sha256_file(term.path));
      add(model_sha256.back());
    }
  if (!job.references.empty()) {
    references_sha256 = sha256_file(job.references);
    add(references_sha256);
  }
  return hash.hex_digest();
}

std::vector<ScoringModel> load_models(const ScreenJob& job, const LibrarySource& source,
                                      const std::string& device, std::string& chosen) {
  std::vector<ScoringModel> out;
  for (const auto* terms : {&job.affinity, &job.toxicity})
    for (const auto& term : *terms) {
      ScoringModel s;
      s.term = &term;
      s.affinity = terms == &job.affinity;
      s.model = models::Model::load(term.path);
      chosen = s.model.use_device(device);
      const models::ModelCard& card = s.model.card();
      const std::string where = job.path + ": model '" + term.name + "'";
      if (s.affinity) {
        if (card.task_type != models::TaskType::Regression)
          throw Error(where + " is a classification model; affinity models are regression models");
        if (term.task.empty() && card.tasks.size() != 1)
          throw Error(where + " has several tasks: name the scored one with task = \"...\"");
        const std::string task = term.task.empty() ? card.tasks.front() : term.task;
        const auto it = std::find(card.tasks.begin(), card.tasks.end(), task);
        if (it == card.tasks.end()) throw Error(where + " has no task '" + task + "'");
        s.scored_task = it - card.tasks.begin();
      } else {
        if (card.task_type != models::TaskType::Classification)
          throw Error(where + " is a regression model; toxicity models give probabilities (classification)");
        for (const auto& task : term.risk_tasks) {
          const auto it = std::find(card.tasks.begin(), card.tasks.end(), task);
          if (it == card.tasks.end()) throw Error(where + " has no task '" + task + "' (risk_tasks)");
          s.risk_tasks.push_back(it - card.tasks.begin());
        }
        if (s.risk_tasks.empty())
          for (std::size_t t = 0; t < card.tasks.size(); ++t) s.risk_tasks.push_back(t);
      }
      if (source.stores())
        for (const auto& store : source.store_readers()) check_store_matches_model(store->summary(), card);
      else if (card.standardize != job.standardize)
        throw Error(where + " was trained with standardization " + (card.standardize ? "on" : "off") +
                    "; library.standardize differs");
      out.push_back(std::move(s));
    }
  return out;
}

References read_references(const ScreenJob& job, const chem::FeaturizerOptions& options) {
  References refs;
  if (job.references.empty()) return refs;
  chem::MoleculeReader reader({job.references}, chem::ReaderOptions{});
  std::vector<chem::InputRecord> records;
  while (reader.next_batch(records, 4096)) {
  }
  chem::FeaturizerOptions fingerprints_only = options;
  fingerprints_only.fingerprints_only = true;
  const models::MoleculeSet set = models::MoleculeFeaturizer(fingerprints_only).featurize(std::move(records));
  std::vector<std::uint32_t> valid;
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (!set.valid(i)) throw Error(job.references + ": reference " + set.ids[i] + ": " + set.errors[i]);
    valid.push_back(static_cast<std::uint32_t>(i));
  }
  if (valid.empty()) throw Error(job.references + ": no reference molecules");
  refs.ids = set.ids;
  refs.fingerprints = set.fingerprints;
  refs.library = std::make_unique<kernels::SearchLibrary>(
      kernels::FingerprintMatrix{refs.fingerprints.data(), set.size(), set.fingerprint_words}, valid);
  return refs;
}

struct Provenance {
  std::vector<std::string> library_sha256;
  std::vector<std::string> model_sha256;
  std::string references_sha256;
  std::string fingerprint;
};

// Ranks every scored row, picks the diverse selection from the best `pool`, and streams the
// parts into the results store (temporary name, renamed when complete).
void merge(const ScreenRequest& request, const Parts& parts, std::uint64_t chunks, unsigned words,
           const std::vector<ScoringModel>& models, const Provenance& provenance, ScreenReport& report) {
  const ScreenJob& job = request.job;
  std::vector<std::pair<double, std::uint64_t>> scored;  // 16 bytes per scored molecule
  std::uint64_t rows = 0;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const hdf5::File part(parts.chunk_path(c).string(), hdf5::File::Mode::ReadOnly);
    const std::uint64_t n = table_rows(part, "/results");
    const ResultTable t = read_table(part, "/results", 0, n, {"valid", "passes_filters", "score"});
    const auto& score = t.at("score").numbers;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!std::isnan(score[i])) scored.emplace_back(score[i], rows + i);
      report.valid += t.at("valid").flags[i] == 1;
      report.passed_filters += t.at("passes_filters").flags[i] == 1;
    }
    rows += n;
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<std::int64_t> rank(rows, 0);
  for (std::size_t r = 0; r < scored.size(); ++r) rank[scored[r].second] = static_cast<std::int64_t>(r + 1);

  // Diverse selection: best first among the selectable rows (the union of the parts' pools
  // holds the best `pool` of them), skipping molecules too similar to one already kept.
  std::vector<std::pair<double, std::uint64_t>> candidates;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> fingerprints;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const hdf5::File part(parts.chunk_path(c).string(), hdf5::File::Mode::ReadOnly);
    const auto pool_rows = part.read<std::uint64_t>("/pool/rows");
    if (pool_rows.empty()) continue;
    const auto fps = part.read<std::uint64_t>("/pool/fingerprints");
    for (std::size_t k = 0; k < pool_rows.size(); ++k) {
      candidates.emplace_back(scored[static_cast<std::size_t>(rank[pool_rows[k]] - 1)].first, pool_rows[k]);
      fingerprints[pool_rows[k]].assign(fps.begin() + k * words, fps.begin() + (k + 1) * words);
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  const std::size_t pool = std::min<std::size_t>(job.pool, candidates.size());
  report.scored = scored.size();
  report.any_selectable = !candidates.empty();
  std::vector<std::uint64_t> selection;
  std::vector<double> selection_score;
  for (std::size_t r = 0; r < pool && selection.size() < job.keep; ++r) {
    if (!(candidates[r].first > 0)) break;  // a zero desirability makes a molecule unacceptable
    const auto& fp = fingerprints.at(candidates[r].second);
    const bool distinct = job.diversity >= 1.0 ||
        std::all_of(selection.begin(), selection.end(), [&](std::uint64_t kept) {
          return kernels::pair_similarity(kernels::Metric{}, fp.data(), fingerprints.at(kept).data(), words) <=
                 job.diversity;
        });
    if (distinct) {
      selection.push_back(candidates[r].second);
      selection_score.push_back(candidates[r].first);
    }
  }
  std::vector<std::int64_t> selection_rank(rows, 0);
  for (std::size_t k = 0; k < selection.size(); ++k) selection_rank[selection[k]] = static_cast<std::int64_t>(k + 1);
  report.rows = rows;
  report.selected = selection.size();

  const std::string partial = request.output + ".partial";
  {
    hdf5::File out(partial, hdf5::File::Mode::Create);
    out.set_attribute("/", "schema", std::string("molsieve results store"));
    out.set_attribute("/", "schema_version", static_cast<std::int64_t>(kResultsSchemaVersion));
    out.set_attribute("/", "tool_version", std::string(MOLSIEVE_VERSION));
    out.set_attribute("/", "created", utc_timestamp());
    TableWriter results(out, "/results");
    for (std::uint64_t c = 0, first = 0; c < chunks; ++c) {
      const hdf5::File part(parts.chunk_path(c).string(), hdf5::File::Mode::ReadOnly);
      const std::uint64_t n = table_rows(part, "/results");
      ResultTable t = read_table(part, "/results", 0, n);
      t.add("rank", ColumnKind::Integer).integers.assign(rank.begin() + first, rank.begin() + first + n);
      t.add("selection_rank", ColumnKind::Integer)
          .integers.assign(selection_rank.begin() + first, selection_rank.begin() + first + n);
      results.append(t);
      first += n;
    }
    results.finish();
    std::vector<std::int64_t> selected_rows(selection.begin(), selection.end());
    hdf5::AppendableDataset(out, "/selection/index", hdf5::Type::Int64, 0, 1024).append(selected_rows);
    hdf5::AppendableDataset(out, "/selection/score", hdf5::Type::Float64, 0, 1024).append(selection_score);

    std::vector<ScoreTerm> terms;
    for (const ScoringModel& s : models) {
      const std::string& name = s.term->name;
      if (s.affinity) {
        const std::string& task = s.model.card().tasks[s.scored_task];
        terms.push_back({name, "affinity", task, task + "_std", name + "_in_domain", "d_" + name, s.term->weight});
      } else {
        terms.push_back({name, "toxicity", name + "_max", "", name + "_in_domain", "d_" + name, s.term->weight});
      }
    }
    if (!job.references.empty())
      terms.push_back({"similarity", "similarity", "reference_similarity", "", "", "d_similarity", job.similarity_weight});
    write_score_terms(out, terms);

    out.create_group("/provenance");
    out.set_attribute("/provenance", "job_file", job.path);
    out.set_attribute("/provenance", "job_name", job.name);
    out.set_attribute("/provenance", "job", job.text);
    out.set_attribute("/provenance", "job_sha256", provenance.fingerprint);
    out.set_attribute("/provenance", "library", job.library);
    out.set_attribute("/provenance", "library_sha256", provenance.library_sha256);
    std::vector<std::string> model_names, model_paths, cards, scored_tasks;
    for (const ScoringModel& s : models) {
      const auto& tasks = s.model.card().tasks;
      std::string scored = s.affinity ? tasks[s.scored_task] : std::string();
      for (std::size_t t : s.risk_tasks) scored += (scored.empty() ? "" : ",") + tasks[t];
      scored_tasks.push_back((s.affinity ? "affinity:" : "toxicity:") + scored);
      model_names.push_back(s.term->name);
      model_paths.push_back(s.term->path);
      cards.push_back(models::card_to_json(s.model.card()));
    }
    out.set_attribute("/provenance", "models", model_names);
    out.set_attribute("/provenance", "model_paths", model_paths);
    out.set_attribute("/provenance", "model_sha256", provenance.model_sha256);
    out.set_attribute("/provenance", "model_cards", cards);
    out.set_attribute("/provenance", "model_roles", scored_tasks);
    out.set_attribute("/provenance", "references", job.references);
    out.set_attribute("/provenance", "references_sha256", provenance.references_sha256);
    out.set_attribute("/provenance", "chunk_size", static_cast<std::int64_t>(job.chunk_size));
    out.set_attribute("/provenance", "device", report.device);
    out.set_attribute("/", "rows", static_cast<std::int64_t>(rows));
    out.set_attribute("/", "valid", static_cast<std::int64_t>(report.valid));
    out.set_attribute("/", "passed_filters", static_cast<std::int64_t>(report.passed_filters));
    out.set_attribute("/", "selected", static_cast<std::int64_t>(report.selected));
    out.set_attribute("/", "selection_rule",
                      std::string(job.require_in_domain ? "scored and inside every affinity model's applicability domain"
                                                        : "scored"));
    out.flush();
    out.set_attribute("/", "complete", static_cast<std::int64_t>(1));
  }
  fs::rename(partial, request.output);
}

}  // namespace

ScreenReport run_screen(const ScreenRequest& request, const ScreenProgress& progress) {
  const auto start = Clock::now();
  const ScreenJob& job = request.job;
  ScreenReport report;
  const bool output_exists = fs::exists(request.output);
  if (output_exists && !request.overwrite && !request.resume)
    throw Error(request.output + ": exists (use --overwrite to replace it, or --resume to finish an interrupted run)");
  Provenance provenance;
  provenance.fingerprint =
      job_fingerprint(job, provenance.library_sha256, provenance.model_sha256, provenance.references_sha256);
  Parts parts(request.output, provenance.fingerprint);
  if (parts.exists() && !request.resume && !request.overwrite)
    throw Error(request.output + ": an interrupted run left " + parts.dir().string() +
                " (use --resume to finish it, or --overwrite to start over)");
  // Without parts, --resume finds either nothing to do or another job's results.
  if (request.resume && !parts.exists() && output_exists && !request.overwrite) {
    if (!is_complete_results_store(request.output))
      throw Error(request.output + ": exists but is not a complete results store (use --overwrite to replace it)");
    if (results_job_fingerprint(request.output) != provenance.fingerprint)
      throw Error(request.output + ": was made by another job or other inputs (use --overwrite to replace it)");
    report.already_complete = true;
    return report;
  }

  LibrarySource source(job);
  chem::FeaturizerOptions featurizer_options;
  featurizer_options.standardize = job.standardize;
  if (source.stores()) {
    const chem::LibrarySummary first = source.store_readers().front()->summary();
    for (const auto& store : source.store_readers()) {
      const chem::LibrarySummary s = store->summary();
      if (s.fp_bits != first.fp_bits || s.fp_radius != first.fp_radius || s.standardized != first.standardized)
        throw Error(s.path + ": fingerprints or standardization differ from " + first.path);
    }
    featurizer_options.standardize = first.standardized;
    featurizer_options.fp_bits = first.fp_bits;
    featurizer_options.fp_radius = first.fp_radius;
  }
  std::vector<ScoringModel> models = load_models(job, source, request.device, report.device);
  const kernels::BackendSelection backend = kernels::select_backend(kernels::parse_device(request.device));
  if (models.empty()) report.device = std::string(kernels::backend_name(backend.backend));
  const References references = read_references(job, featurizer_options);
  const models::MoleculeFeaturizer featurizer(featurizer_options);
  const Scorer scorer(job, models, references, backend.backend);
  const unsigned words = featurizer_options.fp_bits / 64;

  // An existing output stays untouched until the merge replaces it whole.
  const bool fresh = !(request.resume && parts.exists());
  if (fresh)
    parts.start_fresh();
  else
    parts.resume(request.output);
  std::uint64_t chunks_written = 0;
  bool cancelled = false;
  try {

    // Stages run on different threads: counts are atomics, copied into a ScreenStatus to report.
    std::atomic<std::uint64_t> rows_read{0}, rows_featurized{0}, rows_scored{0}, bytes_done{0}, bytes_total{0};
    ScreenStatus status;
    status.rows_total = source.rows_total();
    std::uint64_t chunk_count = 0;
    auto cancel_requested = [&] { return request.cancel && request.cancel->load(); };
    tbb::parallel_pipeline(
        kChunksInFlight,
        tbb::make_filter<void, Chunk*>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> Chunk* {
              if (cancel_requested()) {
                cancelled = true;
                fc.stop();
                return nullptr;
              }
              auto chunk = std::make_unique<Chunk>();
              chunk->index = chunk_count;
              chunk->finished_before = parts.has(chunk->index);
              const auto t0 = Clock::now();
              bool got;
              {
                std::lock_guard<std::mutex> lock(hdf5_mutex);
                got = source.next(*chunk, !chunk->finished_before);
              }
              if (!got || chunk->rows == 0) {
                fc.stop();
                return nullptr;
              }
              chunk->seconds[kRead] = seconds_since(t0);
              ++chunk_count;
              rows_read += chunk->rows;
              const Progress p = source.progress();
              bytes_done = p.bytes_done;
              bytes_total = p.bytes_total;
              return chunk.release();
            }) &
            tbb::make_filter<Chunk*, Chunk*>(
                tbb::filter_mode::parallel,
                [&](Chunk* chunk) -> Chunk* {
                  if (chunk->finished_before || chunk->records.empty()) {
                    rows_featurized += chunk->rows;
                    return chunk;
                  }
                  const auto t0 = Clock::now();
                  auto molecules = featurizer.featurize_molecules(std::move(chunk->records));
                  const auto& families = chem::AlertCatalog::families();
                  for (const auto& m : molecules) {
                    chunk->lipinski.push_back(m.ok() ? m.descriptors.lipinski_violations : -1);
                    chunk->veber.push_back(m.ok() ? (m.descriptors.veber ? 1 : 0) : -1);
                    chunk->descriptors.insert(chunk->descriptors.end(), m.descriptors.values.begin(),
                                              m.descriptors.values.end());
                    std::vector<std::int16_t> counts(families.size(), 0);
                    for (std::uint16_t a : m.alerts) ++counts[featurizer.alerts().family_index(a)];
                    chunk->alert_counts.insert(chunk->alert_counts.end(), counts.begin(), counts.end());
                  }
                  chunk->molecules = models::to_molecule_set(std::move(molecules), words);
                  chunk->seconds[kFeaturize] = seconds_since(t0);
                  rows_featurized += chunk->rows;
                  return chunk;
                }) &
            tbb::make_filter<Chunk*, Chunk*>(
                tbb::filter_mode::serial_in_order,
                [&](Chunk* chunk) -> Chunk* {
                  if (!chunk->finished_before) {
                    const auto t0 = Clock::now();
                    scorer.score(*chunk);
                    chunk->seconds[kScore] = seconds_since(t0);
                  }
                  rows_scored += chunk->rows;
                  return chunk;
                }) &
            tbb::make_filter<Chunk*, void>(tbb::filter_mode::serial_in_order, [&](Chunk* owned) {
              std::unique_ptr<Chunk> chunk(owned);
              if (chunk->finished_before) {
                ++report.chunks_resumed;
              } else {
                const auto t0 = Clock::now();
                {
                  std::lock_guard<std::mutex> lock(hdf5_mutex);
                  parts.write(*chunk, words);
                }
                ++chunks_written;
                chunk->seconds[kWrite] = seconds_since(t0);
                for (int s = 0; s < 4; ++s) report.stage_seconds[s] += chunk->seconds[s];
              }
              status.rows_written += chunk->rows;
              status.rows_read = rows_read;
              status.rows_featurized = rows_featurized;
              status.rows_scored = rows_scored;
              status.bytes_done = bytes_done;
              status.bytes_total = bytes_total;
              status.chunks_resumed = report.chunks_resumed;
              if (progress) progress(status);
            }));
    if (cancelled)
      throw Error("interrupted: " + std::to_string(chunk_count) + " chunk(s) of " + request.output +
                  " kept in " + parts.dir().string() + "; run again with --resume to finish");
    report.chunks = chunk_count;
    if (chunk_count == 0) throw Error(job.path + ": the library has no molecules");
    merge(request, parts, chunk_count, words, models, provenance, report);
  } catch (const std::exception& e) {
    if (cancelled) throw;
    // A run that failed keeps its parts only when they hold finished work worth resuming.
    if (fresh && chunks_written == 0) {
      fs::remove_all(parts.dir());
      throw;
    }
    throw Error(std::string(e.what()) + " (" + std::to_string(chunks_written) + " finished chunk(s) kept in " +
                parts.dir().string() + "; --resume continues once the cause is fixed)");
  }
  fs::remove_all(parts.dir());
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace molsieve::workflows
