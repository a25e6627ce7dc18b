// synth-population, import-population, cohort and query through the molsieve executable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "core/hdf5_file.h"
#include "core/sha256.h"
#include "test_support.h"
#include "workflows/results/results_store.h"

namespace molsieve {
namespace {

namespace fs = std::filesystem;
using test::CommandRun;
using test::molsieve;

const std::string kSource = MOLSIEVE_SOURCE_DIR;
const std::string kDefaultResults = MOLSIEVE_BACE1_JOB_RESULTS;
const std::string kExample = kSource + "/datasets/cohorts/example.json";
const std::string kQuotas = kSource + "/datasets/cohorts/example_quotas.json";

std::vector<std::int64_t> cohort_ids(const std::string& store) {
  const hdf5::File file(store, hdf5::File::Mode::ReadOnly);
  return file.read<std::int64_t>("/cohort/person_id");
}

class CohortCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ScratchDir;
    ASSERT_EQ(molsieve(*dir_, "synth-population --n 60000 --seed 3 -o " + dir_->file("pop.h5") + " -q").status, 0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::ScratchDir* dir_;
};
test::ScratchDir* CohortCommands::dir_ = nullptr;

TEST_F(CohortCommands, OmopCsvExportThenImportSelectsTheSameCohort) {
  const test::ScratchDir& d = *dir_;
  ASSERT_EQ(molsieve(d, "synth-population --n 60000 --seed 3 --format omop-csv -o " + d.file("omop") + " -q").status, 0);
  const CommandRun import = molsieve(d, "import-population --omop " + d.file("omop") + " -o " + d.file("imported.h5"));
  ASSERT_EQ(import.status, 0) << import.err;
  for (const char* pop : {"pop.h5", "imported.h5"}) {
    const CommandRun run = molsieve(d, "cohort --population " + d.file(pop) + " --definition " + kExample + " --quotas " +
                                           kQuotas + " --size 40 -q --overwrite -o " + d.file(std::string("c-") + pop));
    ASSERT_EQ(run.status, 0) << run.err;
  }
  const auto a = cohort_ids(d.file("c-pop.h5")), b = cohort_ids(d.file("c-imported.h5"));
  EXPECT_EQ(a.size(), 40u);
  EXPECT_EQ(a, b);
}

TEST_F(CohortCommands, EveryStoreNamesItsSchemaAndVersionUnderTheSameKeys) {
  const test::ScratchDir& d = *dir_;
  ASSERT_EQ(molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                            " --size 10 -q --overwrite -o " + d.file("keys-cohort.h5"))
                .status,
            0);
  test::write_text(d.file("keys.smi"), "CCO ethanol\nc1ccccc1 benzene\n");
  ASSERT_EQ(molsieve(d, "featurize " + d.file("keys.smi") + " -o " + d.file("keys-library.h5") + " -q --overwrite").status, 0);
  const std::vector<std::pair<std::string, std::string>> stores = {
      {d.file("pop.h5"), "molsieve population store"},
      {d.file("keys-cohort.h5"), "molsieve cohort store"},
      {d.file("keys-library.h5"), "molsieve library store"},
      {kDefaultResults, "molsieve results store"},
      {kSource + "/models/pretrained/bace.h5", "molsieve model store"}};
  for (const auto& [path, schema] : stores) {
    SCOPED_TRACE(path);
    const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
    EXPECT_EQ(file.string_attribute("/", "schema"), schema);
    EXPECT_GE(file.int_attribute("/", "schema_version"), 1);
    EXPECT_EQ(file.int_attribute("/", "complete"), 1);
    EXPECT_FALSE(file.has_attribute("/", "version"));
  }
}

TEST_F(CohortCommands, SlicedEvaluationSelectsTheSameCohortAsOneSlice) {
  const test::ScratchDir& d = *dir_;
  for (const char* slice : {"1000000", "7777"}) {
    const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                                           " --quotas " + kQuotas + " --size 60 -q --overwrite --slice " + slice +
                                           " -o " + d.file(std::string("s-") + slice + ".h5"));
    ASSERT_EQ(run.status, 0) << run.err;
  }
  EXPECT_EQ(cohort_ids(d.file("s-1000000.h5")), cohort_ids(d.file("s-7777.h5")));
  const hdf5::File a(d.file("s-1000000.h5"), hdf5::File::Mode::ReadOnly), b(d.file("s-7777.h5"), hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(a.read<std::int64_t>("/attrition/remaining"), b.read<std::int64_t>("/attrition/remaining"));
}

TEST_F(CohortCommands, AttritionCsvIsMonotoneAndSuppressesSmallCounts) {
  const test::ScratchDir& d = *dir_;
  const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                                         " --size 30 -q --overwrite -o " + d.file("a.h5") + " --attrition-csv " +
                                         d.file("attrition.csv") + " --report " + d.file("report.html"));
  ASSERT_EQ(run.status, 0) << run.err;
  const auto rows = test::read_csv(d.file("attrition.csv"));
  ASSERT_GT(rows.size(), 10u);
  // One vocabulary: the CSV's columns are the store's, in the store's order, then whether the
  // counts are suppressed or exact.
  EXPECT_EQ(rows[0], (std::vector<std::string>{"step", "name", "kind", "applied", "activation", "remaining", "removed",
                                               "removed_alone", "decided_if_missing", "warnings", "counts"}));
  const hdf5::File store(d.file("a.h5"), hdf5::File::Mode::ReadOnly);
  const auto remaining = store.read<std::int64_t>("/attrition/remaining");
  ASSERT_EQ(remaining.size() + 1, rows.size());
  std::size_t small = 0;
  for (std::size_t k = 0; k < remaining.size(); ++k) {
    if (k > 0) EXPECT_LE(remaining[k], remaining[k - 1]);
    EXPECT_EQ(rows[k + 1][3], std::to_string(store.read<std::int8_t>("/attrition/applied")[k]));
    EXPECT_EQ(rows[k + 1][10], "suppressed");
    // A small count never shows; any other shows its value or is suppressed to protect one.
    const std::string& shown = rows[k + 1][6];  // removed
    const std::int64_t removed = k > 0 ? remaining[k - 1] - remaining[k] : 0;
    if (removed >= 1 && removed <= 4) {
      ++small;
      EXPECT_EQ(shown, "suppressed") << "step " << k;
    } else if (shown != "suppressed") {
      EXPECT_EQ(shown, std::to_string(removed)) << "step " << k;
    }
  }
  EXPECT_GT(small, 0u);
  std::ifstream in(d.file("report.html"));
  std::stringstream html;
  html << in.rdbuf();
  EXPECT_NE(html.str().find("SYNTHETIC population"), std::string::npos);
  EXPECT_NE(html.str().find("Attrition"), std::string::npos);
}

TEST_F(CohortCommands, QueryShowsCohortStrataAndAttrition) {
  const test::ScratchDir& d = *dir_;
  ASSERT_EQ(molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample + " --quotas " + kQuotas +
                            " --size 50 -q --overwrite -o " + d.file("q.h5"))
                .status,
            0);
  ASSERT_EQ(molsieve(d, "query " + d.file("q.h5") + " --format csv -o " + d.file("cohort.csv") + " --overwrite").status, 0);
  const auto cohort = test::read_csv(d.file("cohort.csv"));
  ASSERT_EQ(cohort.size(), 51u);
  EXPECT_EQ(cohort[0][0], "rank");
  EXPECT_EQ(cohort[1][0], "1");
  ASSERT_EQ(molsieve(d, "query " + d.file("q.h5") + " --table strata --where \"dimension == 'sex'\" --format csv -o " +
                            d.file("strata.csv") + " --overwrite --exact-counts")
                .status,
            0);
  const auto strata = test::read_csv(d.file("strata.csv"));
  std::int64_t selected = 0;
  for (std::size_t r = 1; r < strata.size(); ++r) selected += std::stoll(strata[r][3]);
  EXPECT_EQ(selected, 50);  // every selected patient has one sex category
  const CommandRun wrong = molsieve(d, "query " + d.file("q.h5") + " --table people");
  EXPECT_NE(wrong.status, 0);
  EXPECT_NE(wrong.err.find("'people' is not cohort, attrition, strata, patients or characterization"), std::string::npos)
      << wrong.err;
}

TEST_F(CohortCommands, BadDefinitionFailsWithTheJsonPath) {
  const test::ScratchDir& d = *dir_;
  test::write_text(d.file("bad.json"), R"({"name": "x", "index": {"date": "2025-01-01"},
    "inclusion_rules": [{"measurement": {"concepts": [3016723], "op": "<", "value": 1, "unit": "mg"}}]})");
  const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + d.file("bad.json") +
                                         " --size 5 -o " + d.file("bad.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("bad.json: /inclusion_rules/0/measurement/unit: unknown unit \"mg\""), std::string::npos)
      << run.err;
  EXPECT_FALSE(fs::exists(d.file("bad.h5")));
}

// Fewer eligible patients than requested: the run succeeds (the cohort is the best there is)
// and says so on stderr, in the store and in the report.
TEST_F(CohortCommands, CohortShortOfItsSizeIsAWarningInEveryOutput) {
  const test::ScratchDir& d = *dir_;
  const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                                         " --size 5000 -q --overwrite -o " + d.file("short.h5") + " --report " +
                                         d.file("short.html"));
  ASSERT_EQ(run.status, 0) << run.err;
  const hdf5::File store(d.file("short.h5"), hdf5::File::Mode::ReadOnly);
  const auto selected = store.int_attribute("/", "size_selected");
  ASSERT_LT(selected, 5000);
  EXPECT_EQ(static_cast<std::size_t>(selected), store.read<std::int64_t>("/cohort/person_id").size());
  const std::string expected = "the cohort falls short of --size: " + std::to_string(selected) + " selected of 5000";
  EXPECT_NE(run.err.find("warning: " + expected), std::string::npos) << run.err;
  const auto warnings = store.string_list_attribute("/", "warnings");
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings.front().find(expected), 0u) << warnings.front();
  const std::string page = test::read_text(d.file("short.html"));
  EXPECT_NE(page.find(expected), std::string::npos);

  const CommandRun full = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                                          " --size 10 -q --overwrite -o " + d.file("full.h5"));
  ASSERT_EQ(full.status, 0) << full.err;
  EXPECT_EQ(full.err.find("warning"), std::string::npos) << full.err;
  EXPECT_TRUE(hdf5::File(d.file("full.h5"), hdf5::File::Mode::ReadOnly).string_list_attribute("/", "warnings").empty());
}

// A misspelt name would make its rule remove nobody: each is refused at its JSON path, with the
// population's values listed.
TEST_F(CohortCommands, UnknownGeneResultConceptOrBiomarkerIsAnErrorAtItsJsonPath) {
  const test::ScratchDir& d = *dir_;
  struct Case {
    std::string body, expected, listed;
  };
  const std::string head = R"({"name": "x", "index": {"date": "2025-01-01"}, )";
  const std::vector<Case> cases = {
      {R"("exclusion_rules": [{"genotype": {"gene": "CYP2D9", "result": "poor metabolizer"}}]})",
       "/exclusion_rules/0/genotype/gene: no gene \"CYP2D9\" in this population", "\"CYP2D6\""},
      {R"("exclusion_rules": [{"genotype": {"gene": "CYP2D6", "result": "poor metaboliser"}}]})",
       "/exclusion_rules/0/genotype/result: no genotype result \"poor metaboliser\"", "\"poor metabolizer\""},
      {R"("exclusion_rules": [{"genotype": {"gene": "HLA-B*57:01", "result": ["negative", "pos"]}}]})",
       "/exclusion_rules/0/genotype/result/1: no genotype result \"pos\"", "\"positive\""},
      {R"("inclusion_rules": [{"all": [{"condition": {"concepts": [201826]}}, {"drug": {"concepts": [1750500, 17505]}}]}]})",
       "/inclusion_rules/0/all/1/drug/concepts/1: concept 17505", "1750500 clarithromycin"},
      {R"("inclusion_rules": [{"measurement": {"concepts": [3006924], "op": "<", "value": 3, "unit": "x ULN"}}]})",
       "/inclusion_rules/0/measurement/concepts/0: concept 3006924", "3006923 ALT"},
      {R"("ranking": [{"biomarker": "TARGET_EXPRESION", "weight": 1}]})",
       "/ranking/0/biomarker: no biomarker \"TARGET_EXPRESION\"", "\"TARGET_EXPRESSION\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    test::write_text(d.file("typo.json"), head + c.body);
    const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " +
                                           d.file("typo.json") + " --size 5 -o " + d.file("typo.h5"));
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("typo.json: " + c.expected), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(c.listed), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(d.file("typo.h5")));
  }
}

// A concept the vocabulary knows but the population never records (pregnancy itself; the
// synthetic patients record trimesters) is a warning in every output, not an error.
TEST_F(CohortCommands, KnownButUnrecordedConceptIsAWarningInTheStoreAndTheAttrition) {
  const test::ScratchDir& d = *dir_;
  test::write_text(d.file("pregnancy.json"), R"({"name": "x", "index": {"date": "2025-06-30"},
    "exclusion_rules": [{"name": "pregnant", "condition": {"concepts": [4299535]}},
                        {"name": "pregnant, any trimester",
                         "condition": {"concepts": [{"concept_id": 4299535, "includeDescendants": true}]}}]})");
  const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " +
                                         d.file("pregnancy.json") + " --size 5 -q --overwrite -o " + d.file("preg.h5") +
                                         " --attrition-csv " + d.file("preg.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string warning = "/exclusion_rules/0/condition/concepts/0: concept 4299535 (pregnant) is in the vocabulary, "
                              "but no patient's conditions record it: it matches nobody in this population";
  const hdf5::File store(d.file("preg.h5"), hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(store.string_list_attribute("/", "warnings"), std::vector<std::string>{warning});
  const auto warnings = store.read_strings("/attrition/warnings");
  const auto removed = store.read<std::int64_t>("/attrition/removed");
  const auto decided = store.read<std::int64_t>("/attrition/decided_if_missing");
  const auto remaining = store.read<std::int64_t>("/attrition/remaining");
  ASSERT_EQ(warnings.size(), 7u);
  EXPECT_EQ(warnings[5], warning);
  EXPECT_EQ(removed[5], 0);
  EXPECT_EQ(decided[5], remaining[4]);  // everyone reaching it: the population has no such record
  EXPECT_EQ(warnings[6], "");
  EXPECT_GT(removed[6], 0);  // the trimesters, through concept_ancestor
  const auto csv = test::read_csv(d.file("preg.csv"));
  EXPECT_EQ(csv[0][9], "warnings");
  EXPECT_EQ(csv[6][9], warning);
}

TEST_F(CohortCommands, ProvenanceKeepsTheQuotasTextAndThePopulationChecksum) {
  const test::ScratchDir& d = *dir_;
  for (const bool with_quotas : {true, false}) {
    const std::string out = d.file(with_quotas ? "prov-q.h5" : "prov.h5");
    const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                                           (with_quotas ? " --quotas " + kQuotas : std::string()) +
                                           " --size 10 -q --overwrite -o " + out);
    ASSERT_EQ(run.status, 0) << run.err;
    const hdf5::File store(out, hdf5::File::Mode::ReadOnly);
    std::ifstream in(kQuotas, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(store.string_attribute("/provenance", "quotas"), with_quotas ? text : "");
    EXPECT_EQ(store.string_attribute("/provenance", "population_sha256"), sha256_file(d.file("pop.h5")));
  }
}

// The BACE-1 job's candidates inside clintox's domain and their predicted clinical toxicity,
// to switch candidate-aware rules (outside the domain a rule applies whatever the prediction).
std::pair<std::vector<std::string>, std::vector<double>> ct_tox_by_candidate() {
  const hdf5::File results(kDefaultResults, hdf5::File::Mode::ReadOnly);
  const auto ids = results.read_strings("/results/id");
  const auto ct_tox = results.read<double>("/results/CT_TOX");
  const auto inside = results.read<std::int8_t>("/results/clintox_in_domain");
  std::pair<std::vector<std::string>, std::vector<double>> out;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (inside[i] == 1 && !std::isnan(ct_tox[i])) {
      out.first.push_back(ids[i]);
      out.second.push_back(ct_tox[i]);
    }
  return out;
}

TEST_F(CohortCommands, CandidateFromTheScreenSwitchesRulesByItsPredictions) {
  const test::ScratchDir& d = *dir_;
  ASSERT_TRUE(workflows::ResultsStore::is_complete(kDefaultResults)) << "run the screen_bace1_job test first";
  const auto [ids, ct_tox] = ct_tox_by_candidate();
  // The candidates with the highest and the lowest CT_TOX, and a rule that switches on between them.
  const auto high = std::max_element(ct_tox.begin(), ct_tox.end()), low = std::min_element(ct_tox.begin(), ct_tox.end());
  ASSERT_GT(*high, *low);
  const std::string risky = ids[high - ct_tox.begin()], safe = ids[low - ct_tox.begin()];
  test::write_text(d.file("aware.json"), R"({"name": "x", "index": {"date": "2025-06-30"},
    "inclusion_rules": [{"name": "ALT <= 1.5 x ULN if CT_TOX is high", "when": {"prediction": "CT_TOX", "op": ">", "value": )" +
                                           std::to_string((*high + *low) / 2) + R"(},
      "measurement": {"concepts": [3006923], "op": "<=", "value": 1.5, "unit": "x ULN"}}]})");
  const std::string definition = d.file("aware.json");
  for (const auto& [id, applied] : {std::pair{risky, 1}, std::pair{safe, 0}}) {
    const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + definition +
                                           " --size 20 -q --overwrite -o " + d.file("cand.h5") + " --candidates " +
                                           kDefaultResults + " --candidate-id " + id);
    ASSERT_EQ(run.status, 0) << run.err;
    const hdf5::File store(d.file("cand.h5"), hdf5::File::Mode::ReadOnly);
    const auto names = store.read_strings("/attrition/name");
    const auto flags = store.read<std::int8_t>("/attrition/applied");
    const auto rule = std::find_if(names.begin(), names.end(),
                                   [](const std::string& n) { return n.find("1.5 x ULN") != std::string::npos; });
    ASSERT_NE(rule, names.end());
    EXPECT_EQ(flags[rule - names.begin()], applied) << "candidate " << id;
    EXPECT_EQ(store.string_attribute("/provenance", "candidate_id"), id);
  }
  const CommandRun unknown = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                                             " --size 20 -q -o " + d.file("none.h5") + " --candidates " + kDefaultResults +
                                             " --candidate-id no-such-id");
  EXPECT_NE(unknown.err.find("no candidate with id 'no-such-id'"), std::string::npos) << unknown.err;
}

// Each bar is the share of the step before that a step keeps (scaled to the whole population
// the bars vanish after the index step), and the report says why each candidate-aware rule applies.
TEST_F(CohortCommands, ReportBarsAreSharesOfTheStepBeforeAndSayWhyCandidateRulesApply) {
  const test::ScratchDir& d = *dir_;
  ASSERT_EQ(molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                            " --size 30 -q --overwrite -o " + d.file("bars.h5") + " --report " + d.file("bars.html"))
                .status,
            0);
  const std::string page = test::read_text(d.file("bars.html"));
  const auto remaining = hdf5::File(d.file("bars.h5"), hdf5::File::Mode::ReadOnly).read<std::int64_t>("/attrition/remaining");
  const std::regex bar("<tr><td>([0-9]+)</td>(?:(?!</tr>).)*?width:([0-9]+)px");  // rows of suppressed counts have none
  std::size_t later_bars = 0;
  for (auto m = std::sregex_iterator(page.begin(), page.end(), bar); m != std::sregex_iterator(); ++m) {
    const std::size_t k = std::stoul((*m)[1]);
    const double before = static_cast<double>(remaining[k == 0 ? 0 : k - 1]);
    EXPECT_NEAR(std::stod((*m)[2]), 200.0 * static_cast<double>(remaining[k]) / before, 0.5) << "step " << k;
    later_bars += k >= 2;
  }
  EXPECT_GT(later_bars, 3u);
  EXPECT_NE(page.find("<td class='small'>applied: no candidate given (CT_TOX &gt; 0.5 cannot be ruled out)</td>"),
            std::string::npos);
}

// A rule the candidate did not switch on keeps the summary's columns where they are.
TEST_F(CohortCommands, SummaryTableStaysAlignedOnRulesNotApplied) {
  const test::ScratchDir& d = *dir_;
  ASSERT_TRUE(workflows::ResultsStore::is_complete(kDefaultResults)) << "run the screen_bace1_job test first";
  const auto [ids, ct_tox] = ct_tox_by_candidate();
  const auto low = std::min_element(ct_tox.begin(), ct_tox.end());
  test::write_text(d.file("off.json"), R"({"name": "x", "index": {"date": "2025-06-30"},
    "inclusion_rules": [{"name": "ALT <= 1.5 x ULN when the candidate's clinical toxicity risk is high, a long name",
      "when": {"prediction": "CT_TOX", "op": ">", "value": )" + std::to_string(*low + 1e-3) + R"(},
      "measurement": {"concepts": [3006923], "op": "<=", "value": 1.5, "unit": "x ULN"}}]})");
  const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + d.file("off.json") +
                                         " --size 20 --overwrite -o " + d.file("off.h5") + " --candidates " +
                                         kDefaultResults + " --candidate-id " + ids[low - ct_tox.begin()]);
  ASSERT_EQ(run.status, 0) << run.err;
  std::istringstream err(run.err);
  std::size_t header = 0, rows = 0, not_applied = 0;
  for (std::string line; std::getline(err, line);) {
    if (line.rfind("step ", 0) == 0) header = line.size();
    if (header == 0 || line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
    EXPECT_EQ(line.size(), header) << line;
    not_applied += line.find("(not applied)") != std::string::npos;
    ++rows;
  }
  EXPECT_GT(rows, 5u);
  EXPECT_EQ(not_applied, 1u);
}

// A missed quota's warning gives the category's counts of the strata table (eligible among
// the whole population, not among the patients the selection kept from each slice).
TEST_F(CohortCommands, QuotaWarningCountsAreTheStrataTables) {
  const test::ScratchDir& d = *dir_;
  test::write_text(d.file("asian.json"), R"({"race": {"Asian": {"min": 0.5}}})");
  const CommandRun run = molsieve(d, "cohort --population " + d.file("pop.h5") + " --definition " + kExample +
                                         " --quotas " + d.file("asian.json") + " --size 100 -q --overwrite --slice 7777 "
                                         "--exact-counts -o " + d.file("asian.h5"));
  ASSERT_EQ(run.status, 0) << run.err;
  const hdf5::File store(d.file("asian.h5"), hdf5::File::Mode::ReadOnly);
  const auto category = store.read_strings("/strata/category");
  const std::size_t row = std::find(category.begin(), category.end(), "Asian") - category.begin();
  ASSERT_LT(row, category.size());
  auto at = [&](const char* column) { return std::to_string(store.read<std::int64_t>(std::string("/strata/") + column)[row]); };
  const std::string expected = "quota missed: race Asian needs " + at("quota_min") + " to " + at("quota_max") +
                               ", selected " + at("selected") + " (off by " + at("shortfall") + "; " + at("eligible") +
                               " eligible)";
  EXPECT_NE(run.err.find("warning: " + expected), std::string::npos) << run.err;
}

}  // namespace
}  // namespace molsieve
