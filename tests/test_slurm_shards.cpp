// A sharded campaign under a real Slurm (scripts/slurm-local.sh, one node): submit --array
// over 3 shards; one task told to stop (USR1, as Slurm's --signal does before a time limit)
// requeues itself and continues, one task cancelled is resubmitted with --resume, and the
// merge of the shards' results stores equals one screen of the whole library.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "screen_test_support.h"
#include "slurm_test_support.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;

class SlurmCampaign : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir;
    failure_ = start_local_slurm(*dir_, skip_);
    if (!skip_.empty() || !failure_.empty()) return;
    write_nci_head(dir_->file("library.smi"), 900);
    // 36 chunks, 12 per shard, each with the models: long enough to stop a task in its middle.
    // Without the domain rule, so that something is selected.
    write_text(dir_->file("job.toml"), small_job("unused.h5", 25) + "require_in_domain = false\n");
    for (const std::string& command :
         {"featurize " + dir_->file("library.smi") + " -o " + dir_->file("library.h5") + " --threads 1 -q",
          "screen " + dir_->file("job.toml") + " --library " + dir_->file("library.h5") + " -o " +
              dir_->file("whole.h5") + " --threads 1 -q",
          "shard " + dir_->file("library.h5") + " -n 3 --align 25 -o " + dir_->file("shards") + " -q"}) {
      const CommandRun run = molsieve(*dir_, command);
      if (run.status != 0) {
        failure_ = command + ": " + run.err;
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    stop_local_slurm(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(failure_.empty()) << failure_;
  }
  // One rank of one thread per task: the whole screen's threads, so the results match to the bit.
  static std::string submit(const std::string& extra, int* status) {
    return output_of(std::string(MOLSIEVE_BINARY) + " submit " + dir_->file("job.toml") + " --array " +
                         dir_->file("shards/manifest.json") + " -o " + dir_->file("campaign.h5") +
                         " --ntasks-per-node 1 --cpus-per-task 1 --time 00:10:00 --requeue --signal B:USR1@60 -q " +
                         extra + " 2> " + dir_->file("submit.err"),
                     status);
  }
  static std::string shard_store(int k) { return dir_->file("campaign.shard-000" + std::to_string(k) + ".h5"); }
  static std::string logs() {
    std::string text;
    for (const auto& e : fs::directory_iterator(dir_->path()))
      if (e.path().filename().string().find(".slurm-") != std::string::npos)
        text += e.path().filename().string() + ":\n" + read_text(e.path().string());
    // The controller's record of starts, signals and requeues, for a failure seen only in CI.
    const std::string controller = read_text(dir_->file("slurm/slurmctld.log"));
    return text + "slurmctld.log (end):\n" + controller.substr(controller.size() > 6000 ? controller.size() - 6000 : 0);
  }

  static ScratchDir* dir_;
  static std::string skip_, failure_;
};
ScratchDir* SlurmCampaign::dir_ = nullptr;
std::string SlurmCampaign::skip_, SlurmCampaign::failure_;

TEST_F(SlurmCampaign, ArrayWithOneTaskRequeuedAndOneCancelledMergesToTheWholeScreen) {
  int status = 0;
  const std::string id = submit("", &status);
  ASSERT_EQ(status, 0) << read_text(dir_->file("submit.err"));
  ASSERT_FALSE(id.empty());
  // Task 1 is told to stop (as --signal does ahead of the time limit) and task 2 is cancelled,
  // each once it has written a part (the node runs two tasks at a time).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  bool signalled = false, cancelled = false;
  while (std::chrono::steady_clock::now() < deadline && !(signalled && cancelled)) {
    if (!signalled && parts_written(shard_store(1)) >= 1) {
      std::system(("scancel --batch --signal=USR1 " + id + "_1").c_str());
      signalled = true;
    }
    if (!cancelled && parts_written(shard_store(2)) >= 1) {
      std::system(("scancel " + id + "_2").c_str());
      cancelled = true;
    }
    if ((!signalled && fs::exists(shard_store(1))) || (!cancelled && fs::exists(shard_store(2)))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(signalled && cancelled) << "a task finished before it could be stopped\n" << logs();
  EXPECT_EQ(wait_for(id + "_0", 6), "COMPLETED") << logs();
  EXPECT_EQ(wait_for(id + "_2", 6), "CANCELLED") << logs();
  EXPECT_EQ(wait_for(id + "_1", 6), "COMPLETED") << logs();
  // Task 1 stopped cleanly (its chunks in flight finished, its parts kept), then requeued.
  const std::string task1 = read_text(dir_->file("campaign.h5.slurm-" + id + "_1.log"));
  EXPECT_NE(task1.find("molsieve: stopped: interrupted"), std::string::npos) << task1;
  EXPECT_NE(task1.find("molsieve: requeued on USR1"), std::string::npos) << task1;
  EXPECT_TRUE(fs::exists(shard_store(0))) << logs();
  EXPECT_TRUE(fs::exists(shard_store(1))) << logs();
  EXPECT_FALSE(fs::exists(shard_store(2))) << logs();

  // One failed shard costs one shard: the merge names it, and only it is screened again.
  const CommandRun partial = molsieve(*dir_, "merge " + shard_store(0) + " " + shard_store(1) + " -o " +
                                                 dir_->file("campaign.h5"));
  EXPECT_EQ(partial.status, 1);
  EXPECT_NE(partial.err.find("no results store for shard 2 (shard-0002.h5"), std::string::npos) << partial.err;
  const std::string again = submit("--resume", &status);
  ASSERT_EQ(status, 0) << read_text(dir_->file("submit.err"));
  for (int k = 0; k < 3; ++k) EXPECT_EQ(wait_for(again + "_" + std::to_string(k), 6), "COMPLETED") << logs();

  const CommandRun merged = molsieve(*dir_, "merge " + shard_store(0) + " " + shard_store(1) + " " + shard_store(2) +
                                                " -o " + dir_->file("campaign.h5"));
  ASSERT_EQ(merged.status, 0) << merged.err;
  expect_same_results(dir_->file("whole.h5"), dir_->file("campaign.h5"));
}

}  // namespace
}  // namespace molsieve::test
