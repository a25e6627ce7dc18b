#pragma once
// A synthetic, clearly labelled population for trying cohort definitions without patient
// data. Distributions (docs/cohorts.md): US adult age, sex, race and ethnicity proportions;
// condition prevalence by age; labs that follow the conditions; concomitant drugs (strong
// CYP3A4 inhibitors among them, insulin in diabetics); pregnancies; CYP2D6, CYP2C19 and
// HLA-B*57:01 by ancestry (CPIC frequency tables) for the 80% who were genotyped. Its
// vocabulary is synthetic_vocabulary() (cohort/vocabulary.h). Person k depends only on the
// seed and k: any slicing of the
// generation, on any number of threads, gives the same population.
#include <cstdint>

#include "cohort/calendar.h"
#include "cohort/population.h"

namespace molsieve::cohort {

// The day the synthetic records end (observation periods close on it).
Day synthetic_reference_day();

// Persons first .. first + count - 1 (person_id = position + 1).
Population synthesize_population(std::uint64_t seed, std::uint64_t first, std::uint64_t count);

}  // namespace molsieve::cohort
