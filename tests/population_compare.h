#pragma once
// Two population stores compared column by column, as read back (the OMOP CSV and
// PostgreSQL import tests).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "cohort/population.h"

namespace molsieve::cohort {

// Every stored column of two population stores, as read back.
inline void expect_same_store(const std::string& a, const std::string& b) {
  const auto n = read_population_info(a).persons;
  ASSERT_EQ(n, read_population_info(b).persons);
  const Population x = read_population(a, 0, n), y = read_population(b, 0, n);
  EXPECT_EQ(x.person_id, y.person_id);
  EXPECT_EQ(x.year_of_birth, y.year_of_birth);
  EXPECT_EQ(x.gender_concept_id, y.gender_concept_id);
  EXPECT_EQ(x.race_concept_id, y.race_concept_id);
  EXPECT_EQ(x.ethnicity_concept_id, y.ethnicity_concept_id);
  for (const auto table : {&Population::observation_period, &Population::condition, &Population::drug}) {
    EXPECT_EQ((x.*table).offsets, (y.*table).offsets);
    EXPECT_EQ((x.*table).concept_id, (y.*table).concept_id);
    EXPECT_EQ((x.*table).start, (y.*table).start);
    EXPECT_EQ((x.*table).end, (y.*table).end);
  }
  EXPECT_EQ(x.measurement.offsets, y.measurement.offsets);
  EXPECT_EQ(x.measurement.concept_id, y.measurement.concept_id);
  EXPECT_EQ(x.measurement.date, y.measurement.date);
  ASSERT_EQ(x.measurement.value.size(), y.measurement.value.size());
  for (std::size_t r = 0; r < x.measurement.value.size(); ++r) {
    const double u = x.measurement.value[r], v = y.measurement.value[r];
    ASSERT_TRUE(u == v || (std::isnan(u) && std::isnan(v))) << "measurement row " << r;
    ASSERT_EQ(x.measurement.units[x.measurement.unit[r]], y.measurement.units[y.measurement.unit[r]]);
  }
  const ConceptVocabulary u = read_concept_vocabulary(a), w = read_concept_vocabulary(b);
  ASSERT_EQ(u.concepts().size(), w.concepts().size());
  for (std::size_t k = 0; k < u.concepts().size(); ++k) {
    ASSERT_EQ(u.concepts()[k].concept_id, w.concepts()[k].concept_id);
    ASSERT_EQ(u.concepts()[k].concept_name, w.concepts()[k].concept_name);
  }
  ASSERT_EQ(u.ancestry().size(), w.ancestry().size());
  for (std::size_t k = 0; k < u.ancestry().size(); ++k) {
    ASSERT_EQ(u.ancestry()[k].ancestor_concept_id, w.ancestry()[k].ancestor_concept_id);
    ASSERT_EQ(u.ancestry()[k].descendant_concept_id, w.ancestry()[k].descendant_concept_id);
  }
  EXPECT_EQ(x.genotype.offsets, y.genotype.offsets);
  ASSERT_EQ(x.genotype.gene.size(), y.genotype.gene.size());
  for (std::size_t r = 0; r < x.genotype.gene.size(); ++r) {
    ASSERT_EQ(x.genotype.genes[x.genotype.gene[r]], y.genotype.genes[y.genotype.gene[r]]);
    ASSERT_EQ(x.genotype.results[x.genotype.result[r]], y.genotype.results[y.genotype.result[r]]);
  }
}

}  // namespace molsieve::cohort
