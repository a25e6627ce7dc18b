// molsieve screen on a disk that fills up (a small tmpfs the test mounts, filled with a ballast
// file) while it writes the parts, at the merge and on --overwrite: exit status 1 with the path
// and the reason, nothing finished lost, and --resume after space is freed gives the results of
// an uninterrupted run. Then parts damaged in a killed run's folder: --resume recomputes them.
//
// Sizes measured here: 300 NCI molecules in chunks of 20 give 15 parts of about 238 KB each
// (3.6 MB with the folder's own files) and a results store of about 436 KB.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/hdf5_file.h"
#include "core/store_file.h"
#include "screen_test_support.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;

class ScreenFullDisk : public SharedRunSuite<ScreenFullDisk> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_nci_head(dir_->file("lib.smi"), 300);
    write_nci_head(dir_->file("other.smi"), 300, 300);
    write_text(dir_->file("job.toml"), bace1_job({{"chunk_size = 1024", "chunk_size = 20"}}));
    // The uninterrupted run that every run here must equal.
    run_ = molsieve(*dir_, screen_args(dir_->file("whole.h5")));
    whole_csv_ = query_csv(dir_->file("whole.h5"));
  }
  static void TearDownTestSuite() {
    SharedRunSuite::TearDownTestSuite();
    parts_bytes_ = 0;
  }

  static std::string screen_args(const std::string& output, const std::string& library = "lib.smi") {
    return "screen " + dir_->file("job.toml") + " --library " + dir_->file(library) + " -o " + output +
           " --threads 2 -q";
  }
  // The results in library order, as CSV.
  static std::string query_csv(const std::string& store) {
    const CommandRun q = molsieve(*dir_, "query " + store + " --format csv --order-by index:asc");
    EXPECT_EQ(q.status, 0) << q.err;
    return q.out;
  }

  // Mounts the disk; false (with the reason in `refusal`) when this machine refuses.
  bool mount_disk(std::string& refusal) {
    disk_.emplace(dir_->file("disk"), "16m");
    refusal = disk_->refusal();
    return disk_->mounted();
  }
  void TearDown() override { disk_.reset(); }
  std::string on_disk(const std::string& name) const { return disk_->path() + "/" + name; }

  // What the parts folder of a whole run takes on the disk: measured once by a run whose merge
  // cannot move its store into place (a folder holds the output's name), which keeps the parts.
  std::uint64_t parts_bytes() {
    if (parts_bytes_ > 0) return parts_bytes_;
    const std::string output = on_disk("measure.h5");
    fs::create_directories(output + "/blocker");
    const std::uint64_t before = free_bytes(disk_->path());
    const CommandRun run = molsieve(*dir_, screen_args(output) + " --overwrite");
    EXPECT_NE(run.err.find("Is a directory"), std::string::npos) << run.err;
    parts_bytes_ = before - free_bytes(disk_->path());
    fs::remove_all(output);
    fs::remove_all(output + ".parts");
    return parts_bytes_;
  }

  // The stderr of a failed run is one line naming `path` and the disk being full.
  static void expect_full_disk_error(const CommandRun& run, const std::string& path) {
    EXPECT_EQ(run.status, 1) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find(path), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("No space left on device"), std::string::npos) << run.err;
  }

  // Every file in the parts folder named as a part is a complete part; returns their number.
  static std::size_t expect_only_complete_parts(const std::string& parts) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(parts)) {
      const std::string name = entry.path().filename().string();
      EXPECT_FALSE(is_partial_path(name)) << name;
      if (entry.path().extension() != ".h5") continue;
      ++count;
      if (!hdf5::is_hdf5_file(entry.path().string())) {
        ADD_FAILURE() << name << " is not an HDF5 file";
        continue;
      }
      const hdf5::StoreHeader header =
          hdf5::read_store_header(hdf5::File(entry.path().string(), hdf5::File::Mode::ReadOnly));
      EXPECT_EQ(header.schema, "molsieve screen part") << name;
      EXPECT_TRUE(header.complete) << name;
    }
    return count;
  }

  // --resume finishes `output` to the uninterrupted run's results.
  static void expect_resume_gives_whole_results(const std::string& output) {
    const CommandRun resumed = molsieve(*dir_, screen_args(output) + " --resume");
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_FALSE(fs::exists(output + ".parts"));
    EXPECT_EQ(query_csv(output), whole_csv_);
  }

  std::optional<TmpfsMount> disk_;
  static inline std::string whole_csv_;
  static inline std::uint64_t parts_bytes_ = 0;
};

TEST_F(ScreenFullDisk, FullWhileWritingPartsExitsOneKeepsOnlyCompletePartsAndResumesToIdenticalResults) {
  std::string refusal;
  if (!mount_disk(refusal)) GTEST_SKIP() << refusal;
  const std::string output = on_disk("out.h5");
  // Room for about a third of the parts.
  ASSERT_NO_FATAL_FAILURE(fill_leaving(on_disk("ballast"), parts_bytes() / 3));
  const CommandRun full = molsieve(*dir_, screen_args(output));
  expect_full_disk_error(full, output + ".parts/chunk-");
  EXPECT_FALSE(fs::exists(output));
  const std::size_t kept = expect_only_complete_parts(output + ".parts");
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, 15u);

  fs::remove(on_disk("ballast"));
  expect_resume_gives_whole_results(output);
}

TEST_F(ScreenFullDisk, FullAtTheMergeExitsOneKeepsThePartsAndResumeMergesToIdenticalResults) {
  std::string refusal;
  if (!mount_disk(refusal)) GTEST_SKIP() << refusal;
  const std::string output = on_disk("out.h5");
  // Room for every part and half the results store.
  ASSERT_NO_FATAL_FAILURE(
      fill_leaving(on_disk("ballast"), parts_bytes() + fs::file_size(dir_->file("whole.h5")) / 2));
  const CommandRun full = molsieve(*dir_, screen_args(output));
  expect_full_disk_error(full, output);
  EXPECT_NE(full.err.find("15 finished chunk(s) kept in " + output + ".parts"), std::string::npos) << full.err;
  EXPECT_EQ(expect_only_complete_parts(output + ".parts"), 15u);
  std::vector<std::string> left = list_dir(disk_->path());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"ballast", "out.h5.parts"}));

  fs::remove(on_disk("ballast"));
  expect_resume_gives_whole_results(output);
}

TEST_F(ScreenFullDisk, OverwriteOnADiskTooSmallForTheNewStoreKeepsTheOldOneByteForByte) {
  std::string refusal;
  if (!mount_disk(refusal)) GTEST_SKIP() << refusal;
  const std::string output = on_disk("out.h5");
  fs::copy_file(dir_->file("whole.h5"), output);
  const std::string old_bytes = read_text(output);
  // The new run screens another library: its parts fit, its store does not.
  ASSERT_NO_FATAL_FAILURE(
      fill_leaving(on_disk("ballast"), parts_bytes() + fs::file_size(dir_->file("whole.h5")) / 2));
  const CommandRun full = molsieve(*dir_, screen_args(output, "other.smi") + " --overwrite");
  expect_full_disk_error(full, output);
  EXPECT_EQ(read_text(output), old_bytes);
  EXPECT_EQ(query_csv(output), whole_csv_);
}

// A killed run's parts folder with chunk 1 truncated, chunk 3 replaced by 4 KB of random bytes
// and chunk 4 without its complete mark: status names them, --resume recomputes them.
TEST_F(ScreenFullDisk, ResumeDiscardsDamagedPartsAndRecomputesThemToIdenticalResults) {
  const std::string output = dir_->file("damaged.h5");
  const std::string parts = output + ".parts";
  kill_screen_after({"screen", dir_->file("job.toml"), "--library", dir_->file("lib.smi"), "-o", output, "--threads",
                     "2", "-q"},
                    output, 5);
  ASSERT_TRUE(fs::exists(parts + "/chunk-000000004.h5")) << "the run finished or stopped before its fifth part";
  const std::string chunk1 = parts + "/chunk-000000001.h5", chunk3 = parts + "/chunk-000000003.h5",
                    chunk4 = parts + "/chunk-000000004.h5";
  fs::resize_file(chunk1, fs::file_size(chunk1) / 2);
  std::mt19937 random(3);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(random());
  write_text(chunk3, noise);
  hdf5::File(chunk4, hdf5::File::Mode::ReadWrite).set_attribute("/", "complete", std::int64_t{0});

  const CommandRun status = molsieve(*dir_, "status " + output);
  ASSERT_EQ(status.status, 11) << status.err;
  EXPECT_NE(status.out.find("damaged parts (recomputed by --resume): chunk 1 ("), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("chunk 3 (not an HDF5 file"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("chunk 4 (no complete mark"), std::string::npos) << status.out;

  const std::string resume_args =
      "screen " + dir_->file("job.toml") + " --library " + dir_->file("lib.smi") + " -o " + output + " --resume";
  const CommandRun resumed = molsieve(*dir_, resume_args + " --threads 2");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  for (const char* chunk : {"chunk 1: damaged part discarded (", "chunk 3: damaged part discarded (not an HDF5 file",
                            "chunk 4: damaged part discarded (no complete mark"})
    EXPECT_NE(resumed.err.find(chunk), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("); recomputed\n"), std::string::npos) << resumed.err;
  EXPECT_FALSE(fs::exists(parts));
  EXPECT_EQ(query_csv(output), whole_csv_);
}

}  // namespace
}  // namespace molsieve::test
