// molsieve status as a script or scheduler reads it: one exit status per state of a screen
// (0 finished, 10 running, 11 stopped and resumable, 12 not started, 1 an error) and, with
// --json, one JSON object with the counts.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "screen_test_support.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;

// 400 molecules in chunks of 10: 40 chunks, enough that a kill or a look at a running
// screen comes before its end.
class ScreenStatus : public test::SharedRunSuite<ScreenStatus> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_nci_head(dir_->file("lib.smi"), 400);
    test::write_text(dir_->file("job.toml"), small_job(dir_->file("lib.smi"), 10));
    run_ = molsieve(*dir_, "screen " + dir_->file("job.toml") + " -o " + dir_->file("finished.h5") + " --threads 2 -q");
  }

  static nlohmann::json status_json(const CommandRun& run) {
    try {
      return nlohmann::json::parse(run.out);
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << "not one JSON object: " << e.what() << "\n" << run.out;
      return nlohmann::json::object();
    }
  }
};

TEST_F(ScreenStatus, FinishedStoreExitsZeroWithAllChunksDone) {
  const std::string output = dir_->file("finished.h5");
  const CommandRun human = molsieve(*dir_, "status " + output);
  EXPECT_EQ(human.status, 0) << human.err;
  EXPECT_NE(human.out.find(output + ": finished"), std::string::npos) << human.out;

  const CommandRun run = molsieve(*dir_, "status --json " + output);
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json j = status_json(run);
  EXPECT_EQ(j.value("output", ""), output);
  EXPECT_EQ(j.value("state", ""), "finished");
  EXPECT_EQ(j.value("chunks_done", -1), 40);
  EXPECT_EQ(j.value("chunks_total", -1), 40);
  EXPECT_EQ(j.value("rows_done", -1), 400);
  EXPECT_EQ(j.value("rows_total", -1), 400);
  EXPECT_EQ(j["damaged_parts"], nlohmann::json::array());
  EXPECT_TRUE(j["eta_seconds"].is_null());
}

TEST_F(ScreenStatus, KilledRunIsStoppedWithItsPartsAndDamagedOnesCounted) {
  const std::string output = dir_->file("killed.h5");
  kill_screen_after(screen_args(dir_->file("job.toml"), output), output, 5);
  ASSERT_TRUE(fs::exists(output + ".parts")) << "the run finished before it could be killed";
  const std::size_t parts = parts_written(output);
  ASSERT_GE(parts, 5u);

  const CommandRun human = molsieve(*dir_, "status " + output);
  EXPECT_EQ(human.status, 11) << human.err;
  EXPECT_NE(human.out.find("stopped before the merge"), std::string::npos) << human.out;

  CommandRun run = molsieve(*dir_, "status --json " + output + ".parts");
  ASSERT_EQ(run.status, 11) << run.err;
  nlohmann::json j = status_json(run);
  EXPECT_EQ(j.value("output", ""), output);
  EXPECT_EQ(j.value("state", ""), "stopped");
  EXPECT_EQ(j.value("chunks_done", 0u), parts);
  EXPECT_EQ(j.value("rows_done", 0u), 10 * parts);
  EXPECT_TRUE(j["started"].is_string()) << j.dump();
  EXPECT_TRUE(j["eta_seconds"].is_null()) << j.dump();
  EXPECT_EQ(j["damaged_parts"], nlohmann::json::array());

  // A truncated part is named with its reason and not counted as done.
  const std::string chunk0 = output + ".parts/chunk-000000000.h5";
  ASSERT_TRUE(fs::exists(chunk0));
  fs::resize_file(chunk0, fs::file_size(chunk0) / 2);
  run = molsieve(*dir_, "status --json " + output);
  ASSERT_EQ(run.status, 11) << run.err;
  j = status_json(run);
  EXPECT_EQ(j.value("chunks_done", 0u), parts - 1);
  ASSERT_EQ(j["damaged_parts"].size(), 1u) << j.dump();
  EXPECT_EQ(j["damaged_parts"][0].value("chunk", -1), 0);
  EXPECT_FALSE(j["damaged_parts"][0].value("reason", "").empty()) << j.dump();

  // Resumable, as the status says: --resume finishes it, and status then says finished.
  const CommandRun resumed =
      molsieve(*dir_, "screen " + dir_->file("job.toml") + " -o " + output + " --resume --threads 2 -q");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_EQ(molsieve(*dir_, "status " + output).status, 0);
}

// A molecule file's size is unknown until it has been read to its end; from then on the run
// records it, so status counts chunks and molecules of the total (and gives an ETA while the
// run runs). 395 molecules, chunks of 10: killed once the record names the size (the kill
// waits for the record itself: a kill timed by part files raced its writing).
TEST_F(ScreenStatus, AMoleculeFilesSizeIsRecordedOnceReadToItsEnd) {
  write_nci_head(dir_->file("lib395.smi"), 395);
  test::write_text(dir_->file("job395.toml"), small_job(dir_->file("lib395.smi"), 10));
  const std::string output = dir_->file("read-to-end.h5");
  signal_screen_when(
      screen_args(dir_->file("job395.toml"), output),
      [&] { return test::read_text(output + ".parts/run.json").find("\"rows_total\": 395") != std::string::npos; },
      SIGKILL);
  if (!fs::exists(output + ".parts")) GTEST_SKIP() << "the run finished before it could be killed";
  const std::size_t parts = parts_written(output);
  const CommandRun run = molsieve(*dir_, "status --json " + output);
  ASSERT_EQ(run.status, 11) << run.err;
  const nlohmann::json j = status_json(run);
  ASSERT_TRUE(j["rows_total"].is_number()) << j.dump();
  EXPECT_EQ(j.value("rows_total", 0u), 395u) << j.dump();
  EXPECT_EQ(j.value("chunks_total", 0u), 40u) << j.dump();
  EXPECT_EQ(j.value("rows_done", 0u), 10 * parts);
  const CommandRun human = molsieve(*dir_, "status " + output);
  EXPECT_NE(human.out.find("chunks done: " + std::to_string(parts) + " of 40 (" + std::to_string(10 * parts) +
                           " of 395 molecules"),
            std::string::npos)
      << human.out;
}

TEST_F(ScreenStatus, EmptyFolderIsNotStarted) {
  const std::string output = dir_->file("never.h5");
  const CommandRun human = molsieve(*dir_, "status " + output);
  EXPECT_EQ(human.status, 12) << human.err;
  EXPECT_NE(human.out.find(output + ": not started"), std::string::npos) << human.out;

  const CommandRun run = molsieve(*dir_, "status --json " + output);
  ASSERT_EQ(run.status, 12) << run.err;
  const nlohmann::json j = status_json(run);
  EXPECT_EQ(j.value("state", ""), "not_started");
  EXPECT_EQ(j.value("chunks_done", -1), 0);
  EXPECT_TRUE(j["chunks_total"].is_null());
  EXPECT_EQ(j.value("rows_done", -1), 0);
  EXPECT_TRUE(j["rows_total"].is_null());
  EXPECT_TRUE(j["started"].is_null());
}

TEST_F(ScreenStatus, UnreadableStoreAndBadArgumentsAreErrors) {
  test::write_text(dir_->file("garbage.h5"), "not a results store\n");
  const CommandRun unreadable = molsieve(*dir_, "status --json " + dir_->file("garbage.h5"));
  EXPECT_EQ(unreadable.status, 1) << unreadable.err;
  EXPECT_NE(unreadable.err.find("garbage.h5"), std::string::npos) << unreadable.err;
  EXPECT_EQ(molsieve(*dir_, "status").status, 2);
}

TEST_F(ScreenStatus, ScreenInProgressIsRunning) {
  const std::string output = dir_->file("running.h5");
  // The screen runs on a thread of its own while this one polls status.
  std::atomic<bool> ended = false;
  CommandRun screen;
  std::thread screening([&] {
    screen = molsieve(*dir_, "screen " + dir_->file("job.toml") + " -o " + output + " --threads 2 -q");
    ended = true;
  });
  CommandRun seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    seen = molsieve(*dir_, "status --json " + output);
    if (seen.status == 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  screening.join();
  ASSERT_EQ(screen.status, 0) << screen.err;
  if (seen.status != 10) GTEST_SKIP() << "the screen finished before status saw it running";
  const nlohmann::json j = status_json(seen);
  EXPECT_EQ(j.value("output", ""), output);
  EXPECT_EQ(j.value("state", ""), "running");
  EXPECT_LE(j.value("chunks_done", 99), 40);
  EXPECT_TRUE(j["damaged_parts"].empty()) << j.dump();
  EXPECT_EQ(molsieve(*dir_, "status " + output).status, 0);
}

}  // namespace
}  // namespace molsieve::test
