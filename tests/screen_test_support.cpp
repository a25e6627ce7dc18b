#include "screen_test_support.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/hdf5_file.h"
#include "workflows/results/results_store.h"

namespace molsieve::test {

namespace fs = std::filesystem;
using workflows::ColumnKind;
using workflows::ResultTable;

const std::string kSource = MOLSIEVE_SOURCE_DIR;

ResultTable read_results(const std::string& path) {
  const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  return workflows::read_table(file, "/results", 0, workflows::table_rows(file, "/results"));
}

std::string small_job(const std::string& library, int chunk_size) {
  return "name = \"small\"\n[library]\ninputs = [\"" + library + "\"]\nchunk_size = " + std::to_string(chunk_size) +
         "\n[filters]\nmax_lipinski_violations = 1\nexclude_alerts = [\"PAINS_A\"]\n"
         "[filters.ranges]\nmw = [150, 650]\n"
         "[[affinity]]\nmodel = \"bace\"\ndesirability = { low = 5.0, high = 8.0 }\nweight = 2\n"
         "[[toxicity]]\nmodel = \"tox21\"\n"
         "[similarity]\nreferences = \"" + kSource + "/datasets/jobs/bace1_references.smi\"\n"
         "[selection]\nkeep = 10\ndiversity = 0.5\n";
}

double documented_desirability(double shortfall, double edge) {
  if (shortfall <= 0) return 1.0;
  return shortfall <= 1 ? 1.0 - (1.0 - edge) * shortfall : edge / shortfall;
}

std::size_t parts_written(const std::string& output) {
  std::size_t done = 0;
  std::error_code listing;  // the folder may appear or vanish while it is listed
  for (fs::directory_iterator entry(output + ".parts", listing), end; !listing && entry != end; entry.increment(listing))
    done += entry->path().extension() == ".h5";
  return done;
}

std::vector<std::string> screen_args(const std::string& job, const std::string& output, bool overwrite) {
  std::vector<std::string> args = {"screen", job, "-o", output, "--threads", "2", "-q"};
  if (overwrite) args.push_back("--overwrite");
  return args;
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

std::optional<int> signal_screen_when(const std::vector<std::string>& args, const std::function<bool()>& ready,
                                      int signal) {
  std::vector<char*> argv{const_cast<char*>(MOLSIEVE_BINARY)};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv(MOLSIEVE_BINARY, argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (std::chrono::steady_clock::now() < deadline) {
    const bool now = ready();
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return std::nullopt;  // finished before the kill point
    if (now) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, signal);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

std::optional<int> signal_screen_after(const std::vector<std::string>& args, const std::string& output,
                                       std::size_t chunks, int signal) {
  return signal_screen_when(
      args, [&] { return parts_written(output) >= chunks && fs::exists(output + ".parts"); }, signal);
}

void kill_screen_after(const std::vector<std::string>& args, const std::string& output, std::size_t chunks) {
  signal_screen_after(args, output, chunks, SIGKILL);
}

void Bace1Job::SetUpTestSuite() {
  const std::string results = MOLSIEVE_BACE1_JOB_RESULTS;
  dir_.emplace();
  if (!workflows::ResultsStore::is_complete(results))
    run_ = molsieve(*dir_, "screen " + kSource + "/datasets/jobs/bace1_nci.toml -o " + results + " --overwrite --threads 2 -q");
  if (workflows::ResultsStore::is_complete(results)) fs::copy_file(results, dir_->file("bace1.h5"));
}

void Bace1Job::TearDownTestSuite() {
  SharedRunSuite::TearDownTestSuite();
  mixed_screened_ = false;
}

void Bace1Job::screen_mixed_library() {
  if (mixed_screened_) return;
  write_nci_head(dir_->file("mixed.smi"), 300);
  std::ofstream(dir_->file("mixed.smi"), std::ios::app) << read_text(kSource + "/datasets/jobs/bace1_references.smi");
  write_text(dir_->file("inside.toml"), bace1_job());
  write_text(dir_->file("open.toml"), bace1_job({{"require_in_domain = true", "require_in_domain = false"}}));
  for (const std::string name : {"inside", "open"}) {
    const CommandRun run = molsieve(*dir_, "screen " + dir_->file(name + ".toml") + " --library " + dir_->file("mixed.smi") +
                                               " -o " + dir_->file(name + ".h5") + " --threads 2 -q");
    ASSERT_EQ(run.status, 0) << name << ": " << run.err;
  }
  mixed_screened_ = true;
}

}  // namespace molsieve::test
