#include "cohort/population.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/store_file.h"

namespace molsieve::cohort {
namespace {

constexpr const char* kSchema = "molsieve population store";
constexpr std::int64_t kVersion = 2;  // 2: /vocabulary
constexpr std::uint64_t kChunkRows = 65536;
constexpr const char* kVocabulary[3] = {"/vocabulary/condition_concepts", "/vocabulary/drug_concepts",
                                        "/vocabulary/measurement_concepts"};
// OMOP's vocabulary tables, optional (stores written before them have neither).
constexpr const char* kConceptGroup = "/concept";
constexpr const char* kConceptTexts[5] = {"concept_name", "domain_id", "vocabulary_id", "standard_concept",
                                          "concept_code"};
constexpr const char* kAncestorGroup = "/concept_ancestor";
constexpr const char* kAncestorColumns[4] = {"ancestor_concept_id", "descendant_concept_id",
                                             "min_levels_of_separation", "max_levels_of_separation"};

// The vocabulary with only the concept_ancestor pairs whose descendant the population records
// (in any of the `recorded` tables): the others cannot match a patient, and a full OMOP
// concept_ancestor (tens of millions of pairs) would be read by every cohort run.
ConceptVocabulary recorded_ancestry(const ConceptVocabulary& v, const std::vector<std::int32_t> (&recorded)[3]) {
  std::vector<ConceptAncestry> kept;
  for (const ConceptAncestry& a : v.ancestry())
    for (const auto& ids : recorded)
      if (std::binary_search(ids.begin(), ids.end(), a.descendant_concept_id)) {
        kept.push_back(a);
        break;
      }
  return ConceptVocabulary(v.concepts(), std::move(kept), "the population's vocabulary");
}

void write_concept_vocabulary(hdf5::File& f, const ConceptVocabulary& v) {
  f.create_group(kConceptGroup);
  std::vector<std::int32_t> ids;
  std::vector<std::string> texts[5];
  for (const Concept& c : v.concepts()) {
    ids.push_back(c.concept_id);
    const std::string* fields[5] = {&c.concept_name, &c.domain_id, &c.vocabulary_id, &c.standard_concept,
                                    &c.concept_code};
    for (int k = 0; k < 5; ++k) texts[k].push_back(*fields[k]);
  }
  const std::string group = kConceptGroup;
  hdf5::AppendableDataset(f, group + "/concept_id", hdf5::Type::Int32, 0, 4096).append(ids);
  for (int k = 0; k < 5; ++k)
    hdf5::AppendableDataset(f, group + "/" + kConceptTexts[k], hdf5::Type::String, 0, 4096).append_strings(texts[k]);
  f.create_group(kAncestorGroup);
  std::vector<std::int32_t> columns[4];
  for (const ConceptAncestry& a : v.ancestry()) {
    columns[0].push_back(a.ancestor_concept_id);
    columns[1].push_back(a.descendant_concept_id);
    columns[2].push_back(a.min_levels_of_separation);
    columns[3].push_back(a.max_levels_of_separation);
  }
  for (int k = 0; k < 4; ++k)
    hdf5::AppendableDataset(f, std::string(kAncestorGroup) + "/" + kAncestorColumns[k], hdf5::Type::Int32, 0, 65536)
        .append(columns[k]);
}

// `into` (sorted, distinct) gains the values of `from`.
void add_distinct(std::vector<std::int32_t>& into, std::vector<std::int32_t> from) {
  std::sort(from.begin(), from.end());
  from.erase(std::unique(from.begin(), from.end()), from.end());
  std::vector<std::int32_t> merged;
  merged.reserve(into.size() + from.size());
  std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(merged));
  into.swap(merged);
}
constexpr const char* kEventTables[3] = {"/observation_period", "/condition_occurrence", "/drug_exposure"};
constexpr const char* kConceptColumns[3] = {"observation_period_type_concept_id", "condition_concept_id",
                                            "drug_concept_id"};
// Date columns are <prefix>_start_date and <prefix>_end_date, as OMOP names them.
constexpr const char* kDatePrefixes[3] = {"observation_period", "condition", "drug_exposure"};

std::int16_t code_of(std::vector<std::string>& names, const std::string& name) {
  const auto found = std::find(names.begin(), names.end(), name);
  if (found != names.end()) return static_cast<std::int16_t>(found - names.begin());
  if (names.size() >= 32767) throw Error("more than 32767 distinct names in one column of the population");
  names.push_back(name);
  return static_cast<std::int16_t>(names.size() - 1);
}

void check_offsets(const std::vector<std::uint64_t>& offsets, std::size_t persons, std::size_t rows,
                   const std::string& where) {
  if (offsets.size() != persons + 1 || offsets.front() != 0 || offsets.back() != rows ||
      !std::is_sorted(offsets.begin(), offsets.end()))
    throw Error(where + ": event offsets do not match the persons");
}

// Offsets of `slice` as rows of the whole store: shifted by the rows already written, and
// without the leading one after the first slice.
std::vector<std::uint64_t> store_offsets(const std::vector<std::uint64_t>& offsets, std::uint64_t row_end,
                                         bool first_slice) {
  std::vector<std::uint64_t> out(offsets.begin() + (first_slice ? 0 : 1), offsets.end());
  for (auto& o : out) o += row_end;
  return out;
}

std::vector<std::int16_t> remap(const std::vector<std::int16_t>& codes, const std::vector<std::string>& names,
                                std::vector<std::string>& store_names) {
  std::vector<std::int16_t> map(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) map[k] = code_of(store_names, names[k]);
  std::vector<std::int16_t> out(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) out[i] = map[codes[i]];
  return out;
}

}  // namespace

std::int16_t MeasurementTable::unit_code(const std::string& name) { return code_of(units, name); }
std::int16_t GenotypeTable::gene_code(const std::string& name) { return code_of(genes, name); }
std::int16_t GenotypeTable::result_code(const std::string& name) { return code_of(results, name); }

void Population::check_shape(const std::string& where) const {
  const std::size_t n = persons();
  if (year_of_birth.size() != n || gender_concept_id.size() != n || race_concept_id.size() != n ||
      ethnicity_concept_id.size() != n)
    throw Error(where + ": person columns differ in length");
  check_offsets(observation_period.offsets, n, observation_period.rows(), where + ": observation_period");
  check_offsets(condition.offsets, n, condition.rows(), where + ": condition_occurrence");
  check_offsets(drug.offsets, n, drug.rows(), where + ": drug_exposure");
  check_offsets(measurement.offsets, n, measurement.rows(), where + ": measurement");
  check_offsets(genotype.offsets, n, genotype.rows(), where + ": genotype");
}

namespace {

template <typename T>
void extend(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

void extend_offsets(std::vector<std::uint64_t>& to, const std::vector<std::uint64_t>& from) {
  const std::uint64_t base = to.back();
  for (std::size_t i = 1; i < from.size(); ++i) to.push_back(base + from[i]);
}

}  // namespace

void append_population(Population& to, const Population& from) {
  extend(to.person_id, from.person_id);
  extend(to.year_of_birth, from.year_of_birth);
  extend(to.gender_concept_id, from.gender_concept_id);
  extend(to.race_concept_id, from.race_concept_id);
  extend(to.ethnicity_concept_id, from.ethnicity_concept_id);
  EventTable* to_events[3] = {&to.observation_period, &to.condition, &to.drug};
  const EventTable* from_events[3] = {&from.observation_period, &from.condition, &from.drug};
  for (int t = 0; t < 3; ++t) {
    extend_offsets(to_events[t]->offsets, from_events[t]->offsets);
    extend(to_events[t]->concept_id, from_events[t]->concept_id);
    extend(to_events[t]->start, from_events[t]->start);
    extend(to_events[t]->end, from_events[t]->end);
  }
  MeasurementTable& m = to.measurement;
  extend_offsets(m.offsets, from.measurement.offsets);
  extend(m.concept_id, from.measurement.concept_id);
  extend(m.date, from.measurement.date);
  extend(m.value, from.measurement.value);
  extend(m.unit, remap(from.measurement.unit, from.measurement.units, m.units));
  extend(m.range_low, from.measurement.range_low);
  extend(m.range_high, from.measurement.range_high);
  GenotypeTable& g = to.genotype;
  extend_offsets(g.offsets, from.genotype.offsets);
  extend(g.gene, remap(from.genotype.gene, from.genotype.genes, g.genes));
  extend(g.result, remap(from.genotype.result, from.genotype.results, g.results));
  extend(g.value, from.genotype.value);
}

struct PopulationWriter::Datasets {
  hdf5::AppendableDataset person_id, year_of_birth, gender, race, ethnicity;
  hdf5::AppendableDataset event_offsets[3], event_concept[3], event_start[3], event_end[3];
  hdf5::AppendableDataset m_offsets, m_concept, m_date, m_value, m_unit, m_low, m_high;
  hdf5::AppendableDataset g_offsets, g_gene, g_result, g_value;
};

PopulationWriter::PopulationWriter(const std::string& path, const PopulationProvenance& provenance)
    : path_(path), provenance_(provenance), store_(std::make_unique<hdf5::StoreWriter>(path, kSchema, kVersion)) {
  datasets_ = std::make_unique<Datasets>();
  hdf5::File& f = store_->file();
  Datasets& d = *datasets_;
  using hdf5::Type;
  auto make = [&](const std::string& p, Type type) { return hdf5::AppendableDataset(f, p, type, 0, kChunkRows); };
  f.create_group("/person");
  d.person_id = make("/person/person_id", Type::Int64);
  d.year_of_birth = make("/person/year_of_birth", Type::Int32);
  d.gender = make("/person/gender_concept_id", Type::Int32);
  d.race = make("/person/race_concept_id", Type::Int32);
  d.ethnicity = make("/person/ethnicity_concept_id", Type::Int32);
  for (int t = 0; t < 3; ++t) {
    const std::string g = kEventTables[t];
    f.create_group(g);
    d.event_offsets[t] = make(g + "/offsets", Type::UInt64);
    d.event_concept[t] = make(g + "/" + kConceptColumns[t], Type::Int32);
    const std::string prefix = kDatePrefixes[t];
    d.event_start[t] = make(g + "/" + prefix + "_start_date", Type::Int32);
    d.event_end[t] = make(g + "/" + prefix + "_end_date", Type::Int32);
  }
  f.create_group("/measurement");
  d.m_offsets = make("/measurement/offsets", Type::UInt64);
  d.m_concept = make("/measurement/measurement_concept_id", Type::Int32);
  d.m_date = make("/measurement/measurement_date", Type::Int32);
  d.m_value = make("/measurement/value_as_number", Type::Float64);
  d.m_unit = make("/measurement/unit", Type::Int16);
  d.m_low = make("/measurement/range_low", Type::Float64);
  d.m_high = make("/measurement/range_high", Type::Float64);
  f.create_group("/genotype");
  d.g_offsets = make("/genotype/offsets", Type::UInt64);
  d.g_gene = make("/genotype/gene", Type::Int16);
  d.g_result = make("/genotype/result", Type::Int16);
  d.g_value = make("/genotype/value", Type::Float64);
}

PopulationWriter::~PopulationWriter() = default;

void PopulationWriter::append(const Population& s) {
  s.check_shape(path_);
  Datasets& d = *datasets_;
  const bool first = persons_ == 0;
  d.person_id.append(s.person_id);
  d.year_of_birth.append(s.year_of_birth);
  d.gender.append(s.gender_concept_id);
  d.race.append(s.race_concept_id);
  d.ethnicity.append(s.ethnicity_concept_id);
  const EventTable* events[3] = {&s.observation_period, &s.condition, &s.drug};
  for (int t = 0; t < 3; ++t) {
    d.event_offsets[t].append(store_offsets(events[t]->offsets, row_ends_[t], first));
    d.event_concept[t].append(events[t]->concept_id);
    d.event_start[t].append(events[t]->start);
    d.event_end[t].append(events[t]->end);
    row_ends_[t] += events[t]->rows();
  }
  add_distinct(concepts_[0], s.condition.concept_id);
  add_distinct(concepts_[1], s.drug.concept_id);
  add_distinct(concepts_[2], s.measurement.concept_id);
  const MeasurementTable& m = s.measurement;
  d.m_offsets.append(store_offsets(m.offsets, row_ends_[3], first));
  d.m_concept.append(m.concept_id);
  d.m_date.append(m.date);
  d.m_value.append(m.value);
  d.m_unit.append(remap(m.unit, m.units, units_));
  d.m_low.append(m.range_low);
  d.m_high.append(m.range_high);
  row_ends_[3] += m.rows();
  const GenotypeTable& g = s.genotype;
  d.g_offsets.append(store_offsets(g.offsets, row_ends_[4], first));
  d.g_gene.append(remap(g.gene, g.genes, genes_));
  d.g_result.append(remap(g.result, g.results, results_));
  d.g_value.append(g.value);
  row_ends_[4] += g.rows();
  persons_ += s.persons();
}

void PopulationWriter::finish() {
  if (persons_ == 0) {  // the offsets datasets need their leading zero
    append(Population{});
  }
  hdf5::File& f = store_->file();
  f.create_group("/vocabulary");
  for (int t = 0; t < 3; ++t)
    hdf5::AppendableDataset(f, kVocabulary[t], hdf5::Type::Int32, 0, 4096).append(concepts_[t]);
  if (!vocabulary_.empty()) write_concept_vocabulary(f, recorded_ancestry(vocabulary_, concepts_));
  f.set_attribute("/measurement", "units", units_);
  f.set_attribute("/genotype", "genes", genes_);
  f.set_attribute("/genotype", "results", results_);
  f.set_attribute("/", "persons", static_cast<std::int64_t>(persons_));
  f.set_attribute("/", "synthetic", static_cast<std::int64_t>(provenance_.synthetic ? 1 : 0));
  f.set_attribute("/", "source", provenance_.source);
  f.set_attribute("/", "dates", std::string("days since 1970-01-01"));
  datasets_.reset();
  store_->commit();
}

namespace {

std::vector<ConceptAncestry> read_ancestry(const hdf5::File& f, const std::string& path) {
  std::vector<std::int32_t> columns[4];
  for (int k = 0; k < 4; ++k) {
    columns[k] = f.read<std::int32_t>(std::string(kAncestorGroup) + "/" + kAncestorColumns[k]);
    if (columns[k].size() != columns[0].size()) throw Error(path + ": " + kAncestorGroup + " columns differ in length");
  }
  std::vector<ConceptAncestry> ancestry(columns[0].size());
  for (std::size_t i = 0; i < ancestry.size(); ++i)
    ancestry[i] = ConceptAncestry{columns[0][i], columns[1][i], columns[2][i], columns[3][i]};
  return ancestry;
}

}  // namespace

PopulationStoreInfo read_population_info(const std::string& path) {
  const hdf5::File f(path, hdf5::File::Mode::ReadOnly);
  const hdf5::StoreHeader header = hdf5::read_store_header(f);
  if (header.schema != kSchema)
    throw Error(path + ": not a molsieve population store (make one with import-population or synth-population)");
  if (header.schema_version != kVersion)
    throw Error(path + ": population store version " + std::to_string(header.schema_version) +
                " is not the version this molsieve reads (" + std::to_string(kVersion) + ")");
  if (!header.complete) throw Error(path + ": the population store is incomplete");
  PopulationStoreInfo info;
  info.persons = static_cast<std::uint64_t>(f.int_attribute("/", "persons"));
  info.provenance.synthetic = f.int_attribute("/", "synthetic") == 1;
  info.provenance.source = f.string_attribute("/", "source");
  return info;
}

PopulationVocabulary read_population_vocabulary(const std::string& path) {
  read_population_info(path);
  const hdf5::File f(path, hdf5::File::Mode::ReadOnly);
  PopulationVocabulary v;
  v.condition_concepts = f.read<std::int32_t>(kVocabulary[0]);
  v.drug_concepts = f.read<std::int32_t>(kVocabulary[1]);
  v.measurement_concepts = f.read<std::int32_t>(kVocabulary[2]);
  v.genes = f.string_list_attribute("/genotype", "genes");
  v.results = f.string_list_attribute("/genotype", "results");
  if (!f.exists(kConceptGroup)) return v;
  // Ids and pairs only: OMOP's concept table has millions of rows, a definition names a few.
  const std::vector<std::int32_t> ids = f.read<std::int32_t>(std::string(kConceptGroup) + "/concept_id");
  std::vector<Concept> concepts(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) concepts[i].concept_id = ids[i];
  v.concepts = ConceptVocabulary(std::move(concepts), read_ancestry(f, path), path);
  v.concept_name = [path, ids](std::int32_t id) {
    const auto row = std::lower_bound(ids.begin(), ids.end(), id);
    if (row == ids.end() || *row != id) return concepts::concept_name(id);
    const hdf5::File store(path, hdf5::File::Mode::ReadOnly);
    return store.read_string_rows(std::string(kConceptGroup) + "/concept_name",
                                  static_cast<std::uint64_t>(row - ids.begin()), 1)
        .front();
  };
  return v;
}

PopulationVocabulary population_vocabulary(const Population& p, ConceptVocabulary concepts) {
  PopulationVocabulary v;
  add_distinct(v.condition_concepts, p.condition.concept_id);
  add_distinct(v.drug_concepts, p.drug.concept_id);
  add_distinct(v.measurement_concepts, p.measurement.concept_id);
  v.genes = p.genotype.genes;
  v.results = p.genotype.results;
  v.concepts = std::move(concepts);
  v.concept_name = [names = v.concepts](std::int32_t id) {
    const Concept* c = names.find(id);
    return c ? c->concept_name : concepts::concept_name(id);
  };
  return v;
}

ConceptVocabulary read_concept_vocabulary(const std::string& path) {
  const hdf5::File f(path, hdf5::File::Mode::ReadOnly);
  if (!f.exists(kConceptGroup)) return {};
  const std::string group = kConceptGroup;
  const auto ids = f.read<std::int32_t>(group + "/concept_id");
  std::vector<std::string> texts[5];
  for (int k = 0; k < 5; ++k) {
    texts[k] = f.read_strings(group + "/" + kConceptTexts[k]);
    if (texts[k].size() != ids.size()) throw Error(path + ": " + group + " columns differ in length");
  }
  std::vector<Concept> concepts(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    concepts[i] = Concept{ids[i], texts[0][i], texts[1][i], texts[2][i], texts[3][i], texts[4][i]};
  return ConceptVocabulary(std::move(concepts), read_ancestry(f, path), path);
}

Population read_population(const std::string& path, std::uint64_t first, std::uint64_t count) {
  const PopulationStoreInfo info = read_population_info(path);
  if (first > info.persons) first = info.persons;
  count = std::min(count, info.persons - first);
  const hdf5::File f(path, hdf5::File::Mode::ReadOnly);
  Population p;
  p.first_person = first;
  p.person_id = f.read_rows<std::int64_t>("/person/person_id", first, count);
  p.year_of_birth = f.read_rows<std::int32_t>("/person/year_of_birth", first, count);
  p.gender_concept_id = f.read_rows<std::int32_t>("/person/gender_concept_id", first, count);
  p.race_concept_id = f.read_rows<std::int32_t>("/person/race_concept_id", first, count);
  p.ethnicity_concept_id = f.read_rows<std::int32_t>("/person/ethnicity_concept_id", first, count);
  // Offsets of the slice, rebased to its first event row.
  auto offsets = [&](const std::string& group, std::uint64_t* row_first, std::uint64_t* rows) {
    auto o = f.read_rows<std::uint64_t>(group + "/offsets", first, count + 1);
    *row_first = o.front();
    *rows = o.back() - o.front();
    for (auto& x : o) x -= *row_first;
    return o;
  };
  EventTable* events[3] = {&p.observation_period, &p.condition, &p.drug};
  for (int t = 0; t < 3; ++t) {
    const std::string g = kEventTables[t];
    const std::string prefix = kDatePrefixes[t];
    std::uint64_t row_first, rows;
    events[t]->offsets = offsets(g, &row_first, &rows);
    events[t]->concept_id = f.read_rows<std::int32_t>(g + "/" + kConceptColumns[t], row_first, rows);
    events[t]->start = f.read_rows<std::int32_t>(g + "/" + prefix + "_start_date", row_first, rows);
    events[t]->end = f.read_rows<std::int32_t>(g + "/" + prefix + "_end_date", row_first, rows);
  }
  std::uint64_t row_first, rows;
  MeasurementTable& m = p.measurement;
  m.offsets = offsets("/measurement", &row_first, &rows);
  m.concept_id = f.read_rows<std::int32_t>("/measurement/measurement_concept_id", row_first, rows);
  m.date = f.read_rows<std::int32_t>("/measurement/measurement_date", row_first, rows);
  m.value = f.read_rows<double>("/measurement/value_as_number", row_first, rows);
  m.unit = f.read_rows<std::int16_t>("/measurement/unit", row_first, rows);
  m.range_low = f.read_rows<double>("/measurement/range_low", row_first, rows);
  m.range_high = f.read_rows<double>("/measurement/range_high", row_first, rows);
  m.units = f.string_list_attribute("/measurement", "units");
  GenotypeTable& g = p.genotype;
  g.offsets = offsets("/genotype", &row_first, &rows);
  g.gene = f.read_rows<std::int16_t>("/genotype/gene", row_first, rows);
  g.result = f.read_rows<std::int16_t>("/genotype/result", row_first, rows);
  g.value = f.read_rows<double>("/genotype/value", row_first, rows);
  g.genes = f.string_list_attribute("/genotype", "genes");
  g.results = f.string_list_attribute("/genotype", "results");
  p.check_shape(path);
  return p;
}

}  // namespace molsieve::cohort
