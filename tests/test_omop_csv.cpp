// OMOP CSV: export then import round trips, the streamed import against the whole-export
// read, unit conversion on import, and errors naming the file and line; the population
// store's header, old and new.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "cohort/calendar.h"
#include "cohort/cohort_definition.h"
#include "cohort/eligibility.h"
#include "cohort/omop_csv.h"
#include "cohort/population.h"
#include "cohort/synthetic_population.h"
#include "cohort/vocabulary.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "cohort_test_support.h"
#include "population_compare.h"
#include "test_support.h"

namespace molsieve::cohort {
namespace {

// A person's events as sorted (start, end, concept) triples: the import orders each person's
// events by date, the generator need not.
std::vector<std::tuple<Day, Day, std::int32_t>> events_of(const EventTable& t, std::size_t person) {
  std::vector<std::tuple<Day, Day, std::int32_t>> out;
  for (auto r = t.offsets[person]; r < t.offsets[person + 1]; ++r) out.emplace_back(t.start[r], t.end[r], t.concept_id[r]);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(OmopCsv, StreamedImportWritesTheStoreOfTheWholeReadForAnySliceSize) {
  test::ScratchDir dir;
  write_omop_csv(dir.file("omop"), synthesize_population(3, 0, 700), true);
  write_omop_csv(dir.file("omop"), synthesize_population(3, 700, 800), false);
  {
    PopulationWriter whole(dir.file("whole.h5"), PopulationProvenance{});
    whole.append(read_omop_csv(dir.file("omop")));
    whole.finish();
  }
  for (const std::uint64_t slice : {1500u, 333u, 1u << 20}) {
    SCOPED_TRACE("slice " + std::to_string(slice));
    const std::string store = dir.file("streamed-" + std::to_string(slice) + ".h5");
    PopulationWriter writer(store, PopulationProvenance{});
    const ImportCounts counts = import_omop_csv(dir.file("omop"), writer, slice, dir.file("scratch"));
    writer.finish();
    EXPECT_EQ(counts.persons, 1500u);
    EXPECT_GT(counts.measurements, 0u);
    EXPECT_FALSE(std::filesystem::exists(dir.file("scratch")));
    expect_same_store(store, dir.file("whole.h5"));
  }
}

TEST(OmopCsv, ExportThenImportGivesTheSamePopulation) {
  test::ScratchDir dir;
  const Population original = synthesize_population(3, 0, 1500);
  write_omop_csv(dir.path(), synthesize_population(3, 0, 700), true);
  write_omop_csv(dir.path(), synthesize_population(3, 700, 800), false);
  const Population read = read_omop_csv(dir.path());
  EXPECT_EQ(read.person_id, original.person_id);
  EXPECT_EQ(read.year_of_birth, original.year_of_birth);
  EXPECT_EQ(read.race_concept_id, original.race_concept_id);
  EXPECT_EQ(read.condition.offsets, original.condition.offsets);
  for (std::size_t i = 0; i < original.persons(); ++i) {
    ASSERT_EQ(events_of(read.condition, i), events_of(original.condition, i));
    ASSERT_EQ(events_of(read.drug, i), events_of(original.drug, i));
  }
  EXPECT_EQ(read.measurement.offsets, original.measurement.offsets);
  const CohortDefinition d =
      test::resolved_definition(test::read_text(std::string(MOLSIEVE_SOURCE_DIR) + "/datasets/cohorts/example.json"));
  const EligibilityEvaluator evaluator(d, nullptr, kernels::Backend::Cpu);
  const auto a = evaluator.evaluate(original), b = evaluator.evaluate(read);
  EXPECT_EQ(a.eligible, b.eligible);
  for (std::size_t i = 0; i < a.score.size(); ++i)
    if (a.eligible[i]) EXPECT_EQ(a.score[i], b.score[i]);
  EXPECT_GT(std::count(a.eligible.begin(), a.eligible.end(), 1), 0);
}

void write_minimal_omop(const test::ScratchDir& dir, const std::string& measurement_rows) {
  test::write_text(dir.file("person.csv"),
                   "person_id,gender_concept_id,year_of_birth,race_concept_id,ethnicity_concept_id\n"
                   "1,8532,1960,8527,38003564\n2,8507,1970,8516,38003564\n");
  test::write_text(dir.file("observation_period.csv"),
                   "observation_period_id,person_id,observation_period_start_date,observation_period_end_date,"
                   "period_type_concept_id\n1,1,2010-01-01,2025-12-31,32817\n2,2,2010-01-01,2025-12-31,32817\n");
  test::write_text(dir.file("condition_occurrence.csv"), "person_id,condition_concept_id,condition_start_date\n");
  test::write_text(dir.file("drug_exposure.csv"),
                   "person_id,drug_concept_id,drug_exposure_start_date,drug_exposure_end_date\n");
  test::write_text(dir.file("measurement.csv"),
                   "person_id,measurement_concept_id,measurement_date,value_as_number,unit_concept_id,"
                   "unit_source_value,range_low,range_high\n" + measurement_rows);
}

TEST(OmopCsv, CreatinineInMicromolesIsStoredInMilligrams) {
  test::ScratchDir dir;
  write_minimal_omop(dir, "1,3016723,2025-01-02,88.42,8749,,53,97\n2,3016723,2025-01-03,1.1,,mg/dL,0.7,1.3\n");
  const Population p = read_omop_csv(dir.path());
  ASSERT_EQ(p.measurement.rows(), 2u);
  EXPECT_NEAR(p.measurement.value[0], 1.0, 1e-12);
  EXPECT_NEAR(p.measurement.range_high[0], 97 / 88.42, 1e-12);
  EXPECT_EQ(p.measurement.units[p.measurement.unit[0]], "mg/dL");
  EXPECT_DOUBLE_EQ(p.measurement.value[1], 1.1);
}

TEST(OmopCsv, UnconvertibleAndUnknownUnitsAreErrorsNamingFileAndLine) {
  test::ScratchDir dir;
  write_minimal_omop(dir, "1,3016723,2025-01-02,1.0,,mg/dL,,\n2,3016723,2025-01-02,5.0,,mmol/mol,,\n");
  try {
    read_omop_csv(dir.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("measurement.csv:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot be converted"), std::string::npos) << e.what();
  }
  write_minimal_omop(dir, "1,3016723,2025-01-02,1.0,,mg,,\n");
  try {
    read_omop_csv(dir.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("measurement.csv:2: unit_source_value: unknown unit \"mg\""), std::string::npos)
        << e.what();
  }
  write_minimal_omop(dir, "3,3016723,2025-01-02,1.0,,mg/dL,,\n");
  EXPECT_THROW(read_omop_csv(dir.path()), Error);  // person 3 is not in person.csv
}

TEST(PopulationStore, StoreThatKeptItsVersionUnderVersionStillOpens) {
  test::ScratchDir dir;
  const std::string store = dir.file("old.h5");
  {
    PopulationWriter writer(store, PopulationProvenance{true, "synth-population --n 40 --seed 2"});
    writer.append(synthesize_population(2, 0, 40));
    writer.finish();
  }
  {
    // The header as molsieve wrote it before every store used `schema_version`.
    hdf5::File old(store, hdf5::File::Mode::ReadWrite);
    ASSERT_GE(H5Adelete(old.id(), "schema_version"), 0);
    old.set_attribute("/", "version", std::int64_t{2});
  }
  const PopulationStoreInfo info = read_population_info(store);
  EXPECT_EQ(info.persons, 40u);
  EXPECT_EQ(info.provenance.source, "synth-population --n 40 --seed 2");
  EXPECT_EQ(read_population(store, 0, 40).person_id, synthesize_population(2, 0, 40).person_id);
}

TEST(PopulationStore, StoreOfAnotherVersionIsRefusedNamingTheVersions) {
  test::ScratchDir dir;
  const std::string store = dir.file("future.h5");
  {
    PopulationWriter writer(store, PopulationProvenance{});
    writer.finish();
  }
  hdf5::File(store, hdf5::File::Mode::ReadWrite).set_attribute("/", "schema_version", std::int64_t{9});
  EXPECT_EQ(test::error_of([&] { read_population_info(store); }),
            store + ": population store version 9 is not the version this molsieve reads (2)");
}


void expect_same_vocabulary(const ConceptVocabulary& a, const ConceptVocabulary& b) {
  ASSERT_EQ(a.concepts().size(), b.concepts().size());
  for (std::size_t i = 0; i < a.concepts().size(); ++i) {
    const Concept &x = a.concepts()[i], &y = b.concepts()[i];
    EXPECT_EQ(std::tie(x.concept_id, x.concept_name, x.domain_id, x.vocabulary_id, x.standard_concept, x.concept_code),
              std::tie(y.concept_id, y.concept_name, y.domain_id, y.vocabulary_id, y.standard_concept, y.concept_code));
  }
  ASSERT_EQ(a.ancestry().size(), b.ancestry().size());
  for (std::size_t i = 0; i < a.ancestry().size(); ++i) {
    const ConceptAncestry &x = a.ancestry()[i], &y = b.ancestry()[i];
    EXPECT_EQ(std::tie(x.ancestor_concept_id, x.descendant_concept_id, x.min_levels_of_separation,
                       x.max_levels_of_separation),
              std::tie(y.ancestor_concept_id, y.descendant_concept_id, y.min_levels_of_separation,
                       y.max_levels_of_separation));
  }
}

TEST(OmopVocabulary, ExportedVocabularyIsImportedIntoTheStore) {
  test::ScratchDir dir;
  write_omop_csv(dir.file("omop"), synthesize_population(3, 0, 200), true);
  write_omop_vocabulary(dir.file("omop"), synthetic_vocabulary());
  const std::string store = dir.file("pop.h5");
  {
    PopulationWriter writer(store, PopulationProvenance{});
    import_omop_csv(dir.file("omop"), writer, 100, dir.file("scratch"));
    writer.finish();
  }
  // Every concept; of concept_ancestor, the pairs whose descendant a patient has.
  const ConceptVocabulary stored = read_concept_vocabulary(store);
  const PopulationVocabulary v = read_population_vocabulary(store);
  std::vector<ConceptAncestry> recorded;
  for (const ConceptAncestry& a : synthetic_vocabulary().ancestry())
    for (const auto* ids : {&v.condition_concepts, &v.drug_concepts, &v.measurement_concepts})
      if (std::binary_search(ids->begin(), ids->end(), a.descendant_concept_id)) {
        recorded.push_back(a);
        break;
      }
  expect_same_vocabulary(stored, ConceptVocabulary(synthetic_vocabulary().concepts(), recorded, "expected"));
  EXPECT_LT(stored.ancestry().size(), synthetic_vocabulary().ancestry().size());  // 443732 is not recorded
  EXPECT_EQ(v.concepts.descendants(concepts::kInsulins).size(), 4u);
  EXPECT_EQ(v.concepts.descendants(concepts::kDiabetesMellitus),
            (std::vector<std::int32_t>{concepts::kDiabetesMellitus, concepts::kType2Diabetes}));
  // A store without the tables (an export without them, or an older store) has no vocabulary.
  std::filesystem::remove(dir.file("omop/concept.csv"));
  std::filesystem::remove(dir.file("omop/concept_ancestor.csv"));
  {
    PopulationWriter writer(dir.file("bare.h5"), PopulationProvenance{});
    import_omop_csv(dir.file("omop"), writer, 100, dir.file("scratch"));
    writer.finish();
  }
  EXPECT_TRUE(read_population_vocabulary(dir.file("bare.h5")).concepts.empty());
}

// Athena's download: upper-case file names, tab-separated without quoting, every column of the
// CDM table.
TEST(OmopVocabulary, AthenaTabSeparatedFilesAreRead) {
  test::ScratchDir dir;
  test::write_text(dir.file("CONCEPT.csv"),
                   "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\t"
                   "valid_start_date\tvalid_end_date\tinvalid_reason\n"
                   "201820\tDiabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t73211009\t19700101\t20991231\t\n"
                   "201826\tType 2 diabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t19700101\t20991231\t\n"
                   "4112853\tMalignant tumor of breast, \"left\tCondition\tSNOMED\tClinical Finding\tS\t372064008\t19700101\t"
                   "20991231\t\n");
  test::write_text(dir.file("CONCEPT_ANCESTOR.csv"),
                   "ancestor_concept_id\tdescendant_concept_id\tmin_levels_of_separation\tmax_levels_of_separation\n"
                   "201820\t201820\t0\t0\n201820\t201826\t1\t1\n201826\t201826\t0\t0\n");
  const ConceptVocabulary v = read_omop_vocabulary(dir.path());
  ASSERT_EQ(v.concepts().size(), 3u);
  EXPECT_EQ(v.find(201826)->concept_name, "Type 2 diabetes mellitus");
  EXPECT_EQ(v.find(4112853)->concept_name, "Malignant tumor of breast, \"left");  // a stray quote is text
  EXPECT_EQ(v.find(201826)->concept_code, "44054006");
  EXPECT_EQ(v.descendants(201820), (std::vector<std::int32_t>{201820, 201826}));
  std::filesystem::remove(dir.file("CONCEPT_ANCESTOR.csv"));
  EXPECT_EQ(test::error_of([&] { read_omop_vocabulary(dir.path()); }),
            dir.path() + ": concept.csv without concept_ancestor.csv (the vocabulary needs both)");
}

}  // namespace
}  // namespace molsieve::cohort
