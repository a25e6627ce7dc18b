#pragma once
// OMOP Common Data Model CSV files <-> populations. Reads person.csv,
// observation_period.csv, condition_occurrence.csv, drug_exposure.csv, measurement.csv
// (standard CDM 5.4 table and column names, comma- or tab-separated, any column order,
// extra columns ignored), molsieve's genotype.csv (person_id, gene, result, value) and,
// when present, the vocabulary tables concept.csv and concept_ancestor.csv.
// Measurement units are converted to each known analyte's unit; a unit that is unknown, or
// known but not convertible for that analyte, is an error naming the file and line.
#include <string>

#include "cohort/population.h"

namespace molsieve::cohort {

// Reads the OMOP CSV files of `directory` into one population (persons in person.csv
// order, each person's events ordered by date). genotype.csv is optional.
Population read_omop_csv(const std::string& directory);

struct ImportCounts {
  std::uint64_t persons = 0, conditions = 0, drugs = 0, measurements = 0, genotypes = 0;
};

// Streams the OMOP CSV files of `directory` into `writer` in bounded memory: one pass over
// each file parses and checks its rows (errors name the file and line) and spills them to
// binary scratch files under `scratch` (created, removed at the end), one per slice of
// `bucket_persons` persons; then each slice is grouped by person and appended. Memory: the
// person table and its index (about 60 bytes a person) plus one slice's events. The store
// equals the one read_omop_csv's population makes.
ImportCounts import_omop_csv(const std::string& directory, PopulationWriter& writer, std::uint64_t bucket_persons,
                             const std::string& scratch);

// OMOP's vocabulary tables of `directory`: concept.csv and concept_ancestor.csv (Athena's
// CONCEPT.csv and CONCEPT_ANCESTOR.csv too; tab- or comma-separated). Empty when neither is
// there; one without the other is an error.
ConceptVocabulary read_omop_vocabulary(const std::string& directory);

// Writes `vocabulary` as concept.csv and concept_ancestor.csv into `directory` (created).
void write_omop_vocabulary(const std::string& directory, const ConceptVocabulary& vocabulary);

// Writes `slice` as OMOP CSV files into `directory` (created); the first slice writes the
// header lines, later slices append.
void write_omop_csv(const std::string& directory, const Population& slice, bool first_slice);

}  // namespace molsieve::cohort
