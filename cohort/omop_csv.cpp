#include "cohort/omop_csv.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "cohort/csv_file.h"
#include "cohort/units.h"
#include "cohort/vocabulary.h"
#include "core/error.h"

namespace molsieve::cohort {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Event rows before grouping by person.
struct PendingRows {
  std::vector<std::uint32_t> person;
  std::vector<Day> day;  // the date that orders a person's rows
};

// The permutation that groups rows by person (persons in order; a person's rows by date,
// then file order), and the offsets of each person's rows.
std::vector<std::size_t> group_by_person(const PendingRows& rows, std::size_t persons,
                                         std::vector<std::uint64_t>* offsets) {
  std::vector<std::size_t> order(rows.person.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (rows.person[a] != rows.person[b]) return rows.person[a] < rows.person[b];
    return rows.day[a] < rows.day[b];
  });
  offsets->assign(persons + 1, 0);
  for (std::uint32_t p : rows.person) ++(*offsets)[p + 1];
  std::partial_sum(offsets->begin(), offsets->end(), offsets->begin());
  return order;
}

using PersonIndex = std::unordered_map<std::int64_t, std::uint32_t>;

std::uint32_t person_row(const PersonIndex& index, const CsvFile& csv, int column) {
  const auto found = index.find(csv.integer(column));
  if (found == index.end())
    throw Error(csv.where(column) + ": person " + csv.field(column) + " is not in person.csv");
  return found->second;
}

// One event row, parsed and checked.
struct EventRow {
  std::uint32_t person;
  std::int32_t concept_id;
  Day start, end;
};

template <typename Sink>
void parse_events(const std::string& path, const PersonIndex& index, const char* concept_column,
                  const char* start_column, const char* end_column, Sink&& sink) {
  CsvFile csv(path);
  const int person = csv.column("person_id"), concept_col = csv.column(concept_column),
            start = csv.column(start_column), end = csv.column(end_column, false);
  while (csv.next()) {
    const std::uint32_t row = person_row(index, csv, person);
    const Day start_day = csv.date(start);
    const Day end_day = csv.date_or(end, start_day);  // an open end is the start (OMOP allows it)
    if (end_day < start_day) throw Error(csv.where(end) + ": ends before it starts");
    sink(EventRow{row, csv.concept_id(concept_col), start_day, end_day});
  }
}

// Groups event rows (persons numbered from `first_person`) into `table`, each person's by date.
void group_events(const std::vector<EventRow>& rows, std::uint64_t first_person, std::size_t persons, EventTable* table) {
  PendingRows order_keys;
  for (const EventRow& r : rows) {
    order_keys.person.push_back(static_cast<std::uint32_t>(r.person - first_person));
    order_keys.day.push_back(r.start);
  }
  const auto order = group_by_person(order_keys, persons, &table->offsets);
  table->concept_id.resize(rows.size());
  table->start.resize(rows.size());
  table->end.resize(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const EventRow& r = rows[order[i]];
    table->concept_id[i] = r.concept_id;
    table->start[i] = r.start;
    table->end[i] = r.end;
  }
}

void read_events(const std::string& path, const PersonIndex& index, std::size_t persons, const char* concept_column,
                 const char* start_column, const char* end_column, EventTable* table) {
  std::vector<EventRow> rows;
  parse_events(path, index, concept_column, start_column, end_column, [&](const EventRow& r) { rows.push_back(r); });
  group_events(rows, 0, persons, table);
}

// One measurement row, its value converted to the analyte's unit (`unit` a code of the
// reader's unit list).
struct MeasurementRow {
  std::uint32_t person;
  std::int32_t concept_id;
  Day date;
  double value;
  std::int16_t unit;
  double range_low, range_high;
};

template <typename Sink>
void parse_measurements(const std::string& path, const PersonIndex& index, MeasurementTable& units, Sink&& sink) {
  CsvFile csv(path);
  const int person = csv.column("person_id"), concept_col = csv.column("measurement_concept_id"),
            date = csv.column("measurement_date"), value = csv.column("value_as_number"),
            unit_concept = csv.column("unit_concept_id", false), unit_source = csv.column("unit_source_value", false),
            low = csv.column("range_low", false), high = csv.column("range_high", false);
  if (unit_concept < 0 && unit_source < 0)
    throw Error(path + ": neither unit_concept_id nor unit_source_value is in the header");
  while (csv.next()) {
    const std::uint32_t row = person_row(index, csv, person);
    const std::int32_t concept_id = csv.concept_id(concept_col);
    const Day day = csv.date(date);
    std::string unit;
    if (unit_source >= 0 && !csv.field(unit_source).empty()) {
      const auto canonical = canonical_unit(csv.field(unit_source));
      if (!canonical) throw Error(csv.where(unit_source) + ": unknown unit \"" + csv.field(unit_source) + "\"");
      unit = *canonical;
    } else if (unit_concept >= 0 && !csv.field(unit_concept).empty()) {
      const auto known = unit_of_concept(csv.integer(unit_concept));
      if (!known)
        throw Error(csv.where(unit_concept) + ": unit concept " + csv.field(unit_concept) +
                    " is not one molsieve converts; give the unit in unit_source_value");
      unit = *known;
    }
    double v = csv.number(value), lo = low >= 0 ? csv.number(low) : kNaN, hi = high >= 0 ? csv.number(high) : kNaN;
    if (const auto target = analyte_unit(concept_id); target && !std::isnan(v)) {
      const auto conversion = unit_conversion(concept_id, unit, *target);
      if (!conversion)
        throw Error(csv.where() + ": " + concepts::concept_name(concept_id) + " in \"" + unit +
                    "\" cannot be converted to " + (target->empty() ? "a unitless score" : "\"" + *target + "\""));
      v = conversion->apply(v);
      lo = conversion->apply(lo);
      hi = conversion->apply(hi);
      unit = *target;
    }
    sink(MeasurementRow{row, concept_id, day, v, units.unit_code(unit), lo, hi});
  }
}

void group_measurements(const std::vector<MeasurementRow>& rows, std::uint64_t first_person, std::size_t persons,
                        const std::vector<std::string>& units, MeasurementTable* m) {
  PendingRows order_keys;
  for (const MeasurementRow& r : rows) {
    order_keys.person.push_back(static_cast<std::uint32_t>(r.person - first_person));
    order_keys.day.push_back(r.date);
  }
  const auto order = group_by_person(order_keys, persons, &m->offsets);
  for (std::size_t i : order) {
    const MeasurementRow& r = rows[i];
    m->concept_id.push_back(r.concept_id);
    m->date.push_back(r.date);
    m->value.push_back(r.value);
    m->unit.push_back(r.unit);
    m->range_low.push_back(r.range_low);
    m->range_high.push_back(r.range_high);
  }
  m->units = units;
}

void read_measurements(const std::string& path, const PersonIndex& index, std::size_t persons, MeasurementTable* m) {
  std::vector<MeasurementRow> rows;
  MeasurementTable units;
  parse_measurements(path, index, units, [&](const MeasurementRow& r) { rows.push_back(r); });
  group_measurements(rows, 0, persons, units.units, m);
}

struct GenotypeRow {
  std::uint32_t person;
  std::int16_t gene, result;
  double value;
};

// genotype.csv is optional: no file, no rows. Gene and result codes index `names`' lists.
template <typename Sink>
void parse_genotypes(const std::string& path, const PersonIndex& index, GenotypeTable& names, Sink&& sink) {
  if (!fs::exists(path)) return;
  CsvFile csv(path);
  const int person = csv.column("person_id"), gene = csv.column("gene"), result = csv.column("result"),
            value = csv.column("value", false);
  while (csv.next()) {
    const std::uint32_t row = person_row(index, csv, person);
    if (csv.field(gene).empty()) throw Error(csv.where(gene) + ": empty gene");
    const std::int16_t g = names.gene_code(csv.field(gene)), r = names.result_code(csv.field(result));
    sink(GenotypeRow{row, g, r, value >= 0 ? csv.number(value) : kNaN});
  }
}

void group_genotypes(const std::vector<GenotypeRow>& rows, std::uint64_t first_person, std::size_t persons,
                     const GenotypeTable& names, GenotypeTable* g) {
  PendingRows order_keys;
  for (const GenotypeRow& r : rows) {
    order_keys.person.push_back(static_cast<std::uint32_t>(r.person - first_person));
    order_keys.day.push_back(0);
  }
  const auto order = group_by_person(order_keys, persons, &g->offsets);
  for (std::size_t i : order) {
    g->gene.push_back(rows[i].gene);
    g->result.push_back(rows[i].result);
    g->value.push_back(rows[i].value);
  }
  g->genes = names.genes;
  g->results = names.results;
}

void read_genotypes(const std::string& path, const PersonIndex& index, std::size_t persons, GenotypeTable* g) {
  std::vector<GenotypeRow> rows;
  GenotypeTable names;
  parse_genotypes(path, index, names, [&](const GenotypeRow& r) { rows.push_back(r); });
  group_genotypes(rows, 0, persons, names, g);
}


// person.csv into the person columns of `p`, and the index from person_id to row.
void read_persons(const std::string& directory, Population& p, PersonIndex& index) {
  const fs::path dir(directory);
  if (!fs::is_directory(dir)) throw Error(directory + ": not a directory of OMOP CSV files");
  for (const char* table : {"person.csv", "observation_period.csv", "condition_occurrence.csv", "drug_exposure.csv",
                            "measurement.csv"})
    if (!fs::exists(dir / table)) throw Error(directory + ": " + table + " is missing");
  CsvFile csv((dir / "person.csv").string());
  const int id = csv.column("person_id"), gender = csv.column("gender_concept_id"),
            year = csv.column("year_of_birth"), race = csv.column("race_concept_id"),
            ethnicity = csv.column("ethnicity_concept_id");
  while (csv.next()) {
    const std::int64_t person_id = csv.integer(id);
    if (!index.emplace(person_id, static_cast<std::uint32_t>(p.persons())).second)
      throw Error(csv.where(id) + ": person " + csv.field(id) + " appears twice");
    p.person_id.push_back(person_id);
    p.year_of_birth.push_back(static_cast<std::int32_t>(csv.integer(year)));
    p.gender_concept_id.push_back(csv.concept_id(gender));
    p.race_concept_id.push_back(csv.concept_id(race));
    p.ethnicity_concept_id.push_back(csv.concept_id(ethnicity));
  }
}

// Parsed rows of one table, spilled to one binary file per bucket of persons.
template <typename Row>
class Spill {
 public:
  Spill(const fs::path& folder, const std::string& table, std::size_t buckets, std::uint64_t bucket_persons)
      : bucket_persons_(bucket_persons) {
    for (std::size_t b = 0; b < buckets; ++b) {
      paths_.push_back(folder / (table + "-" + std::to_string(b) + ".bin"));
      files_.push_back(std::fopen(paths_.back().c_str(), "w+b"));
      if (!files_.back()) throw Error(paths_.back().string() + ": cannot write the import's scratch file");
    }
  }
  ~Spill() {
    for (std::FILE* f : files_)
      if (f) std::fclose(f);
  }
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;
  void add(const Row& row) {
    if (std::fwrite(&row, sizeof row, 1, files_[row.person / bucket_persons_]) != 1)
      throw Error(paths_[row.person / bucket_persons_].string() + ": write failed (disk full?)");
    ++rows_;
  }
  std::vector<Row> bucket(std::size_t b) {
    std::FILE* f = files_[b];
    std::vector<Row> rows(static_cast<std::size_t>(std::ftell(f)) / sizeof(Row));
    std::rewind(f);
    if (std::fread(rows.data(), sizeof(Row), rows.size(), f) != rows.size())
      throw Error(paths_[b].string() + ": read failed");
    std::fclose(f);
    files_[b] = nullptr;
    fs::remove(paths_[b]);
    return rows;
  }
  std::uint64_t rows() const { return rows_; }

 private:
  std::uint64_t bucket_persons_;
  std::vector<fs::path> paths_;
  std::vector<std::FILE*> files_;
  std::uint64_t rows_ = 0;
};

// The table's file in `dir`: OMOP's lower-case name, or Athena's upper-case one; "" when neither.
std::string table_file(const fs::path& dir, const std::string& table) {
  for (std::string name : {table, std::string()}) {
    if (name.empty())
      for (char c : table) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const fs::path path = dir / (name + ".csv");
    if (fs::exists(path)) return path.string();
  }
  return "";
}

// OMOP's concept table, one record at a time from `csv` (a file, or another source of records).
std::vector<Concept> parse_concepts(CsvFile& csv) {
  const int id = csv.column("concept_id"), name = csv.column("concept_name"), domain = csv.column("domain_id"),
            vocabulary = csv.column("vocabulary_id"), standard = csv.column("standard_concept", false),
            code = csv.column("concept_code");
  std::vector<Concept> concepts;
  while (csv.next())
    concepts.push_back(Concept{csv.concept_id(id), csv.field(name), csv.field(domain), csv.field(vocabulary),
                               standard >= 0 ? csv.field(standard) : "", csv.field(code)});
  return concepts;
}

std::vector<ConceptAncestry> parse_concept_ancestors(CsvFile& csv) {
  const int ancestor = csv.column("ancestor_concept_id"), descendant = csv.column("descendant_concept_id"),
            min_levels = csv.column("min_levels_of_separation", false),
            max_levels = csv.column("max_levels_of_separation", false);
  const auto levels = [&](int column) {
    if (column < 0) return std::int32_t{0};
    const std::int64_t n = csv.integer(column);
    if (n < 0 || n > 1000) throw Error(csv.where(column) + ": " + csv.field(column) + " levels of separation");
    return static_cast<std::int32_t>(n);
  };
  std::vector<ConceptAncestry> rows;
  while (csv.next())
    rows.push_back(ConceptAncestry{csv.concept_id(ancestor), csv.concept_id(descendant), levels(min_levels),
                                   levels(max_levels)});
  return rows;
}

constexpr std::size_t kMaxBuckets = 200;  // five open scratch files per bucket

// The import's scratch folder, removed however the import ends.
struct ScratchFolder {
  fs::path path;
  ~ScratchFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

Population read_omop_csv(const std::string& directory) {
  const fs::path dir(directory);
  Population p;
  PersonIndex index;
  read_persons(directory, p, index);
  const std::size_t n = p.persons();
  read_events((dir / "observation_period.csv").string(), index, n, "period_type_concept_id",
              "observation_period_start_date", "observation_period_end_date", &p.observation_period);
  read_events((dir / "condition_occurrence.csv").string(), index, n, "condition_concept_id", "condition_start_date",
              "condition_end_date", &p.condition);
  read_events((dir / "drug_exposure.csv").string(), index, n, "drug_concept_id", "drug_exposure_start_date",
              "drug_exposure_end_date", &p.drug);
  read_measurements((dir / "measurement.csv").string(), index, n, &p.measurement);
  read_genotypes((dir / "genotype.csv").string(), index, n, &p.genotype);
  p.check_shape(directory);
  return p;
}

ConceptVocabulary read_omop_vocabulary(const std::string& directory) {
  const fs::path dir(directory);
  const std::string concept_path = table_file(dir, "concept"), ancestor_path = table_file(dir, "concept_ancestor");
  if (concept_path.empty() && ancestor_path.empty()) return {};
  if (concept_path.empty() || ancestor_path.empty())
    throw Error(directory + ": " + (concept_path.empty() ? "concept_ancestor.csv without concept.csv"
                                                         : "concept.csv without concept_ancestor.csv") +
                " (the vocabulary needs both)");
  CsvFile concepts(concept_path, CsvFile::TabQuotes::Literal), ancestors(ancestor_path);
  return ConceptVocabulary(parse_concepts(concepts), parse_concept_ancestors(ancestors), concept_path);
}

ImportCounts import_omop_csv(const std::string& directory, PopulationWriter& writer, std::uint64_t bucket_persons,
                             const std::string& scratch) {
  if (bucket_persons == 0) throw Error("--slice: at least one patient per slice");
  writer.set_vocabulary(read_omop_vocabulary(directory));
  const fs::path dir(directory);
  Population persons;
  PersonIndex index;
  read_persons(directory, persons, index);
  const std::size_t n = persons.persons();
  ImportCounts counts;
  counts.persons = n;
  bucket_persons = std::max<std::uint64_t>(bucket_persons, (n + kMaxBuckets - 1) / kMaxBuckets);
  const std::size_t buckets = std::max<std::size_t>(1, (n + bucket_persons - 1) / bucket_persons);
  fs::create_directories(scratch);
  const ScratchFolder folder{scratch};
  {
    Spill<EventRow> periods(scratch, "observation_period", buckets, bucket_persons),
        conditions(scratch, "condition", buckets, bucket_persons), drugs(scratch, "drug", buckets, bucket_persons);
    Spill<MeasurementRow> measurements(scratch, "measurement", buckets, bucket_persons);
    Spill<GenotypeRow> genotypes(scratch, "genotype", buckets, bucket_persons);
    MeasurementTable units;
    GenotypeTable names;
    parse_events((dir / "observation_period.csv").string(), index, "period_type_concept_id",
                 "observation_period_start_date", "observation_period_end_date",
                 [&](const EventRow& r) { periods.add(r); });
    parse_events((dir / "condition_occurrence.csv").string(), index, "condition_concept_id", "condition_start_date",
                 "condition_end_date", [&](const EventRow& r) { conditions.add(r); });
    parse_events((dir / "drug_exposure.csv").string(), index, "drug_concept_id", "drug_exposure_start_date",
                 "drug_exposure_end_date", [&](const EventRow& r) { drugs.add(r); });
    parse_measurements((dir / "measurement.csv").string(), index, units,
                       [&](const MeasurementRow& r) { measurements.add(r); });
    parse_genotypes((dir / "genotype.csv").string(), index, names, [&](const GenotypeRow& r) { genotypes.add(r); });
    counts.conditions = conditions.rows();
    counts.drugs = drugs.rows();
    counts.measurements = measurements.rows();
    counts.genotypes = genotypes.rows();
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::uint64_t first = b * bucket_persons, count = std::min<std::uint64_t>(bucket_persons, n - first);
      Population slice;
      const auto take = [&](const auto& all, auto& part) {
        part.assign(all.begin() + first, all.begin() + first + count);
      };
      take(persons.person_id, slice.person_id);
      take(persons.year_of_birth, slice.year_of_birth);
      take(persons.gender_concept_id, slice.gender_concept_id);
      take(persons.race_concept_id, slice.race_concept_id);
      take(persons.ethnicity_concept_id, slice.ethnicity_concept_id);
      group_events(periods.bucket(b), first, count, &slice.observation_period);
      group_events(conditions.bucket(b), first, count, &slice.condition);
      group_events(drugs.bucket(b), first, count, &slice.drug);
      group_measurements(measurements.bucket(b), first, count, units.units, &slice.measurement);
      group_genotypes(genotypes.bucket(b), first, count, names, &slice.genotype);
      slice.check_shape(directory);
      writer.append(slice);
    }
  }
  return counts;
}

}  // namespace molsieve::cohort
