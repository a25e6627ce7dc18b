#include "workflows/screen/source.h"

#include <algorithm>

#include "chem/alerts.h"
#include "chem/library_store.h"
#include "chem/molecule_reader.h"
#include "core/error.h"
#include "core/hdf5_file.h"

namespace molsieve::workflows {
namespace {

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

// Sets `value` at `row` of the chunk's input column `name`, added (empty for every row) when new.
void set_input(ResultTable& inputs, std::uint64_t rows, const std::string& name, std::uint64_t row, std::string value) {
  Column* found = inputs.find(name);
  Column& column = found ? *found : inputs.add(name, ColumnKind::Text);
  column.texts.resize(rows);
  column.texts[row] = std::move(value);
}

}  // namespace

LibrarySource::LibrarySource(const ScreenJob& job) : chunk_size_(job.chunk_size) {
  const auto is_store = [](const std::string& p) { return hdf5::is_hdf5_file(p); };
  const std::size_t stores = std::count_if(job.library.begin(), job.library.end(), is_store);
  if (stores > 0 && stores < job.library.size())
    throw Error(job.path + ": library.inputs mixes library stores and molecule files; featurize the files "
                "into a store first (molsieve featurize)");
  featurizer_options_.standardize = job.standardize;
  if (stores == 0) {
    chem::ReaderOptions options;
    options.smiles_column = job.smiles_column;
    options.id_column = job.id_column;
    reader_ = std::make_unique<chem::MoleculeReader>(job.library, options);
    return;
  }
  stores_watch_.emplace(job.library);
  for (const auto& path : job.library) {
    stores_.push_back(std::make_unique<chem::LibraryReader>(path));
    rows_total_ += stores_.back()->size();
  }
  const chem::LibrarySummary first = stores_.front()->summary();
  for (const auto& store : stores_) {
    const chem::LibrarySummary s = store->summary();
    if (s.fp_bits != first.fp_bits || s.fp_radius != first.fp_radius || s.standardized != first.standardized)
      throw Error(s.path + ": fingerprints or standardization differ from " + first.path);
  }
  featurizer_options_.standardize = first.standardized;
  featurizer_options_.fp_bits = first.fp_bits;
  featurizer_options_.fp_radius = first.fp_radius;
}

LibrarySource::~LibrarySource() = default;

Progress LibrarySource::progress() const { return reader_ ? reader_->progress() : Progress{}; }

bool LibrarySource::read(std::uint64_t index, Chunk& chunk, bool& last) {
  chunk.index = index;
  chunk.first_row = index * chunk_size_;
  if (!reader_) {
    if (chunk.first_row >= rows_total_) return false;
    chunk.rows = std::min<std::uint64_t>(chunk_size_, rows_total_ - chunk.first_row);
    last = chunk.first_row + chunk.rows >= rows_total_;
    // A store rewritten under its open file reads as garbage or HDF5 errors: fail naming it.
    stores_watch_->check();
    read_store_rows(chunk);
    return true;
  }
  if (index < next_index_) throw Error("internal: library chunks must be read in increasing order");
  while (!exhausted_) {
    std::vector<chem::InputRecord> records;
    const bool any = reader_->next_batch(records, chunk_size_);
    if (!any) {
      exhausted_ = true;
      break;
    }
    if (records.size() < chunk_size_) exhausted_ = true;
    if (next_index_++ == index) {
      chunk.records = std::move(records);
      chunk.rows = chunk.records.size();
      last = exhausted_;
      return true;
    }
  }
  return false;
}

void LibrarySource::read_store_rows(Chunk& chunk) const {
  const auto& families = chem::AlertCatalog::families();
  std::uint64_t row = chunk.first_row, left = chunk.rows, store_first = 0;
  for (const auto& store : stores_) {
    const std::uint64_t size = store->size();
    if (row < store_first + size && left > 0) {
      const std::uint64_t first = row - store_first, count = std::min(left, size - first);
      append_molecules(chunk.molecules, models::read_store_rows(*store, first, count));
      const auto lipinski = store->lipinski_violations(first, count);
      const auto veber = store->veber(first, count);
      chunk.lipinski.insert(chunk.lipinski.end(), lipinski.begin(), lipinski.end());
      chunk.veber.insert(chunk.veber.end(), veber.begin(), veber.end());
      std::vector<std::vector<double>> descriptors;
      for (const char* name : chem::descriptor_names())
        descriptors.push_back(store->descriptor(name, first, count));
      for (std::uint64_t i = 0; i < count; ++i)
        for (const auto& d : descriptors) chunk.descriptors.push_back(d[i]);
      std::vector<std::vector<std::int16_t>> counts;
      for (const auto& family : families)
        counts.push_back(store->alert_counts(family, first, count));
      for (std::uint64_t i = 0; i < count; ++i)
        for (std::size_t f = 0; f < families.size(); ++f) chunk.alert_counts.push_back(counts[f][i]);
      const std::vector<std::string> columns = store->property_columns();
      std::vector<std::vector<std::string>> values = store->properties(first, count);
      for (std::size_t c = 0; c < columns.size(); ++c)
        for (std::uint64_t i = 0; i < count; ++i)
          set_input(chunk.inputs, chunk.rows, columns[c], row - chunk.first_row + i, std::move(values[c][i]));
      row += count;
      left -= count;
    }
    store_first += size;
  }
}

void featurize_chunk(const models::MoleculeFeaturizer& featurizer, unsigned fingerprint_words, Chunk& chunk) {
  if (chunk.records.empty()) return;
  auto molecules = featurizer.featurize_molecules(std::move(chunk.records));
  chunk.records.clear();
  const auto& families = chem::AlertCatalog::families();
  for (std::size_t i = 0; i < molecules.size(); ++i)
    for (auto& [name, value] : molecules[i].properties) set_input(chunk.inputs, chunk.rows, name, i, std::move(value));
  for (const auto& m : molecules) {
    chunk.lipinski.push_back(m.ok() ? m.descriptors.lipinski_violations : -1);
    chunk.veber.push_back(m.ok() ? (m.descriptors.veber ? 1 : 0) : -1);
    chunk.descriptors.insert(chunk.descriptors.end(), m.descriptors.values.begin(), m.descriptors.values.end());
    std::vector<std::int16_t> counts(families.size(), 0);
    for (std::uint16_t a : m.alerts) ++counts[featurizer.alerts().family_index(a)];
    chunk.alert_counts.insert(chunk.alert_counts.end(), counts.begin(), counts.end());
  }
  chunk.molecules = models::to_molecule_set(std::move(molecules), fingerprint_words);
}

}  // namespace molsieve::workflows
