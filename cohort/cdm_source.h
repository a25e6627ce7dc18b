#pragma once
// The OMOP cdm_source table: one row describing a data source. molsieve writes it with every
// OMOP CSV export of a population and reads it on import, so a SYNTHETIC population stays
// marked through an export and a re-import (and a real source says what it is).
#include <optional>
#include <string>

#include "cohort/population.h"

namespace molsieve::cohort {

struct CdmSource {
  std::string name, abbreviation, holder, description;
};

// Writes `directory`/cdm_source.csv (CDM 5.4 columns) describing a population with `provenance`.
void write_cdm_source(const std::string& directory, const PopulationProvenance& provenance);

// The first row of `directory`/cdm_source.csv, or nothing without that file; throws
// molsieve::Error naming the file when it is malformed.
std::optional<CdmSource> read_cdm_source(const std::string& directory);

// True when the source calls itself synthetic (the word in its name, abbreviation or
// description, in any case: molsieve's own exports, Synthea's and the like).
bool is_synthetic_source(const CdmSource& source);

}  // namespace molsieve::cohort
