#pragma once
// The cohort's "table 1": demographics, the labs the definition reads (median and IQR), and
// the conditions and drugs it names (patients with a record), per group of patients
// (population, eligible, selected). Each patient is described on a reference day: the index
// day, or without an index event the end of the last observation period. Labs, conditions and
// drugs are read in the window their rule reads them in around the index day (ranking terms:
// on or before it); without an index event every record counts. Groups fill per slice and merge, so slices and ranks give the whole.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cohort/cohort_definition.h"
#include "cohort/population.h"

namespace molsieve::cohort {

// What is described besides demographics, from the definition's rules and ranking.
struct CharacterizationItems {
  struct Lab {
    std::string label;
    std::vector<std::int32_t> concepts;  // sorted
    Window window;
  };
  struct Record {
    std::string label;
    bool drug = false;  // else a condition
    std::vector<std::int32_t> concepts;  // sorted
    Window window;
  };
  std::vector<Lab> labs;
  std::vector<Record> records;
};
CharacterizationItems characterization_items(const CohortDefinition& definition);

// One slice's patients as characterized (persons x labs and persons x records, row-major).
struct PatientFeatures {
  std::vector<int> age;                 // -1 without a reference day
  std::vector<double> labs;             // the latest value in the window (NaN: none)
  std::vector<std::uint8_t> records;    // 1: a condition starting, or a drug exposure overlapping, in the window
  std::vector<std::string> lab_units;   // per lab: the unit its values are stored in ("" when none seen)
};
PatientFeatures patient_features(const CharacterizationItems& items, const Population& slice,
                                 const std::vector<std::int32_t>& index_day);

// The counts and values of one group; `add` one patient at a time, `merge` groups of slices.
struct CharacterizationGroup {
  std::uint64_t patients = 0;
  std::array<std::map<std::string, std::uint64_t>, 4> categories;  // sex, race, ethnicity, age band
  std::vector<double> ages;
  std::vector<std::vector<double>> lab_values;  // per lab
  std::vector<std::uint64_t> record_counts;     // per record
  std::vector<std::string> lab_units;

  void add(const std::array<std::string, 3>& demographics, int age, const double* labs, const std::uint8_t* records,
           const CharacterizationItems& items);
  // Every patient of a slice (what add does per patient, counting by concept id first).
  void add_slice(const Population& slice, const PatientFeatures& features, const CharacterizationItems& items);
  void merge(const CharacterizationGroup& other);
};

// The age bands of the table ("18-44", ...) and a patient's band.
std::string age_band(int age);

struct CharacteristicRow {
  std::string section;         // patients, age, age band, sex, race, ethnicity, lab, condition, drug
  std::string characteristic;  // "female", "ALT (U/L)", ...
  std::string group;           // population, eligible, selected
  std::uint64_t count = 0;     // patients (labs: patients with a value)
  double percent = 0;          // of the group's patients
  double median = 0, q1 = 0, q3 = 0;  // age and labs (NaN otherwise)
};

// The rows of the three groups, section by section. A count from 1 to 4 gets no percent,
// median or quartiles (NaN): they would give it away.
std::vector<CharacteristicRow> characterize(const CharacterizationItems& items,
                                            const std::array<const CharacterizationGroup*, 3>& groups);

extern const char* const kCharacterizationGroups[3];  // population, eligible, selected

}  // namespace molsieve::cohort
