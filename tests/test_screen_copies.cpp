// Copies of a structure in a screened library (the results store's duplicate, duplicate_of
// and copies columns, one query row per structure, a selection without copies, the same
// flags after --resume) and the library's own columns carried into the results store and
// every export.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "chem/library_store.h"
#include "core/hdf5_file.h"
#include "screen_test_support.h"
#include "workflows/results/results_store.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;
using workflows::ColumnKind;
using workflows::ResultTable;

// The bace model alone, every valid molecule scored above 0 (no filters, a ramp from pIC50 0,
// no uncertainty penalty) and selected unless a copy: no domain rule, no similarity limit.
std::string open_job(const std::string& library, int chunk_size) {
  return "name = \"copies\"\n[library]\ninputs = [\"" + library + "\"]\nchunk_size = " + std::to_string(chunk_size) +
         "\n[[affinity]]\nmodel = \"bace\"\ndesirability = { low = 0.0, high = 10.0 }\n"
         "[score]\nuncertainty_penalty = 0.0\n"
         "[selection]\nkeep = 10\ndiversity = 1.0\nrequire_in_domain = false\n";
}

// Seven records over four chunks of two: ethanol three times (written three ways), phenol
// twice, paracetamol once, one invalid record.
class ScreenCopies : public SharedRunSuite<ScreenCopies> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_text(dir_->file("lib.smi"),
               "CCO ethanol\nc1ccccc1O phenol\nOCC ethanol_again\nCC(=O)Nc1ccc(O)cc1 paracetamol\n"
               "Oc1ccccc1 phenol_again\nnot_a_smiles broken\nC(O)C ethanol_third\n");
    write_text(dir_->file("job.toml"), open_job(dir_->file("lib.smi"), 2));
    run_ = molsieve(*dir_, "screen " + dir_->file("job.toml") + " -o " + dir_->file("out.h5") + " --threads 2 -q");
  }
};

TEST_F(ScreenCopies, EachCopyNamesItsFirstOccurrenceAcrossChunks) {
  const ResultTable t = read_results(dir_->file("out.h5"));
  EXPECT_EQ(t.at("duplicate").flags, (std::vector<std::int8_t>{0, 0, 1, 0, 1, -1, 1}));
  EXPECT_EQ(t.at("duplicate_of").integers, (std::vector<std::int64_t>{-1, -1, 0, -1, 1, -1, 0}));
  EXPECT_EQ(t.at("copies").texts,
            (std::vector<std::string>{"ethanol_again;ethanol_third", "phenol_again", "", "", "", "", ""}));
  // A copy is ranked through its first occurrence; the ranks count structures.
  EXPECT_EQ(t.at("rank").integers, (std::vector<std::int64_t>{t.at("rank").integers[0], t.at("rank").integers[1],
                                                              t.at("rank").integers[0], t.at("rank").integers[3],
                                                              t.at("rank").integers[1], 0, t.at("rank").integers[0]}));
  std::set<std::int64_t> ranks{t.at("rank").integers[0], t.at("rank").integers[1], t.at("rank").integers[3]};
  EXPECT_EQ(ranks, (std::set<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(workflows::ResultsStore(dir_->file("out.h5")).counts().copies, 3);
}

TEST_F(ScreenCopies, SelectionTakesEachStructureOnce) {
  const workflows::ResultsStore store(dir_->file("out.h5"));
  std::vector<std::int64_t> selection = store.selection();
  std::sort(selection.begin(), selection.end());
  EXPECT_EQ(selection, (std::vector<std::int64_t>{0, 1, 3}));
  EXPECT_EQ(store.read(0, 7, {"selection_rank"}).at("selection_rank").integers[2], 0);
}

TEST_F(ScreenCopies, QueryListsOneRowPerStructureUnlessAllCopies) {
  const auto& dir = *dir_;
  ASSERT_EQ(molsieve(dir, "query " + dir.file("out.h5") + " --order-by index:asc --format csv -o " + dir.file("one.csv")).status, 0);
  ASSERT_EQ(molsieve(dir, "query " + dir.file("out.h5") + " --order-by index:asc --format csv --all-copies -o " +
                              dir.file("all.csv")).status, 0);
  auto indices = [](const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::string> out;
    for (std::size_t r = 1; r < rows.size(); ++r) out.push_back(rows[r][1]);
    return out;
  };
  const auto one = read_csv(dir.file("one.csv")), all = read_csv(dir.file("all.csv"));
  EXPECT_EQ(indices(one), (std::vector<std::string>{"0", "1", "3", "5"}));
  EXPECT_EQ(indices(all), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
  // The table view shows a structure's copies in its row.
  const CommandRun table = molsieve(dir, "query " + dir.file("out.h5") + " --order-by index:asc");
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("copies"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("ethanol_again;ethanol_third"), std::string::npos) << table.out;
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 6) << "header, 4 rows, legend\n" << table.out;
}

// A version 1 store (no copy columns, no library columns) still answers queries: every row.
TEST_F(ScreenCopies, ReportNamesEachCandidatesCopies) {
  const auto& dir = *dir_;
  ASSERT_EQ(molsieve(dir, "report " + dir.file("out.h5") + " -o " + dir.file("r.html") + " --no-explain").status, 0);
  const std::string html = read_text(dir.file("r.html"));
  EXPECT_NE(html.find("Also in the library as: ethanol_again;ethanol_third"), std::string::npos);
  EXPECT_NE(html.find("Also in the library as: phenol_again"), std::string::npos);
}

TEST_F(ScreenCopies, QueryReadsAVersionOneStoreWithoutCopyColumns) {
  const auto& dir = *dir_;
  fs::copy_file(dir.file("out.h5"), dir.file("v1.h5"));
  {
    hdf5::File f(dir.file("v1.h5"), hdf5::File::Mode::ReadWrite);
    f.set_attribute("/", "schema_version", std::int64_t{1});
    std::vector<std::string> names = f.string_list_attribute("/results", "columns");
    std::vector<std::string> kinds = f.string_list_attribute("/results", "kinds");
    for (std::size_t k = names.size(); k-- > 0;)
      if (names[k] == "duplicate" || names[k] == "duplicate_of" || names[k] == "copies") {
        names.erase(names.begin() + k);
        kinds.erase(kinds.begin() + k);
      }
    f.set_attribute("/results", "columns", names);
    f.set_attribute("/results", "kinds", kinds);
    const hid_t group = H5Gopen2(f.id(), "/results", H5P_DEFAULT);
    ASSERT_GE(H5Adelete(group, "input_columns"), 0);
    H5Gclose(group);
  }
  EXPECT_TRUE(workflows::ResultsStore(dir.file("v1.h5")).input_columns().empty());
  ASSERT_EQ(molsieve(dir, "query " + dir.file("v1.h5") + " --format csv -o " + dir.file("v1.csv")).status, 0);
  EXPECT_EQ(read_csv(dir.file("v1.csv")).size(), 8u);
  const CommandRun table = molsieve(dir, "query " + dir.file("v1.h5"));
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_EQ(table.out.find("copies"), std::string::npos) << table.out;
}

// Copies found across chunks by the merge: a run killed after some chunks and resumed flags
// them exactly as an uninterrupted run does.
// Copies within one chunk take no places of the chunk's candidate pool: with pool = keep = 2
// and every structure three times in one chunk, the best structure's copies once filled the
// pool and the selection held one molecule.
TEST(ScreenCopiesPool, CopiesInOneChunkLeaveThePoolToDistinctStructures) {
  ScratchDir dir;
  write_text(dir.file("lib.smi"),
             "CCO a1\nc1ccccc1O b1\nCC(=O)Nc1ccc(O)cc1 c1\nOCC a2\nOc1ccccc1 b2\nCC(=O)Nc1ccc(O)cc1 c2\n"
             "C(O)C a3\nc1ccc(O)cc1 b3\nCC(=O)Nc1ccc(O)cc1 c3\n");
  std::string job = open_job(dir.file("lib.smi"), 100);
  job.replace(job.find("keep = 10"), 9, "keep = 2\npool = 2");
  write_text(dir.file("job.toml"), job);
  const auto run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
  ASSERT_EQ(run.status, 0) << run.err;
  const workflows::ResultsStore store(dir.file("out.h5"));
  const std::vector<std::int64_t> selection = store.selection();
  ASSERT_EQ(selection.size(), 2u);
  const ResultTable t = store.read(0, 9, {"smiles"});
  EXPECT_NE(t.at("smiles").texts[static_cast<std::size_t>(selection[0])],
            t.at("smiles").texts[static_cast<std::size_t>(selection[1])]);
}

TEST(ScreenCopiesResume, ResumedRunFlagsTheSameCopies) {
  ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 300);
  // Copies of early molecules at the end, under new ids, so a copy's first occurrence lies
  // in a chunk computed before the kill.
  write_nci_head(dir.file("again.smi"), 20);
  const std::string again = read_text(dir.file("again.smi"));
  std::string renamed;
  for (std::size_t start = 0, end; (end = again.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = again.substr(start, end - start);
    renamed += line.substr(0, line.find_first_of(" \t")) + " again_" + std::to_string(start) + "\n";
  }
  write_text(dir.file("lib.smi"), read_text(dir.file("lib.smi")) + renamed);
  write_text(dir.file("job.toml"), small_job(dir.file("lib.smi"), 10));
  ASSERT_EQ(molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("whole.h5") + " --threads 2 -q").status, 0);
  const ResultTable whole = read_results(dir.file("whole.h5"));
  for (std::size_t k = 0; k < 20; ++k)
    if (whole.at("valid").flags[k] == 1 && whole.at("duplicate").flags[k] == 0) {
      EXPECT_EQ(whole.at("duplicate_of").integers[300 + k], static_cast<std::int64_t>(k)) << "row " << 300 + k;
    }
  const std::string output = dir.file("killed.h5");
  kill_screen_after(screen_args(dir.file("job.toml"), output), output, 5);
  ASSERT_TRUE(fs::exists(output + ".parts")) << "the run finished before it could be killed";
  const CommandRun resumed = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + output + " --resume --threads 2 -q");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  expect_same_results(dir.file("whole.h5"), output);
}

// A CSV library's own columns: `vendor_id` (text), `pIC50_measured` (numbers, one missing),
// `catalog_no` (digits with leading zeros: codes, kept as text), and `score` and `id`, names
// molsieve writes, stored as `input:score` and `input:id`.
class ScreenInputColumns : public SharedRunSuite<ScreenInputColumns> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_text(dir_->file("lib.csv"),
               "smiles,vendor_id,pIC50_measured,catalog_no,score,id\n"
               "CC(=O)Nc1ccc(O)cc1,V-001,6.5,0012,1,p1\n"
               "c1ccccc1O,V-002,,0450,2,p2\n"
               "CCN(CC)CC,\"V-003, lot 7\",7.25,0077,3,p3\n");
    write_text(dir_->file("job.toml"), open_job(dir_->file("lib.csv"), 2));
    run_ = molsieve(*dir_, "screen " + dir_->file("job.toml") + " -o " + dir_->file("out.h5") + " --threads 2 -q");
  }
};

TEST_F(ScreenInputColumns, ResultsStoreKeepsThemNumbersAsNumbers) {
  const workflows::ResultsStore store(dir_->file("out.h5"));
  EXPECT_EQ(store.input_columns(),
            (std::vector<std::string>{"vendor_id", "pIC50_measured", "catalog_no", "input:score", "input:id"}));
  const ResultTable t = store.read(0, 3);
  EXPECT_EQ(t.at("vendor_id").kind, ColumnKind::Text);
  EXPECT_EQ(t.at("vendor_id").texts, (std::vector<std::string>{"V-001", "V-002", "V-003, lot 7"}));
  ASSERT_EQ(t.at("pIC50_measured").kind, ColumnKind::Number);
  EXPECT_EQ(t.at("pIC50_measured").numbers[0], 6.5);
  EXPECT_TRUE(std::isnan(t.at("pIC50_measured").numbers[1]));
  EXPECT_EQ(t.at("pIC50_measured").numbers[2], 7.25);
  EXPECT_EQ(t.at("catalog_no").kind, ColumnKind::Text);
  EXPECT_EQ(t.at("catalog_no").texts, (std::vector<std::string>{"0012", "0450", "0077"}));
  ASSERT_EQ(t.at("input:score").kind, ColumnKind::Number);
  EXPECT_EQ(t.at("input:score").numbers, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(t.at("input:id").texts, (std::vector<std::string>{"p1", "p2", "p3"}));
  // molsieve's own columns are untouched by the library's.
  EXPECT_EQ(t.at("id").texts, (std::vector<std::string>{"lib_1", "lib_2", "lib_3"}));
  EXPECT_GT(t.at("score").numbers[0], 0);
  EXPECT_NE(t.at("score").numbers[0], 1);
}

TEST_F(ScreenInputColumns, CsvJsonSdfAndTableExportsCarryThem) {
  const auto& dir = *dir_;
  const std::string query = "query " + dir.file("out.h5") + " --order-by index:asc ";
  ASSERT_EQ(molsieve(dir, query + "--format csv -o " + dir.file("out.csv")).status, 0);
  const auto rows = read_csv(dir.file("out.csv"));
  ASSERT_EQ(rows.size(), 4u);
  auto column = [&](const std::string& name) {
    const auto at = std::find(rows[0].begin(), rows[0].end(), name);
    EXPECT_NE(at, rows[0].end()) << name;
    std::vector<std::string> values;
    for (std::size_t r = 1; r < rows.size(); ++r) values.push_back(rows[r][at - rows[0].begin()]);
    return values;
  };
  EXPECT_EQ(column("vendor_id"), (std::vector<std::string>{"V-001", "V-002", "V-003, lot 7"}));
  EXPECT_EQ(column("pIC50_measured"), (std::vector<std::string>{"6.5", "", "7.25"}));
  EXPECT_EQ(column("catalog_no"), (std::vector<std::string>{"0012", "0450", "0077"}));
  EXPECT_EQ(column("input:id"), (std::vector<std::string>{"p1", "p2", "p3"}));

  ASSERT_EQ(molsieve(dir, query + "--format json -o " + dir.file("out.json")).status, 0);
  const auto json = nlohmann::json::parse(read_text(dir.file("out.json")));
  ASSERT_EQ(json.size(), 3u);
  EXPECT_EQ(json[0]["pIC50_measured"], 6.5);
  EXPECT_TRUE(json[1]["pIC50_measured"].is_null());
  EXPECT_EQ(json[2]["vendor_id"], "V-003, lot 7");
  EXPECT_EQ(json[0]["catalog_no"], "0012");
  EXPECT_EQ(json[2]["input:score"], 3.0);

  ASSERT_EQ(molsieve(dir, query + "--format sdf -o " + dir.file("out.sdf")).status, 0);
  const std::string sdf = read_text(dir.file("out.sdf"));
  EXPECT_NE(sdf.find(">  <vendor_id>\nV-001\n"), std::string::npos) << sdf;
  EXPECT_NE(sdf.find(">  <pIC50_measured>\n7.25\n"), std::string::npos) << sdf;
  EXPECT_NE(sdf.find(">  <input:id>\np2\n"), std::string::npos) << sdf;

  const CommandRun table = molsieve(dir, query);
  ASSERT_EQ(table.status, 0) << table.err;
  for (const char* text : {"vendor_id", "pIC50_measured", "V-003, lot 7", "7.25", "input:id"})
    EXPECT_NE(table.out.find(text), std::string::npos) << text << "\n" << table.out;
}

// Featurized first, the same library reaches the results store with the same columns.
TEST_F(ScreenInputColumns, ReportShowsThemForEachCandidate) {
  const auto& dir = *dir_;
  ASSERT_EQ(molsieve(dir, "report " + dir.file("out.h5") + " -o " + dir.file("r.html") + " --no-explain").status, 0);
  const std::string html = read_text(dir.file("r.html"));
  EXPECT_NE(html.find("vendor_id = V-003, lot 7; pIC50_measured = 7.25; catalog_no = 0077; input:score = 3; input:id = p3"),
            std::string::npos);
  EXPECT_NE(html.find("vendor_id = V-002; pIC50_measured = (empty)"), std::string::npos);
}

TEST_F(ScreenInputColumns, LibraryStoreCarriesThemInInputOrder) {
  const auto& dir = *dir_;
  ASSERT_EQ(molsieve(dir, "featurize " + dir.file("lib.csv") + " -o " + dir.file("lib.h5") + " -q").status, 0);
  EXPECT_EQ(chem::LibraryReader(dir.file("lib.h5")).summary().property_columns,
            (std::vector<std::string>{"vendor_id", "pIC50_measured", "catalog_no", "score", "id"}));
  write_text(dir.file("store-job.toml"), open_job(dir.file("lib.h5"), 2));
  ASSERT_EQ(molsieve(dir, "screen " + dir.file("store-job.toml") + " -o " + dir.file("store.h5") + " -q").status, 0);
  const workflows::ResultsStore from_store(dir.file("store.h5")), from_file(dir.file("out.h5"));
  ASSERT_EQ(from_store.input_columns(), from_file.input_columns());
  const ResultTable a = from_store.read(0, 3, from_store.input_columns()), b = from_file.read(0, 3, from_file.input_columns());
  for (const auto& name : from_file.input_columns()) {
    EXPECT_EQ(a.at(name).kind, b.at(name).kind) << name;
    EXPECT_EQ(a.at(name).texts, b.at(name).texts) << name;
    for (std::size_t r = 0; r < 3 && a.at(name).kind == ColumnKind::Number; ++r)
      EXPECT_TRUE(a.at(name).numbers[r] == b.at(name).numbers[r] ||
                  (std::isnan(a.at(name).numbers[r]) && std::isnan(b.at(name).numbers[r])))
          << name << " row " << r;
  }
}

// SDF data fields too, also one that only later records have (in a later chunk), and one
// named like the bace model's task, pIC50, stored as input:pIC50 beside the prediction.
TEST(ScreenSdfFields, DataFieldsReachTheResultsStoreBesideThePredictions) {
  ScratchDir dir;
  const std::string ethane =
      "ethane\n  test\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\n"
      "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
      "    1.5000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n  1  2  1  0\nM  END\n";
  write_text(dir.file("lib.sdf"), ethane + "> <pIC50>\n7.2\n\n$$$$\n" + ethane + "> <pIC50>\n6.1\n\n$$$$\n" +
                                      ethane + "> <vendor>\nACME 12\n\n$$$$\n");
  write_text(dir.file("job.toml"), open_job(dir.file("lib.sdf"), 2));
  const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
  ASSERT_EQ(run.status, 0) << run.err;
  const workflows::ResultsStore store(dir.file("out.h5"));
  EXPECT_EQ(store.input_columns(), (std::vector<std::string>{"input:pIC50", "vendor"}));
  const ResultTable t = store.read(0, 3);
  ASSERT_EQ(t.at("input:pIC50").kind, ColumnKind::Number);
  EXPECT_EQ(t.at("input:pIC50").numbers[0], 7.2);
  EXPECT_EQ(t.at("input:pIC50").numbers[1], 6.1);
  EXPECT_TRUE(std::isnan(t.at("input:pIC50").numbers[2]));
  EXPECT_EQ(t.at("vendor").texts, (std::vector<std::string>{"", "", "ACME 12"}));
  EXPECT_EQ(t.at("pIC50").numbers[0], t.at("pIC50").numbers[1]);  // the model's prediction, unchanged
  EXPECT_NE(t.at("pIC50").numbers[0], 7.2);
  EXPECT_EQ(t.at("duplicate_of").integers, (std::vector<std::int64_t>{-1, 0, 0}));
}

}  // namespace
}  // namespace molsieve::test
