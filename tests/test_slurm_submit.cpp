// molsieve submit against a real Slurm: munged, slurmctld and slurmd started on this machine
// by scripts/slurm-local.sh (one node), jobs submitted with sbatch and run with srun.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "slurm_test_support.h"

namespace molsieve {
namespace {

namespace fs = std::filesystem;
using test::CommandRun;
using test::job_state;
using test::output_of;
using test::wait_for;

class SlurmSubmit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ScratchDir;
    failure_ = test::start_local_slurm(*dir_, skip_);
    if (!skip_.empty() || !failure_.empty()) return;
    test::write_nci_head(dir_->file("library.smi"), 1000);
    test::write_text(dir_->file("job.toml"), test::bace1_job({{"chunk_size = 1024", "chunk_size = 25"}}));
    const CommandRun plain = test::run_command(*dir_, std::string(MOLSIEVE_BINARY) + " screen " + dir_->file("job.toml") +
                                                          " --library " + dir_->file("library.smi") + " -o " +
                                                          dir_->file("plain.h5") + " --threads 1 -q");
    if (plain.status != 0) failure_ = "the plain run failed: " + plain.err;
  }
  static void TearDownTestSuite() {
    test::stop_local_slurm(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(failure_.empty()) << failure_;
  }

  // Two ranks of one thread: the plain run's threads, so the results match to the bit (the
  // thread count changes float32 rounding in the models; the rank count changes nothing).
  static std::string submit(const std::string& output, const std::string& extra = "", int* status = nullptr,
                            const std::string& shape = "--nodes 1 --ntasks-per-node 2 --cpus-per-task 1 --time 00:10:00") {
    return output_of(std::string(MOLSIEVE_BINARY) + " submit " + dir_->file("job.toml") + " --library " +
                         dir_->file("library.smi") + " -o " + dir_->file(output) + " " + shape + " -q " + extra +
                         " 2> " + dir_->file("submit.err"),
                     status);
  }
  static std::string exported(const std::string& output) {
    return output_of(std::string(MOLSIEVE_BINARY) + " query " + dir_->file(output) + " --format csv --order-by index:asc");
  }

  static test::ScratchDir* dir_;
  static std::string skip_, failure_;
};
test::ScratchDir* SlurmSubmit::dir_ = nullptr;
std::string SlurmSubmit::skip_, SlurmSubmit::failure_;

TEST_F(SlurmSubmit, DryRunWritesAndShowsTheScriptWithoutSubmitting) {
  int status = 0;
  const std::string script = submit("dry.h5", "--partition debug --gpus-per-node 0 --dry-run", &status);
  ASSERT_EQ(status, 0) << test::read_text(dir_->file("submit.err"));
  EXPECT_EQ(script + "\n", test::read_text(dir_->file("dry.h5.sbatch")));
  for (const std::string line : {"#!/bin/bash\n", "#SBATCH --job-name=molsieve-bace1-nci5k\n", "#SBATCH --nodes=1\n",
                                 "#SBATCH --ntasks-per-node=2\n", "#SBATCH --cpus-per-task=1\n",
                                 "#SBATCH --time=00:10:00\n", "#SBATCH --partition=debug\n"})
    EXPECT_NE(script.find(line), std::string::npos) << line << "\n" << script;
  EXPECT_EQ(script.find("--gpus-per-node"), std::string::npos) << script;
  EXPECT_NE(script.find("\nsrun --cpus-per-task=1 --mpi=pmix " + std::string(MOLSIEVE_BINARY) + " screen " +
                        dir_->file("job.toml") + " -o " + dir_->file("dry.h5") + " --threads 1"),
            std::string::npos)
      << script;
  EXPECT_EQ(output_of("squeue -h -n molsieve-bace1-nci5k"), "");
}

// What real sites ask for: memory, QOS, a dependency, any sbatch option, site lines before
// srun, and the thread variables of LibTorch's pools from --cpus-per-task.
TEST_F(SlurmSubmit, DryRunWritesSiteOptionsPreambleAndThreadVariables) {
  test::write_text(dir_->file("site.sh"), "module load molsieve/1.0\nexport SITE_SCRATCH=/scratch\n");
  int status = 0;
  const std::string script =
      submit("site.h5",
             "--mem 1G --qos normal --dependency afterany:17 --sbatch-option=--exclusive "
             "--sbatch-option=--mail-type=END --preamble " + dir_->file("site.sh") + " --dry-run",
             &status, "--nodes 1 --ntasks-per-node 2 --cpus-per-task 3");
  ASSERT_EQ(status, 0) << test::read_text(dir_->file("submit.err"));
  for (const std::string line : {"#SBATCH --mem=1G\n", "#SBATCH --qos=normal\n", "#SBATCH --dependency=afterany:17\n",
                                 "#SBATCH --exclusive\n", "#SBATCH --mail-type=END\n"})
    EXPECT_NE(script.find(line), std::string::npos) << line << "\n" << script;
  const std::size_t module = script.find("\nmodule load molsieve/1.0\nexport SITE_SCRATCH=/scratch\n");
  const std::size_t threads = script.find("\nexport OMP_NUM_THREADS=3 MKL_NUM_THREADS=3 OPENBLAS_NUM_THREADS=3\n");
  const std::size_t srun = script.find("\nsrun --cpus-per-task=3 ");
  ASSERT_NE(module, std::string::npos) << script;
  ASSERT_NE(threads, std::string::npos) << script;
  ASSERT_NE(srun, std::string::npos) << script;
  EXPECT_LT(script.rfind("#SBATCH"), module) << "sbatch reads no #SBATCH line after a command";
  EXPECT_LT(module, threads);
  EXPECT_LT(threads, srun);
  // The job's log says what happened: the screen runs without -q.
  EXPECT_EQ(script.find(" -q"), std::string::npos) << script;
}

// A job held in the queue: status says queued (exit 13) from the job id submit recorded, a
// dry run leaves the job's script as it is, and a second submission is refused naming it.
TEST_F(SlurmSubmit, AQueuedJobIsQueuedInStatusAndKeepsItsScript) {
  int status = 0;
  const std::string id = submit("queued.h5", "--sbatch-option=--hold", &status);
  ASSERT_EQ(status, 0) << test::read_text(dir_->file("submit.err"));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(test::read_text(dir_->file("queued.h5.slurm-job")), id + "\n");
  const std::string output = dir_->file("queued.h5");
  const std::string said = output_of(std::string(MOLSIEVE_BINARY) + " status " + output, &status);
  EXPECT_EQ(status, 13) << said;
  EXPECT_EQ(said, output + ": queued (Slurm job " + id + ", PENDING; nothing written yet)");
  const std::string json = output_of(std::string(MOLSIEVE_BINARY) + " status --json " + output, &status);
  EXPECT_EQ(status, 13);
  EXPECT_NE(json.find("\"state\":\"queued\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"slurm_job\":{\"id\":\"" + id + "\",\"state\":\"PENDING\"}"), std::string::npos) << json;

  const std::string script = test::read_text(output + ".sbatch");
  const std::string dry = submit("queued.h5", "--mem 2G --dry-run", &status);
  EXPECT_EQ(status, 0) << test::read_text(dir_->file("submit.err"));
  EXPECT_NE(dry.find("#SBATCH --mem=2G"), std::string::npos) << "the new script is printed";
  EXPECT_EQ(test::read_text(output + ".sbatch"), script) << "the queued job's script is kept";
  EXPECT_NE(test::read_text(dir_->file("submit.err")).find("is the script of Slurm job " + id + " (PENDING)"),
            std::string::npos)
      << test::read_text(dir_->file("submit.err"));
  submit("queued.h5", "", &status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(test::read_text(dir_->file("submit.err")).find("Slurm job " + id + " (PENDING) writes it"), std::string::npos)
      << test::read_text(dir_->file("submit.err"));

  std::system(("scancel " + id).c_str());
  wait_for(id);
  const std::string after = output_of(std::string(MOLSIEVE_BINARY) + " status " + output, &status);
  EXPECT_EQ(status, 12) << after;
  EXPECT_NE(after.find("not started"), std::string::npos) << after;
  EXPECT_NE(after.find("Slurm job " + id), std::string::npos) << after;
}

TEST_F(SlurmSubmit, BadRequestsAreRefusedNamingTheOption) {
  int status = 0;
  for (const auto& [extra, message] : std::vector<std::pair<std::string, std::string>>{
           {"--nodes 0", "--nodes: must be at least 1"},
           {"--time ten", "--time: 'ten' is not a Slurm time"},
           {"--partition 'a b'", "--partition: 'a b' is not a Slurm name"},
           {"--mem ten", "--mem: 'ten' is not a Slurm size"},
           {"--qos 'a b'", "--qos: 'a b' is not a Slurm name"},
           {"--dependency 'after ok'", "--dependency: 'after ok' is not a Slurm dependency"},
           {"--sbatch-option=exclusive", "--sbatch-option: 'exclusive' is not one sbatch option"}}) {
    SCOPED_TRACE(extra);
    submit("bad.h5", "", &status, extra);
    EXPECT_EQ(status, 1);
    EXPECT_NE(test::read_text(dir_->file("submit.err")).find(message), std::string::npos) << test::read_text(dir_->file("submit.err"));
  }
  EXPECT_FALSE(fs::exists(dir_->file("bad.h5.sbatch")));
}

TEST_F(SlurmSubmit, SubmittedJobCompletesWithTheResultsOfAPlainRun) {
  int status = 0;
  const std::string id = submit("slurm.h5", "", &status);
  ASSERT_EQ(status, 0) << test::read_text(dir_->file("submit.err"));
  ASSERT_FALSE(id.empty());
  const std::string state = wait_for(id);
  const std::string log = test::read_text(dir_->file("slurm.h5.slurm-" + id + ".log"));
  EXPECT_EQ(state, "COMPLETED") << log;
  EXPECT_EQ(exported("slurm.h5"), exported("plain.h5"));
  // The log says what happened: the start, the finish with its counts, the results, each line
  // with its time and rank.
  const std::string stamp = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ rank 0: screen: )";
  EXPECT_TRUE(std::regex_search(log, std::regex(stamp + "job bace1-nci5k .*2 rank\\(s\\)"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(stamp + "1000 molecules \\(1000 valid"))) << log;
  EXPECT_NE(log.find("rank 0: screen: results in " + dir_->file("slurm.h5")), std::string::npos) << log;
}

TEST_F(SlurmSubmit, CancelledJobResubmittedWithResumeFinishesIt) {
  const std::string output = dir_->file("stopped.h5");
  const std::string id = submit("stopped.h5");
  ASSERT_FALSE(id.empty()) << test::read_text(dir_->file("submit.err"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  auto parts = [&] {
    std::size_t n = 0;
    if (fs::exists(output + ".parts"))
      for (const auto& e : fs::directory_iterator(output + ".parts")) n += e.path().extension() == ".h5";
    return n;
  };
  while (std::chrono::steady_clock::now() < deadline && parts() < 3 && job_state(id) != "COMPLETED")
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::system(("scancel " + id).c_str());
  const std::string state = wait_for(id);
  if (state == "COMPLETED") GTEST_SKIP() << "the job finished before it could be cancelled";
  EXPECT_EQ(state, "CANCELLED");
  EXPECT_FALSE(fs::exists(output));
  EXPECT_NE(output_of(std::string(MOLSIEVE_BINARY) + " status " + output).find("stopped before the merge"), std::string::npos);

  int status = 0;
  submit("stopped.h5", "", &status);  // the stopped job's parts: a fresh submission is refused
  EXPECT_EQ(status, 1);
  EXPECT_NE(test::read_text(dir_->file("submit.err")).find("an interrupted run left"), std::string::npos);
  const std::string again = submit("stopped.h5", "--resume", &status);
  ASSERT_EQ(status, 0) << test::read_text(dir_->file("submit.err"));
  EXPECT_EQ(wait_for(again), "COMPLETED") << test::read_text(dir_->file("stopped.h5.slurm-" + again + ".log"));
  EXPECT_EQ(exported("stopped.h5"), exported("plain.h5"));
}

}  // namespace
}  // namespace molsieve
