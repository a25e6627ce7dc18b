// molsieve screen and query end to end: the default job, resume after SIGKILL at several
// points, the bad-input cases (the model-free pieces: test_score_and_query.cpp).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>
#include <utility>

#include "core/error.h"
#include "core/hdf5_file.h"
#include "test_support.h"
#include "workflows/results/result_table.h"
#include "workflows/results/results_store.h"
#include "workflows/screen/job.h"

namespace molsieve {
namespace {

namespace fs = std::filesystem;
using test::CommandRun;
using workflows::ColumnKind;
using workflows::ResultTable;

const std::string kSource = MOLSIEVE_SOURCE_DIR;
// Written by the CTest fixture screen_default_job (or by the suite when run on its own).
const std::string kDefaultResults = MOLSIEVE_DEFAULT_JOB_RESULTS;

using test::molsieve;

ResultTable read_results(const std::string& path) {
  const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  return workflows::read_table(file, "/results", 0, workflows::table_rows(file, "/results"));
}

// The first `count` NCI molecules as a .smi file.
void write_nci_head(const std::string& path, int count) {
  std::ifstream in(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::ofstream out(path);
  std::string line;
  for (int i = 0; i < count && std::getline(in, line); ++i) out << line << "\n";
}

// A small job: the BACE model, the Tox21 model and the shipped references.
std::string small_job(const std::string& library, int chunk_size) {
  return "name = \"small\"\n[library]\ninputs = [\"" + library + "\"]\nchunk_size = " + std::to_string(chunk_size) +
         "\n[filters]\nmax_lipinski_violations = 1\nexclude_alerts = [\"PAINS_A\"]\n"
         "[filters.ranges]\nmw = [150, 650]\n"
         "[[affinity]]\nmodel = \"bace\"\ndesirability = { low = 5.0, high = 8.0 }\nweight = 2\n"
         "[[toxicity]]\nmodel = \"tox21\"\n"
         "[similarity]\nreferences = \"" + kSource + "/datasets/jobs/bace1_references.smi\"\n"
         "[selection]\nkeep = 10\ndiversity = 0.5\n";
}

void expect_same_results(const std::string& a, const std::string& b) {
  const ResultTable x = read_results(a), y = read_results(b);
  ASSERT_EQ(x.columns().size(), y.columns().size());
  ASSERT_EQ(x.rows(), y.rows());
  for (std::size_t c = 0; c < x.columns().size(); ++c) {
    const auto& p = x.columns()[c];
    const auto& q = y.columns()[c];
    ASSERT_EQ(p.name, q.name);
    for (std::size_t r = 0; r < x.rows(); ++r) {
      if (p.kind == ColumnKind::Text) {
        ASSERT_EQ(p.texts[r], q.texts[r]) << p.name << " row " << r;
      } else {
        const double u = p.number(r), v = q.number(r);
        ASSERT_TRUE(u == v || (std::isnan(u) && std::isnan(v))) << p.name << " row " << r << ": " << u << " vs " << v;
      }
    }
  }
  const hdf5::File fa(a, hdf5::File::Mode::ReadOnly), fb(b, hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(fa.read<std::int64_t>("/selection/index"), fb.read<std::int64_t>("/selection/index"));
}

class DefaultJob : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ScratchDir;
    run_ = new CommandRun{0, ""};
    if (!workflows::ResultsStore::is_complete(kDefaultResults))
      *run_ = molsieve(*dir_, "screen " + kSource + "/datasets/jobs/default.toml -o " + kDefaultResults +
                                  " --overwrite --threads 2 -q");
    if (workflows::ResultsStore::is_complete(kDefaultResults)) fs::copy_file(kDefaultResults, dir_->file("default.h5"));
    // No NCI molecule is inside the bace model's domain: the default job selects nothing. The
    // tests of the selection and the candidate cards screen NCI molecules mixed with the six
    // clinical BACE-1 inhibitors (two of them inside the domain), with and without the rule.
    write_nci_head(dir_->file("mixed.smi"), 300);
    {
      std::ifstream refs(kSource + "/datasets/jobs/bace1_references.smi");
      std::ofstream out(dir_->file("mixed.smi"), std::ios::app);
      out << refs.rdbuf();
    }
    std::ifstream job_file(kSource + "/datasets/jobs/default.toml");
    std::string job((std::istreambuf_iterator<char>(job_file)), std::istreambuf_iterator<char>());
    const auto replace = [&](const std::string& from, const std::string& to) { job.replace(job.find(from), from.size(), to); };
    replace("\"bace1_references.smi\"", "\"" + kSource + "/datasets/jobs/bace1_references.smi\"");
    test::write_text(dir_->file("inside.toml"), job);
    replace("require_in_domain = true", "require_in_domain = false");
    test::write_text(dir_->file("open.toml"), job);
    for (const char* name : {"inside", "open"}) {
      const CommandRun run = molsieve(*dir_, "screen " + dir_->file(std::string(name) + ".toml") + " --library " +
                                                 dir_->file("mixed.smi") + " -o " + dir_->file(std::string(name) + ".h5") +
                                                 " --threads 2 -q");
      if (run.status != 0) *run_ = run;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete run_;
  }
  void SetUp() override { ASSERT_EQ(run_->status, 0) << run_->err; }
  static test::ScratchDir* dir_;
  static CommandRun* run_;
};
test::ScratchDir* DefaultJob::dir_ = nullptr;
CommandRun* DefaultJob::run_ = nullptr;

TEST_F(DefaultJob, WritesOneRowPerNciRecordInLibraryOrder) {
  const ResultTable t = read_results(dir_->file("default.h5"));
  std::ifstream in(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::string line;
  std::size_t row = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::string id = line.substr(line.find_first_of(" \t") + 1);
    ASSERT_LT(row, t.rows());
    EXPECT_EQ(t.at("index").integers[row], static_cast<std::int64_t>(row));
    EXPECT_EQ(t.at("id").texts[row], id.substr(id.find_first_not_of(" \t"))) << "row " << row;
    ++row;
  }
  EXPECT_EQ(row, t.rows());
  const hdf5::File file(dir_->file("default.h5"), hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(file.int_attribute("/", "complete"), 1);
  EXPECT_EQ(file.string_attribute("/", "schema"), "molsieve results store");
  EXPECT_EQ(file.string_list_attribute("/provenance", "models"), (std::vector<std::string>{"bace", "tox21", "clintox"}));
  EXPECT_EQ(file.string_list_attribute("/provenance", "model_sha256").size(), 3u);
}

TEST_F(DefaultJob, AffinityColumnEqualsMolsievePredictOnTheSameLibrary) {
  const auto& dir = *dir_;
  const CommandRun predict = molsieve(dir, "predict --model " + kSource + "/models/pretrained/bace.h5 --input " +
                                               test::rdkit_data("Data/NCI/first_5K.smi") + " -o " +
                                               dir.file("bace.csv") + " --threads 2 -q");
  ASSERT_EQ(predict.status, 0) << predict.err;
  const auto csv = test::read_csv(dir.file("bace.csv"));
  const ResultTable t = read_results(dir.file("default.h5"));
  ASSERT_EQ(csv.size(), t.rows() + 1);
  const auto pic50 = std::find(csv[0].begin(), csv[0].end(), "pIC50") - csv[0].begin();
  ASSERT_LT(pic50, static_cast<std::ptrdiff_t>(csv[0].size()));
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string& text = csv[r + 1][pic50];
    const double screened = t.at("pIC50").numbers[r];
    if (text.empty()) {
      EXPECT_TRUE(std::isnan(screened)) << "row " << r;
    } else {
      // float32 inference: batches group different molecules (chunks differ), so sums differ in the last bits.
      EXPECT_NEAR(std::stod(text), screened, 1e-5) << "row " << r;
    }
  }
}

TEST_F(DefaultJob, ScoreIsTheWeightedGeometricMeanOfTheDesirabilities) {
  const ResultTable t = read_results(dir_->file("default.h5"));
  std::size_t checked = 0;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (!t.at("passes_filters").flags[r]) {
      EXPECT_TRUE(std::isnan(t.at("score").numbers[r]));
      continue;
    }
    // The default job's weights: bace 2, tox21 1, clintox 1, similarity 0.5.
    const double d[4] = {t.at("d_bace").numbers[r], t.at("d_tox21").numbers[r], t.at("d_clintox").numbers[r],
                         t.at("d_similarity").numbers[r]};
    const double w[4] = {2, 1, 1, 0.5};
    double expected = 1;
    for (int k = 0; k < 4; ++k) expected *= std::pow(d[k], w[k] / 4.5);
    EXPECT_NEAR(t.at("score").numbers[r], expected, 1e-12) << "row " << r;
    // Affinity desirability: pIC50 - std on the 5..8 ramp, halved outside the domain.
    const double bound = t.at("pIC50").numbers[r] - t.at("pIC50_std").numbers[r];
    double d_bace = std::clamp((bound - 5.0) / 3.0, 0.0, 1.0);
    if (!t.at("bace_in_domain").flags[r]) d_bace *= 0.5;
    EXPECT_NEAR(d[0], d_bace, 1e-12) << "row " << r;
    ++checked;
  }
  EXPECT_GT(checked, 1000u);
}

// An extrapolated affinity is no reason to put a molecule forward: with the rule (the
// default), only molecules inside the affinity model's domain are selected.
TEST_F(DefaultJob, OnlyMoleculesInsideTheAffinityDomainAreSelected) {
  {
    const hdf5::File file(dir_->file("default.h5"), hdf5::File::Mode::ReadOnly);
    EXPECT_TRUE(file.read<std::int64_t>("/selection/index").empty());
    EXPECT_EQ(file.string_attribute("/", "selection_rule"), "scored and inside every affinity model's applicability domain");
    const ResultTable t = read_results(dir_->file("default.h5"));
    std::size_t scored = 0;
    for (std::size_t r = 0; r < t.rows(); ++r)
      if (!std::isnan(t.at("score").numbers[r])) {
        ++scored;
        EXPECT_EQ(t.at("bace_in_domain").flags[r], 0) << "row " << r;
      }
    EXPECT_GT(scored, 1000u);
  }
  const hdf5::File file(dir_->file("inside.h5"), hdf5::File::Mode::ReadOnly);
  const auto selection = file.read<std::int64_t>("/selection/index");
  const ResultTable t = read_results(dir_->file("inside.h5"));
  ASSERT_FALSE(selection.empty());
  for (const auto row : selection) {
    EXPECT_EQ(t.at("bace_in_domain").flags[row], 1) << t.at("id").texts[row];
    EXPECT_TRUE(t.at("id").texts[row] == "verubecestat" || t.at("id").texts[row] == "atabecestat") << t.at("id").texts[row];
  }
  // Without the rule, the best-scored molecule is selected whatever its domain.
  const auto open = hdf5::File(dir_->file("open.h5"), hdf5::File::Mode::ReadOnly).read<std::int64_t>("/selection/index");
  ASSERT_FALSE(open.empty());
  EXPECT_EQ(read_results(dir_->file("open.h5")).at("rank").integers[open[0]], 1);
}

TEST_F(DefaultJob, SelectionIsRankedPassesFiltersAndIsDiverse) {
  const hdf5::File file(dir_->file("open.h5"), hdf5::File::Mode::ReadOnly);
  const auto selection = file.read<std::int64_t>("/selection/index");
  const ResultTable t = read_results(dir_->file("open.h5"));
  ASSERT_GE(selection.size(), 3u);  // 306 molecules, of which few score above 0
  ASSERT_LE(selection.size(), 50u);
  for (std::size_t k = 0; k < selection.size(); ++k) {
    const auto row = static_cast<std::size_t>(selection[k]);
    EXPECT_EQ(t.at("passes_filters").flags[row], 1);
    EXPECT_EQ(t.at("selection_rank").integers[row], static_cast<std::int64_t>(k + 1));
    EXPECT_GT(t.at("score").numbers[row], 0.0);
    if (k > 0) EXPECT_LE(t.at("score").numbers[row], t.at("score").numbers[selection[k - 1]]);
  }
  // The best-scored molecule is always selected first; ranks follow the scores.
  std::size_t best = 0;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.at("rank").integers[r] == 1) best = r;
  EXPECT_EQ(static_cast<std::size_t>(selection[0]), best);
}

TEST_F(DefaultJob, QueryCsvHasTheDocumentedHeaderAndHonoursWhereAndTop) {
  const auto& dir = *dir_;
  const CommandRun q = molsieve(dir, "query " + dir.file("default.h5") +
                                         " --where 'pIC50 > 5.5 and tox21_max < 0.5 and not pains' --top 7 --format csv -o " +
                                         dir.file("top.csv"));
  ASSERT_EQ(q.status, 0) << q.err;
  const auto rows = test::read_csv(dir.file("top.csv"));
  ASSERT_EQ(rows[0][0] + "," + rows[0][1] + "," + rows[0][2] + "," + rows[0][3] + "," + rows[0][4],
            "position,index,id,smiles,score");
  ASSERT_EQ(rows.size(), 8u);
  const ResultTable t = read_results(dir.file("default.h5"));
  // The same rows by a plain loop: filter, order by score (missing last), ties by row.
  std::vector<std::size_t> expected;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.at("pIC50").numbers[r] > 5.5 && t.at("tox21_max").numbers[r] < 0.5 && t.at("pains").flags[r] == 0)
      expected.push_back(r);
  std::stable_sort(expected.begin(), expected.end(), [&](std::size_t a, std::size_t b) {
    const double x = t.at("score").numbers[a], y = t.at("score").numbers[b];
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
    return x > y;
  });
  for (std::size_t k = 0; k < 7; ++k) {
    EXPECT_EQ(rows[k + 1][0], std::to_string(k + 1));
    EXPECT_EQ(rows[k + 1][1], std::to_string(expected[k]));
  }
}

// Under --diverse the output position and the store's rank differ: each keeps one name, and
// CSV, JSON and SDF give the same values under it.
TEST_F(DefaultJob, ExportsNameEachColumnOnceAndAgreeAcrossFormats) {
  const auto& dir = *dir_;
  const std::string query = "query " + dir.file("default.h5") + " --diverse 0.3 --top 6 --overwrite --format ";
  for (const char* format : {"csv", "json", "sdf"})
    ASSERT_EQ(molsieve(dir, query + format + " -o " + dir.file(std::string("export.") + format)).status, 0) << format;
  const auto csv = test::read_csv(dir.file("export.csv"));
  ASSERT_EQ(csv.size(), 7u);
  const auto& header = csv[0];
  for (const auto& name : header) EXPECT_EQ(std::count(header.begin(), header.end(), name), 1) << name;
  const auto column = [&](const std::string& name) { return std::find(header.begin(), header.end(), name) - header.begin(); };
  ASSERT_EQ(header[0], "position");

  std::ifstream json_file(dir.file("export.json"));
  const auto json = nlohmann::json::parse(json_file);
  ASSERT_EQ(json.size(), 6u);
  std::ifstream sdf_file(dir.file("export.sdf"));
  const std::string sdf((std::istreambuf_iterator<char>(sdf_file)), std::istreambuf_iterator<char>());
  std::vector<std::string> sdf_positions, sdf_ranks;
  for (std::size_t at = 0; (at = sdf.find(">  <", at)) != std::string::npos; ++at) {
    const std::size_t close = sdf.find(">\n", at + 4);
    const std::string tag = sdf.substr(at + 4, close - at - 4);
    const std::string value = sdf.substr(close + 2, sdf.find('\n', close + 2) - close - 2);
    if (tag == "position") sdf_positions.push_back(value);
    if (tag == "rank") sdf_ranks.push_back(value);
  }
  ASSERT_EQ(sdf_positions.size(), 6u);
  ASSERT_EQ(sdf_ranks.size(), 6u);
  bool rank_differs_from_position = false;
  for (std::size_t k = 0; k < 6; ++k) {
    const std::string position = std::to_string(k + 1), rank = csv[k + 1][column("rank")];
    EXPECT_EQ(csv[k + 1][0], position);
    EXPECT_EQ(json[k]["position"].get<int>(), static_cast<int>(k + 1));
    EXPECT_EQ(std::to_string(json[k]["rank"].get<long long>()), rank);
    EXPECT_EQ(sdf_positions[k], position);
    EXPECT_EQ(sdf_ranks[k], rank);
    rank_differs_from_position |= rank != position;
  }
  EXPECT_TRUE(rank_differs_from_position) << "--diverse 0.3 kept the top 6 by score: the test proves nothing";
}

// The table a chemist reads first, and the report's cards, show the terms that made each score.
TEST_F(DefaultJob, QueryTableAndReportShowTheTermsThatMadeTheScore) {
  const auto& dir = *dir_;
  ASSERT_EQ(molsieve(dir, "query " + dir.file("default.h5") + " --top 3 --overwrite -o " + dir.file("top.txt")).status, 0);
  std::ifstream in(dir.file("top.txt"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u);  // header, 3 rows, legend
  for (const char* term : {"bace (w2)", "tox21 (w1)", "clintox (w1)", "similarity (w0.5)"})
    EXPECT_NE(lines[0].find(term), std::string::npos) << lines[0];
  EXPECT_EQ(lines[4].rfind("score: weighted geometric mean", 0), 0u) << lines[4];
  const ResultTable t = read_results(dir.file("default.h5"));
  std::size_t best = 0;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.at("rank").integers[r] == 1) best = r;
  char cell[64];
  std::snprintf(cell, sizeof cell, "%.2f±%.2f d%.2f%s", t.at("pIC50").numbers[best], t.at("pIC50_std").numbers[best],
                t.at("d_bace").numbers[best], t.at("bace_in_domain").flags[best] == 0 ? "!" : "");
  EXPECT_NE(lines[1].find(cell), std::string::npos) << lines[1] << "\nexpected " << cell;

  const auto read_report = [&](const std::string& store) {
    EXPECT_EQ(molsieve(dir, "report " + dir.file(store) + " --no-explain --top 2 --overwrite -o " + dir.file("terms.html"))
                  .status,
              0);
    std::ifstream html_file(dir.file("terms.html"));
    return std::string((std::istreambuf_iterator<char>(html_file)), std::istreambuf_iterator<char>());
  };
  EXPECT_NE(read_report("open.h5").find("<th>score term</th><th>value</th><th>desirability</th><th>weight</th>"),
            std::string::npos);
  const std::string html = read_report("default.h5");
  EXPECT_NE(html.find("No candidate selected."), std::string::npos);
  std::size_t outside = 0;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const double mw = t.at("mw").numbers[r], clogp = t.at("clogp").numbers[r];
    outside += !std::isnan(mw) && !std::isnan(clogp) && (mw < 0 || mw > 800 || clogp < -6 || clogp > 10);
  }
  ASSERT_GT(outside, 0u) << "the NCI library has molecules beyond the plot's axes";
  EXPECT_NE(html.find(std::to_string(outside) + " molecule(s) outside the axes"), std::string::npos);
}

TEST_F(DefaultJob, QueryWithNoMatchWritesOnlyTheHeader) {
  const auto& dir = *dir_;
  const CommandRun q = molsieve(dir, "query " + dir.file("default.h5") + " --where 'score > 2' --format csv -o " +
                                         dir.file("none.csv"));
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_EQ(test::read_csv(dir.file("none.csv")).size(), 1u);
  EXPECT_NE(q.err.find("no rows match"), std::string::npos);
}

TEST_F(DefaultJob, ReportHasEverySectionAndRendersInHeadlessChromium) {
  const auto& dir = *dir_;
  const CommandRun report = molsieve(dir, "report " + dir.file("open.h5") + " -o " + dir.file("report.html") +
                                              " --top 5 --threads 2");
  ASSERT_EQ(report.status, 0) << report.err;
  std::ifstream in(dir.file("report.html"));
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* section : {"Filter funnel", "Score distributions", "Property space", "Top candidates",
                              "Models and their limitations", "Job and provenance", "applicability domain"})
    EXPECT_NE(html.find(section), std::string::npos) << section;
  std::size_t candidates = 0;
  for (auto at = html.find("class='candidate'"); at != std::string::npos; at = html.find("class='candidate'", at + 1))
    ++candidates;
  EXPECT_EQ(candidates, 5u);
  // Explanations drawn: 5 candidates x (bace + one toxicity model) depictions, plus the plots.
  EXPECT_EQ(html.find("no explanation"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, static
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const std::string shot = dir.file("report.png");
  const CommandRun chromium = test::run_command(
      dir, "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,3000 --screenshot=" +
               shot + " file://" + dir.file("report.html"));
  ASSERT_EQ(chromium.status, 0) << chromium.err;
  std::ifstream png(shot, std::ios::binary);
  std::string header(8, '\0');
  png.read(header.data(), 8);
  EXPECT_EQ(header, std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(fs::file_size(shot), 50000u);  // a blank page is a few kB
}

// Kills a screen with SIGKILL once `chunks` part files exist, resumes it, and compares the
// result with an uninterrupted run.
class ScreenResume : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ScratchDir;
    // 40 chunks: the last kill point (11) leaves 29 to go, so a loaded machine cannot finish
    // the run between two looks at the parts folder.
    write_nci_head(dir_->file("lib.smi"), 400);
    test::write_text(dir_->file("job.toml"), small_job(dir_->file("lib.smi"), 10));
    whole_ = new CommandRun(molsieve(*dir_, "screen " + dir_->file("job.toml") + " -o " + dir_->file("whole.h5") +
                                                " --threads 2 -q"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete whole_;
  }
  void SetUp() override { ASSERT_EQ(whole_->status, 0) << whole_->err; }

  static void kill_after(const std::string& output, std::size_t chunks, bool overwrite = false) {
    const std::string parts = output + ".parts";
    const pid_t pid = fork();
    if (pid == 0) {
      execl(MOLSIEVE_BINARY, MOLSIEVE_BINARY, "screen", dir_->file("job.toml").c_str(), "-o", output.c_str(),
            "--threads", "2", "-q", overwrite ? "--overwrite" : static_cast<char*>(nullptr), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    while (std::chrono::steady_clock::now() < deadline) {
      std::size_t done = 0;
      if (fs::exists(parts))
        for (const auto& entry : fs::directory_iterator(parts)) done += entry.path().extension() == ".h5";
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) return;  // finished before the kill point
      if (done >= chunks && fs::exists(parts)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
  }

  static test::ScratchDir* dir_;
  static CommandRun* whole_;
};
test::ScratchDir* ScreenResume::dir_ = nullptr;
CommandRun* ScreenResume::whole_ = nullptr;

TEST_F(ScreenResume, KilledRunsResumeToIdenticalResults) {
  const auto& dir = *dir_;
  for (std::size_t chunks : {0u, 3u, 11u}) {
    SCOPED_TRACE("killed after " + std::to_string(chunks) + " chunk(s)");
    const std::string output = dir.file("killed" + std::to_string(chunks) + ".h5");
    kill_after(output, chunks);
    ASSERT_TRUE(fs::exists(output + ".parts")) << "the run finished before it could be killed";
    {
      // Without --resume an interrupted run is refused, not silently restarted.
      const CommandRun refused = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + output + " -q");
      EXPECT_NE(refused.status, 0);
      EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;
    }
    const CommandRun resumed =
        molsieve(dir, "screen " + dir.file("job.toml") + " -o " + output + " --resume --threads 2 -q");
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_FALSE(fs::exists(output + ".parts"));
    expect_same_results(dir.file("whole.h5"), output);
  }
}

TEST_F(ScreenResume, ResumeOfAFinishedRunDoesNothingAndAnExistingOutputIsRefused) {
  const auto& dir = *dir_;
  const auto before = fs::last_write_time(dir.file("whole.h5"));
  const CommandRun again = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("whole.h5") + " --resume");
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.err.find("already complete"), std::string::npos) << again.err;
  EXPECT_EQ(fs::last_write_time(dir.file("whole.h5")), before);
  const CommandRun refused = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("whole.h5") + " -q");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.err.find("--overwrite"), std::string::npos) << refused.err;
}

TEST_F(ScreenResume, ChangedJobIsNotResumedFromOldParts) {
  const auto& dir = *dir_;
  const std::string output = dir.file("changed.h5");
  kill_after(output, 2);
  ASSERT_TRUE(fs::exists(output + ".parts")) << "the run finished before it could be killed";
  test::write_text(dir.file("job2.toml"), small_job(dir.file("lib.smi"), 10) + "[score]\nuncertainty_penalty = 2.0\n");
  const CommandRun resumed = molsieve(dir, "screen " + dir.file("job2.toml") + " -o " + output + " --resume -q");
  EXPECT_NE(resumed.status, 0);
  EXPECT_NE(resumed.err.find("changed since the interrupted run"), std::string::npos) << resumed.err;
}

// A run killed while it set up its parts folder leaves only the folder's temporary name, with
// no fingerprint yet: neither a plain run nor --resume may take it for an interrupted run.
TEST_F(ScreenResume, RunKilledWhileStartingLeavesNothingThatBlocksTheNextRun) {
  const auto& dir = *dir_;
  const std::pair<const char*, const char*> runs[] = {{"starting-plain.h5", " -q"}, {"starting-resume.h5", " --resume -q"}};
  for (const auto& [name, flags] : runs) {
    SCOPED_TRACE(flags);
    const std::string output = dir.file(name);
    fs::create_directories(output + ".parts.partial");
    test::write_text(output + ".parts.partial/job.sha256", "");
    const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + output + " --threads 2" + flags);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_FALSE(fs::exists(output + ".parts.partial"));
    EXPECT_FALSE(fs::exists(output + ".parts"));
    expect_same_results(dir.file("whole.h5"), output);
  }
}

// --overwrite replaces the old results only with complete new ones: a failed or killed run
// leaves them as they were.
TEST_F(ScreenResume, OverwriteKeepsTheOldResultsUntilTheNewRunIsComplete) {
  const auto& dir = *dir_;
  const std::string keep = dir.file("keep.h5");
  fs::copy_file(dir.file("whole.h5"), keep, fs::copy_options::overwrite_existing);
  const std::string old_bytes = test::read_text(keep);

  ASSERT_EQ(molsieve(dir, "featurize " + dir.file("lib.smi") + " -o " + dir.file("broken.h5") + " -q").status, 0);
  fs::resize_file(dir.file("broken.h5"), fs::file_size(dir.file("broken.h5")) / 2);
  const CommandRun failed = molsieve(dir, "screen " + dir.file("job.toml") + " --library " + dir.file("broken.h5") +
                                              " -o " + keep + " --overwrite -q");
  EXPECT_NE(failed.status, 0);
  EXPECT_EQ(test::read_text(keep), old_bytes) << "a failed --overwrite run changed the old results";
  EXPECT_FALSE(fs::exists(keep + ".parts")) << failed.err;

  kill_after(keep, 3, /*overwrite=*/true);
  ASSERT_TRUE(fs::exists(keep + ".parts")) << "the run finished before it could be killed";
  EXPECT_EQ(test::read_text(keep), old_bytes) << "a killed --overwrite run changed the old results";
  const CommandRun resumed = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + keep + " --resume --threads 2 -q");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_EQ(resumed.err.find("already complete"), std::string::npos) << "the old results were taken for the new";
  EXPECT_FALSE(fs::exists(keep + ".parts"));
  expect_same_results(dir.file("whole.h5"), keep);
}

TEST_F(ScreenResume, ResumeOntoAnotherJobsResultsIsRefused) {
  const auto& dir = *dir_;
  test::write_text(dir.file("other.toml"), small_job(dir.file("lib.smi"), 10) + "[score]\nuncertainty_penalty = 2.0\n");
  const CommandRun run = molsieve(dir, "screen " + dir.file("other.toml") + " -o " + dir.file("whole.h5") + " --resume -q");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("made by another job"), std::string::npos) << run.err;
}

// A run that stops on an error with no finished chunk leaves nothing that blocks the next run.
TEST(ScreenFailure, ErrorBeforeAnyChunkLeavesNoPartsFolder) {
  test::ScratchDir dir;
  test::write_text(dir.file("empty.smi"), "");
  test::write_text(dir.file("job.toml"), small_job(dir.file("empty.smi"), 10));
  for (int attempt = 0; attempt < 2; ++attempt) {
    const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("the library has no molecules"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(dir.file("out.h5.parts")));
    EXPECT_FALSE(fs::exists(dir.file("out.h5")));
  }
}

// Each bad input: one error line naming what is wrong, non-zero exit, no results store.
struct BadJob {
  const char* name;
  std::string toml;
  std::string expected;
};

TEST(ScreenBadInput, EachMistakeIsNamedAndNothingIsWritten) {
  test::ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 20);
  const std::string lib = dir.file("lib.smi");
  const std::string good = small_job(lib, 10);
  const std::vector<BadJob> cases = {
      {"syntax", "name = \"x\"\n[library\ninputs = []\n", "job.toml:2"},
      {"unknown key", good + "[output]\npth = \"x.h5\"\n", "job.toml:22: output.pth: unknown key"},
      {"unknown model", "[library]\ninputs = [\"" + lib + "\"]\n[[affinity]]\nmodel = \"bace2\"\n",
       "affinity[0].model: unknown model 'bace2'"},
      {"unknown metric",
       "[library]\ninputs = [\"" + lib + "\"]\n[similarity]\nreferences = \"" + lib + "\"\nmetric = \"jaccard\"\n",
       "job.toml:5: similarity.metric"},
      {"missing library", "[library]\ninputs = [\"no-such.smi\"]\n[[affinity]]\nmodel = \"bace\"\n",
       "library.inputs: no such file"},
      // Found by fuzz_screen_job: a name longer than the system allows threw from the file system.
      {"library name too long", "[library]\ninputs = [\"" + std::string(5000, 'x') + ".smi\"]\n[[affinity]]\nmodel = \"bace\"\n",
       "library.inputs: no such file"},
      {"wrong type", "[library]\ninputs = [\"" + lib + "\"]\nchunk_size = \"big\"\n[[affinity]]\nmodel = \"bace\"\n",
       "job.toml:3: library.chunk_size: must be an integer"},
      {"unknown descriptor",
       "[library]\ninputs = [\"" + lib + "\"]\n[filters.ranges]\nlogp = [0, 5]\n[[affinity]]\nmodel = \"bace\"\n",
       "filters.ranges.logp: unknown descriptor"},
      {"classification as affinity", "[library]\ninputs = [\"" + lib + "\"]\n[[affinity]]\nmodel = \"tox21\"\n",
       "model 'tox21' is a classification model"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    test::write_text(dir.file("job.toml"), c.toml);
    const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find(c.expected), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_FALSE(fs::exists(dir.file("out.h5")));
    EXPECT_FALSE(fs::exists(dir.file("out.h5.parts")));
  }
}

TEST(ScreenBadInput, LibraryStoreOfAnotherSchemaVersionIsRefused) {
  test::ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 20);
  ASSERT_EQ(molsieve(dir, "featurize " + dir.file("lib.smi") + " -o " + dir.file("lib.h5") + " -q").status, 0);
  {
    hdf5::File store(dir.file("lib.h5"), hdf5::File::Mode::ReadWrite);
    store.set_attribute("/", "schema_version", static_cast<std::int64_t>(0));
  }
  test::write_text(dir.file("job.toml"), small_job(dir.file("lib.h5"), 10));
  const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("schema version 0"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir.file("out.h5")));
}

TEST(ScreenStore, LibraryStoreGivesTheSameResultsAsItsMoleculeFile) {
  test::ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 120);
  ASSERT_EQ(molsieve(dir, "featurize " + dir.file("lib.smi") + " -o " + dir.file("lib.h5") + " -q").status, 0);
  test::write_text(dir.file("job.toml"), small_job(dir.file("lib.smi"), 50));
  ASSERT_EQ(molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("a.h5") + " --threads 2 -q").status, 0);
  const CommandRun store = molsieve(dir, "screen " + dir.file("job.toml") + " --library " + dir.file("lib.h5") +
                                             " -o " + dir.file("b.h5") + " --threads 2 -q");
  ASSERT_EQ(store.status, 0) << store.err;
  expect_same_results(dir.file("a.h5"), dir.file("b.h5"));
}

}  // namespace
}  // namespace molsieve
