#pragma once
// OMOP Common Data Model CSV files <-> populations. Reads person.csv,
// observation_period.csv, condition_occurrence.csv, drug_exposure.csv, measurement.csv
// (standard CDM 5.4 table and column names, comma- or tab-separated, any column order,
// extra columns ignored) and molsieve's genotype.csv (person_id, gene, result, value).
// Measurement units are converted to each known analyte's unit; a unit that is unknown, or
// known but not convertible for that analyte, is an error naming the file and line.
#include <string>

#include "cohort/population.h"

namespace molsieve::cohort {

// Reads the OMOP CSV files of `directory` into one population (persons in person.csv
// order, each person's events ordered by date). genotype.csv is optional.
Population read_omop_csv(const std::string& directory);

// Writes `slice` as OMOP CSV files into `directory` (created); the first slice writes the
// header lines, later slices append.
void write_omop_csv(const std::string& directory, const Population& slice, bool first_slice);

}  // namespace molsieve::cohort
