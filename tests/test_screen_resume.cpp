// molsieve screen killed with SIGKILL at several points and resumed to identical results;
// what --resume and --overwrite refuse, and what a failed or starting run leaves behind.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "screen_test_support.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;

// Kills a screen with SIGKILL once `chunks` part files exist, resumes it, and compares the
// result with an uninterrupted run.
class ScreenResume : public test::SharedRunSuite<ScreenResume> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    // 40 chunks: the last kill point (11) leaves 29 to go, so a loaded machine cannot finish
    // the run between two looks at the parts folder.
    write_nci_head(dir_->file("lib.smi"), 400);
    test::write_text(dir_->file("job.toml"), small_job(dir_->file("lib.smi"), 10));
    // The uninterrupted run, whole.h5, that every resumed run must equal.
    run_ = molsieve(*dir_, "screen " + dir_->file("job.toml") + " -o " + dir_->file("whole.h5") + " --threads 2 -q");
  }
};

// -q silences the progress and the summary, not what the user must not miss: no BACE-1
// prediction on these NCI molecules is inside the model's domain, so nothing is selected.
TEST_F(ScreenResume, QuietRunStillWarnsThatNothingWasSelected) {
  EXPECT_NE(run_.err.find("screen: nothing selected: none of the"), std::string::npos) << run_.err;
  EXPECT_EQ(run_.err.find("screen: results in"), std::string::npos) << run_.err;
}

TEST_F(ScreenResume, KilledRunsResumeToIdenticalResults) {
  const auto& dir = *dir_;
  for (std::size_t chunks : {0u, 3u, 11u}) {
    SCOPED_TRACE("killed after " + std::to_string(chunks) + " chunk(s)");
    const std::string output = dir.file("killed" + std::to_string(chunks) + ".h5");
    kill_screen_after(screen_args(dir.file("job.toml"), output), output, chunks);
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

// SIGTERM (a Slurm time limit, scancel) and Ctrl-C stop after the chunks in flight with
// exit status 75: an automaton retries with --resume, which finishes to the same results.
TEST_F(ScreenResume, SigtermStopsWithTheResumableExitStatusAndResumeFinishes) {
  const auto& dir = *dir_;
  for (const int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(strsignal(signal));
    const std::string output = dir.file(std::string("stopped-") + std::to_string(signal) + ".h5");
    const std::optional<int> status = signal_screen_after(screen_args(dir.file("job.toml"), output), output, 3, signal);
    ASSERT_TRUE(status.has_value()) << "the run finished before the signal";
    ASSERT_TRUE(WIFEXITED(*status)) << "ended by the signal itself, not by stopping";
    EXPECT_EQ(WEXITSTATUS(*status), 75);
    EXPECT_FALSE(fs::exists(output));
    ASSERT_TRUE(fs::exists(output + ".parts"));
    const CommandRun resumed =
        molsieve(dir, "screen " + dir.file("job.toml") + " -o " + output + " --resume --threads 2 -q");
    ASSERT_EQ(resumed.status, 0) << resumed.err;
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
  kill_screen_after(screen_args(dir.file("job.toml"), output), output, 2);
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

  kill_screen_after(screen_args(dir.file("job.toml"), keep, /*overwrite=*/true), keep, 3);
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


}  // namespace
}  // namespace molsieve::test
