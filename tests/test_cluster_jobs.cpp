// molsieve screen and cohort across MPI ranks (mpirun, as a user starts them): the ranks
// share the chunks (slices), the results do not depend on how many ranks ran them, a killed
// rank ends the screen and --resume with another rank count finishes it, and a second screen
// on the same output is refused.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "workflows/results/results_store.h"

namespace molsieve {
namespace {

namespace fs = std::filesystem;
using test::CommandRun;

const std::string kSource = MOLSIEVE_SOURCE_DIR;

// mpirun as root needs its consent; --oversubscribe: more ranks than this machine's cores.
std::string mpirun(int ranks) {
  return std::string(geteuid() == 0 ? "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " : "") +
         MOLSIEVE_MPIEXEC + " --oversubscribe -np " + std::to_string(ranks) + " ";
}

class ScreenAcrossRanks : public test::SharedRunSuite<ScreenAcrossRanks> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    // NCI molecules and the six clinical BACE-1 inhibitors, two of them inside the bace
    // model's domain, so the diverse selection is not empty, then the inhibitors again as
    // copies (under the same ids, the last two in the next chunk); 27 chunks of 25 molecules.
    test::write_nci_head(dir_->file("library.smi"), 640);
    const std::string references = test::read_text(kSource + "/datasets/jobs/bace1_references.smi");
    std::ofstream(dir_->file("library.smi"), std::ios::app) << references << references;
    test::write_text(dir_->file("job.toml"), test::bace1_job({{"chunk_size = 1024", "chunk_size = 25"}}));
    // One process, alone.h5: what every run across ranks must equal.
    run_ = screen("", "alone.h5");
  }

  static std::string screen_command(const std::string& launcher, const std::string& output, const std::string& extra = "") {
    return launcher + MOLSIEVE_BINARY + " screen " + dir_->file("job.toml") + " --library " + dir_->file("library.smi") +
           " -o " + dir_->file(output) + " --threads 1 -q " + extra;
  }
  static CommandRun screen(const std::string& launcher, const std::string& output, const std::string& extra = "") {
    return test::run_command(*dir_, screen_command(launcher, output, extra));
  }
  // Every row and column (copies included), as query exports them, and the job's diverse selection.
  static std::string exported(const std::string& output) {
    const std::string csv = dir_->file(output + ".csv");
    const CommandRun run =
        test::molsieve(*dir_, "query " + dir_->file(output) + " --format csv --all-copies --order-by index:asc -o " + csv +
                                  " --overwrite");
    EXPECT_EQ(run.status, 0) << run.err;
    std::ostringstream selection;
    for (std::int64_t row : workflows::ResultsStore(dir_->file(output)).selection()) selection << row << " ";
    return test::read_text(csv) + "\nselection: " + selection.str();
  }
};

TEST_F(ScreenAcrossRanks, TwoAndThreeRanksExportByteIdenticalResultsToOneProcess) {
  const std::string expected = exported("alone.h5");
  ASSERT_NE(expected.find("selection: 64"), std::string::npos) << "the selection should hold a clinical inhibitor";
  for (int ranks : {2, 3}) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    const std::string output = std::to_string(ranks) + "-ranks.h5";
    const CommandRun run = screen(mpirun(ranks), output);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(exported(output), expected);
    EXPECT_FALSE(fs::exists(dir_->file(output + ".parts")));
    EXPECT_FALSE(fs::exists(dir_->file(output + ".lock")));
  }
  // status of a finished store: its counts.
  const CommandRun status_run = test::molsieve(*dir_, "status " + dir_->file("2-ranks.h5"));
  ASSERT_EQ(status_run.status, 0) << status_run.err;
  const std::string& status = status_run.out;
  EXPECT_NE(status.find(dir_->file("2-ranks.h5") + ": finished"), std::string::npos) << status;
  EXPECT_NE(status.find(": 652 molecules, "), std::string::npos) << status;
}

// Copies are flagged by the merge, also those whose first occurrence another rank computed,
// the same way for any rank count (the exports above compare every row).
TEST_F(ScreenAcrossRanks, CopiesInLaterChunksNameTheirFirstOccurrence) {
  const workflows::ResultsStore store(dir_->file("alone.h5"));
  const auto t = store.read(640, 12, {"duplicate", "duplicate_of"});
  for (std::int64_t k = 0; k < 6; ++k) {
    EXPECT_EQ(t.at("duplicate").flags[k], 0) << "row " << 640 + k;
    EXPECT_EQ(t.at("duplicate").flags[6 + k], 1) << "row " << 646 + k;
    EXPECT_EQ(t.at("duplicate_of").integers[6 + k], 640 + k) << "row " << 646 + k;
  }
  for (std::int64_t row : store.selection()) EXPECT_LT(row, 646) << "a copy was selected";
}

TEST_F(ScreenAcrossRanks, OnlyRankZeroSpeaks) {
  const CommandRun run = test::run_command(*dir_, mpirun(2) + MOLSIEVE_BINARY + " screen " + dir_->file("job.toml") +
                                                      " --library " + dir_->file("library.smi") + " -o " +
                                                      dir_->file("speaks.h5") + " --threads 1");
  ASSERT_EQ(run.status, 0) << run.err;
  std::size_t summaries = 0;
  for (std::size_t at = run.err.find("screen: results in"); at != std::string::npos;
       at = run.err.find("screen: results in", at + 1))
    ++summaries;
  EXPECT_EQ(summaries, 1u) << run.err;
  EXPECT_NE(run.err.find("MPI (Open MPI"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("2 rank(s)"), std::string::npos) << run.err;
  // An error every rank sees is printed once.
  const CommandRun bad = test::run_command(*dir_, mpirun(2) + MOLSIEVE_BINARY + " screen " + dir_->file("job.toml") +
                                                      " --library no-such.smi -o " + dir_->file("bad.h5") + " -q");
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err.find("molsieve: error:"), bad.err.rfind("molsieve: error:")) << bad.err;
  EXPECT_NE(bad.err.find("no-such.smi"), std::string::npos) << bad.err;
  // A command that does not share its work is refused on several ranks, once.
  const CommandRun alone_only = test::run_command(*dir_, mpirun(2) + MOLSIEVE_BINARY + " featurize " +
                                                             dir_->file("library.smi") + " -o " + dir_->file("lib.h5"));
  EXPECT_EQ(alone_only.status, 1);
  EXPECT_EQ(alone_only.err.find("molsieve: error: featurize: runs as one process"),
            alone_only.err.rfind("molsieve: error: featurize: runs as one process"))
      << alone_only.err;
  EXPECT_NE(alone_only.err.find("molsieve: error: featurize: runs as one process"), std::string::npos) << alone_only.err;
  EXPECT_FALSE(fs::exists(dir_->file("lib.h5")));
}

std::vector<nlohmann::json> events_of(const std::string& path) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(test::read_text(path));
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  return events;
}

// Under MPI every rank appends its own chunk_done events (whole lines); rank 0's counts are
// the job's rows read and written (not the other ranks' scored), every other rank's its own.
TEST_F(ScreenAcrossRanks, EventsOfEveryRankParseAndRankZeroCountsTheWholeJob) {
  const std::string events_file = dir_->file("ranks.jsonl");
  const CommandRun run = screen(mpirun(2), "events.h5", "--events " + events_file);
  ASSERT_EQ(run.status, 0) << run.err;
  const std::vector<nlohmann::json> events = events_of(events_file);
  std::vector<std::uint64_t> chunks;
  std::map<int, std::uint64_t> own_rows;
  std::uint64_t job_written = 0;
  for (const nlohmann::json& e : events) {
    if (e.at("event") != "chunk_done") continue;
    SCOPED_TRACE(e.dump());
    const int rank = e.at("rank");
    const nlohmann::json& c = e.at("counts");
    chunks.push_back(e.at("chunk"));
    own_rows[rank] += e.at("rows").get<std::uint64_t>();
    EXPECT_GE(c.at("read"), c.at("written"));
    if (rank == 0) {
      EXPECT_FALSE(c.contains("scored"));
      EXPECT_GE(c.at("written"), job_written);
      EXPECT_GE(c.at("written"), own_rows[0]) << "rank 0's written counts every rank's parts";
      job_written = c.at("written");
    } else {
      EXPECT_EQ(c.at("written"), own_rows[rank]);
      EXPECT_GE(c.at("scored"), c.at("written"));
      EXPECT_TRUE(c.at("total").is_null());
    }
  }
  std::sort(chunks.begin(), chunks.end());
  std::vector<std::uint64_t> every(27);
  for (std::uint64_t k = 0; k < every.size(); ++k) every[k] = k;
  EXPECT_EQ(chunks, every);
  EXPECT_EQ(own_rows[0] + own_rows[1], 652u);
  EXPECT_LE(job_written, 652u);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().at("event"), "finish");
  EXPECT_EQ(events.back().at("rows"), 652);
}

// A failure on one rank is one line: the rank, the chunk(s) it had, the error's first line.
// Here chunk 3 of a library store holds a SMILES string damaged on disk, which only the rank
// that reads that chunk meets.
TEST_F(ScreenAcrossRanks, AFailureOnOneRankIsOneLineNamingTheRankAndItsChunk) {
  std::istringstream nci(test::read_text(dir_->file("library.smi")));
  std::string library;
  std::string line;
  for (int row = 0; row < 150 && std::getline(nci, line); ++row)
    library += (row == 80 ? std::string(60, 'C') + " marker\n" : "") + line + "\n";
  test::write_text(dir_->file("damaged.smi"), library);
  const CommandRun featurized =
      test::molsieve(*dir_, "featurize " + dir_->file("damaged.smi") + " -o " + dir_->file("damaged.h5") + " -q");
  ASSERT_EQ(featurized.status, 0) << featurized.err;
  // Every copy of the marker's SMILES in the store loses a carbon: its CRC-32 no longer holds.
  std::string bytes = test::read_text(dir_->file("damaged.h5"));
  std::size_t damaged = 0;
  for (std::size_t at = bytes.find(std::string(60, 'C')); at != std::string::npos; at = bytes.find(std::string(60, 'C'), at + 60)) {
    bytes[at + 30] = 'N';
    ++damaged;
  }
  ASSERT_GT(damaged, 0u);
  std::ofstream(dir_->file("damaged.h5"), std::ios::binary) << bytes;

  const CommandRun run = test::run_command(*dir_, mpirun(2) + MOLSIEVE_BINARY + " screen " + dir_->file("job.toml") +
                                                      " --library " + dir_->file("damaged.h5") + " -o " +
                                                      dir_->file("failed.h5") + " --threads 1 -q");
  EXPECT_EQ(run.status, 1);
  std::size_t error_lines = 0;
  std::istringstream err(run.err);
  for (std::string l; std::getline(err, l);) error_lines += l.find("molsieve: error:") != std::string::npos;
  EXPECT_EQ(error_lines, 1u) << run.err;
  EXPECT_TRUE(std::regex_search(run.err, std::regex(R"(\S+Z rank ([01]): molsieve: error: rank \1 failed on chunk\(s\) )"
                                                    R"(([0-9]+, )*3(, [0-9]+)*: .*damaged\.h5: /molecules/\w+ row 80: checksum)")))
      << run.err;
  EXPECT_EQ(run.err.find("chunks in flight"), std::string::npos) << run.err;
}

// The pid of the rank `rank` of the job writing `output`, from the processes' environments.
pid_t find_rank(const std::string& output, int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string cmdline = test::read_text(entry.path().string() + "/cmdline");
    if (cmdline.find(output) == std::string::npos || cmdline.find("screen") == std::string::npos) continue;
    const std::string environ = test::read_text(entry.path().string() + "/environ");
    if (environ.find("OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stol(entry.path().filename().string()));
  }
  return 0;
}

std::size_t parts_done(const std::string& parts) {
  std::size_t done = 0;
  if (fs::exists(parts))
    for (const auto& entry : fs::directory_iterator(parts)) done += entry.path().extension() == ".h5";
  return done;
}

TEST_F(ScreenAcrossRanks, AKilledRankEndsTheJobAndResumeOnThreeRanksGivesTheUninterruptedResults) {
  const std::string output = dir_->file("killed.h5");
  const std::string err = dir_->file("killed.err");
  const pid_t launcher = fork();
  if (launcher == 0) {
    execl("/bin/sh", "sh", "-c", (screen_command(mpirun(2), "killed.h5") + " 2> " + err).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_t victim = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < deadline && parts_done(output + ".parts") < 4)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  victim = find_rank(output, 1);
  ASSERT_GT(victim, 0) << "rank 1 not found";
  ASSERT_LT(parts_done(output + ".parts"), 26u) << "the job finished before the kill";
  kill(victim, SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  int status = 0;
  waitpid(launcher, &status, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  EXPECT_LT(seconds, 30.0) << "the job must end promptly after a rank dies";
  EXPECT_NE(WEXITSTATUS(status), 0);
  const std::string message = test::read_text(err);
  EXPECT_NE(message.find("rank 1"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(output));

  // status names what the killed run left: chunks done, and chunks handed out but unfinished.
  const CommandRun status_run = test::molsieve(*dir_, "status " + output);
  ASSERT_EQ(status_run.status, 11) << status_run.err;
  const std::string& report = status_run.out;
  EXPECT_NE(report.find("stopped before the merge"), std::string::npos) << report;
  EXPECT_NE(report.find("chunks done: "), std::string::npos) << report;
  EXPECT_NE(report.find("started"), std::string::npos) << report;

  const CommandRun resumed = test::run_command(*dir_, mpirun(3) + MOLSIEVE_BINARY + " screen " + dir_->file("job.toml") +
                                                           " --library " + dir_->file("library.smi") + " -o " + output +
                                                           " --threads 1 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  // The chunk rank 1 was computing when it was killed is named, with its rank.
  EXPECT_NE(resumed.err.find("the stopped run had left unfinished chunk "), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find(" (rank 1)"), std::string::npos) << resumed.err;
  EXPECT_EQ(exported("killed.h5"), exported("alone.h5"));
}

TEST_F(ScreenAcrossRanks, ASecondJobOnTheSameOutputIsRefused) {
  const std::string output = dir_->file("busy.h5");
  const pid_t first = fork();
  if (first == 0) {
    execl("/bin/sh", "sh", "-c", (screen_command(mpirun(2), "busy.h5") + " 2> /dev/null").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < deadline && parts_done(output + ".parts") < 1)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (const char* how : {"--resume", "--overwrite"}) {
    SCOPED_TRACE(how);
    const CommandRun second = screen("", "busy.h5", how);
    EXPECT_EQ(second.status, 1);
    EXPECT_NE(second.err.find("busy.h5: another screen is writing it (pid "), std::string::npos) << second.err;
  }
  const std::string busy_status = test::molsieve(*dir_, "status " + output + ".parts").out;
  EXPECT_NE(busy_status.find("running (pid "), std::string::npos) << busy_status;
  int status = 0;
  waitpid(first, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(exported("busy.h5"), exported("alone.h5"));
}

// The cohort store's tables as query exports them (counts exact, every row).
std::string cohort_tables(const test::ScratchDir& dir, const std::string& store) {
  std::string all;
  for (const char* table : {"cohort", "attrition", "strata", "patients", "characterization"}) {
    const std::string csv = dir.file(store + "." + table + ".csv");
    const CommandRun run = test::molsieve(dir, "query " + dir.file(store) + " --table " + table +
                                                   " --exact-counts --format csv -o " + csv + " --overwrite");
    EXPECT_EQ(run.status, 0) << run.err;
    all += test::read_text(csv);
  }
  return all;
}

TEST(CohortAcrossRanks, OneTwoAndThreeRanksWriteTheSameCohortAttritionStrataPatientsAndCharacterization) {
  const test::ScratchDir dir;
  const std::string binary = MOLSIEVE_BINARY;
  ASSERT_EQ(test::molsieve(dir, "synth-population --size 30000 --seed 5 -o " + dir.file("pop.h5") + " -q").status, 0);
  // 7 slices of 4,500 patients: uneven over 2 and 3 ranks.
  const std::string cohort = " cohort --population " + dir.file("pop.h5") + " --definition " + kSource +
                             "/datasets/cohorts/example.json --quotas " + kSource +
                             "/datasets/cohorts/example_quotas.json --size 50 --slice 4500 --threads 1 --keep-all-indexed -q -o ";
  const CommandRun alone = test::molsieve(dir, cohort + dir.file("alone.h5"));
  ASSERT_EQ(alone.status, 0) << alone.err;
  const std::string expected = cohort_tables(dir, "alone.h5");
  ASSERT_NE(expected.find("\n50,"), std::string::npos) << "the cohort should hold 50 patients";
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    const std::string store = std::to_string(ranks) + "-ranks.h5";
    const CommandRun run = test::run_command(dir, mpirun(ranks) + binary + cohort + dir.file(store));
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(cohort_tables(dir, store), expected);
  }
}

}  // namespace
}  // namespace molsieve
