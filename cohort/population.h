#pragma once
// Patients in memory, column by column, as the population store keeps them
// (docs/cohorts.md): one row per person, and OMOP-like event tables whose rows are
// grouped by person (person p owns rows offsets[p] .. offsets[p + 1]). A Population may
// hold a slice of a store's persons: eligibility is evaluated slice by slice.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cohort/calendar.h"
#include "cohort/vocabulary.h"

namespace molsieve::hdf5 { class StoreWriter; class AppendableDataset; }

namespace molsieve::cohort {

// Events with a concept and a date interval (conditions, drug exposures, observation periods).
struct EventTable {
  std::vector<std::uint64_t> offsets{0};  // persons + 1
  std::vector<std::int32_t> concept_id;
  std::vector<Day> start, end;
  std::size_t rows() const { return concept_id.size(); }
};

struct MeasurementTable {
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::int32_t> concept_id;
  std::vector<Day> date;
  std::vector<double> value;  // in `units[unit[row]]`
  std::vector<std::int16_t> unit;
  std::vector<double> range_low, range_high;  // reference range in the same unit; NaN if unknown
  std::vector<std::string> units;             // canonical unit names
  std::size_t rows() const { return concept_id.size(); }
  std::int16_t unit_code(const std::string& name);  // adds the name when new
};

// Pharmacogenomic phenotypes (CYP2D6 "poor metabolizer", HLA-B*57:01 "positive") and
// biomarkers (a value, result "measured").
struct GenotypeTable {
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::int16_t> gene, result;
  std::vector<double> value;  // NaN for phenotypes
  std::vector<std::string> genes, results;
  std::size_t rows() const { return gene.size(); }
  std::int16_t gene_code(const std::string& name);
  std::int16_t result_code(const std::string& name);
};

struct Population {
  std::uint64_t first_person = 0;  // position of person 0 of this slice in its store
  std::vector<std::int64_t> person_id;
  std::vector<std::int32_t> year_of_birth, gender_concept_id, race_concept_id, ethnicity_concept_id;
  EventTable observation_period, condition, drug;
  MeasurementTable measurement;
  GenotypeTable genotype;
  std::size_t persons() const { return person_id.size(); }
  // Checks that every event table has one offset per person plus one, non-decreasing.
  void check_shape(const std::string& where) const;
};

// Appends the persons of `from` after those of `to` (name codes remapped).
void append_population(Population& to, const Population& from);

// What the store says about where its patients came from.
struct PopulationProvenance {
  bool synthetic = false;
  std::string source;  // "synth-population --n 1000 --seed 7" or the OMOP folder's name
};

// Writes a population store slice by slice under its partial name; finish() moves it into
// place, and a writer destroyed before that removes it (core/store_file.h).
class PopulationWriter {
 public:
  PopulationWriter(const std::string& path, const PopulationProvenance& provenance);
  ~PopulationWriter();
  // Appends the persons of `slice`; the unit, gene and result names may differ between
  // slices (codes are remapped).
  void append(const Population& slice);
  // The OMOP vocabulary tables stored with the patients (`concept`, `concept_ancestor`).
  void set_vocabulary(ConceptVocabulary vocabulary) { vocabulary_ = std::move(vocabulary); }
  void finish();

 private:
  struct Datasets;
  std::string path_;
  PopulationProvenance provenance_;
  ConceptVocabulary vocabulary_;
  std::unique_ptr<hdf5::StoreWriter> store_;
  std::unique_ptr<Datasets> datasets_;
  std::vector<std::string> units_, genes_, results_;
  std::vector<std::int32_t> concepts_[3];  // condition, drug, measurement: sorted, distinct
  std::uint64_t persons_ = 0;
  std::uint64_t row_ends_[5] = {0, 0, 0, 0, 0};
};

// What a population store holds that a definition may name: the concepts that occur in
// each event table, and the genes and results of the genotype table.
struct PopulationVocabulary {
  std::vector<std::int32_t> condition_concepts, drug_concepts, measurement_concepts;  // sorted
  std::vector<std::string> genes, results;
  // The store's concept ids and concept_ancestor pairs (empty in older stores); the other
  // columns of its concepts are read only for the few that messages name, by concept_name.
  ConceptVocabulary concepts;
  std::function<std::string(std::int32_t)> concept_name;  // a concept of `concepts`
};

struct PopulationStoreInfo {
  std::uint64_t persons = 0;
  PopulationProvenance provenance;
};

// Throws molsieve::Error naming `path` when it is not a finished population store.
PopulationStoreInfo read_population_info(const std::string& path);
PopulationVocabulary read_population_vocabulary(const std::string& path);
// What `p` records, with `concepts` as its vocabulary (resolving as a store of `p` does).
PopulationVocabulary population_vocabulary(const Population& p, ConceptVocabulary concepts);
// The store's concept and concept_ancestor tables (empty when it has none).
ConceptVocabulary read_concept_vocabulary(const std::string& path);
// Persons [first, first + count) of the store with all their events.
Population read_population(const std::string& path, std::uint64_t first, std::uint64_t count);

}  // namespace molsieve::cohort
