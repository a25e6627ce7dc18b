// Inputs that change while a job reads them: the identity check itself (core/file_identity.h),
// the molecule reader and featurize at the library level, and molsieve screen and featurize
// end to end with a library rewritten, truncated or appended to while the run reads it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "chem/featurize_library.h"
#include "chem/molecule_reader.h"
#include "core/file_identity.h"
#include "core/store_file.h"
#include "screen_test_support.h"
#include "workflows/screen/job.h"
#include "workflows/screen/parts.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Moves the file's modification time one second on, as a rewrite that keeps the size does.
void touch_one_second_later(const std::string& path) {
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  timespec times[2] = {info.st_atim, info.st_mtim};
  times[1].tv_sec += 1;
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

// The first `bytes` bytes of the file, written back over it in place (same inode), so that its
// last line is cut in the middle of a SMILES.
void truncate_in_place(const std::string& path, std::size_t bytes) {
  const std::string text = read_text(path).substr(0, bytes);
  std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
}

void append_line(const std::string& path, const std::string& line) { std::ofstream(path, std::ios::app) << line << "\n"; }

TEST(InputWatch, AnUnchangedFileIsNoChange) {
  ScratchDir dir;
  write_text(dir.file("a.smi"), "CCO a\n");
  const InputWatch watch({dir.file("a.smi")});
  EXPECT_EQ(watch.change(), "");
  EXPECT_EQ(error_of([&] { watch.check(); }), "");
}

TEST(InputWatch, AppendedFileIsNamedWithItsSizes) {
  ScratchDir dir;
  write_text(dir.file("a.smi"), "CCO a\n");
  const InputWatch watch({dir.file("a.smi")});
  append_line(dir.file("a.smi"), "CCN b");
  EXPECT_TRUE(contains(watch.change(), dir.file("a.smi") + ": changed while it was being read (size 6 -> 12"))
      << watch.change();
  const std::string error = error_of([&] { watch.check(); });
  EXPECT_TRUE(contains(error, dir.file("a.smi") + ": changed")) << error;
  EXPECT_TRUE(contains(error, "run again once it no longer changes")) << error;
}

TEST(InputWatch, RewriteOfTheSameSizeIsNoticedByItsModificationTime) {
  ScratchDir dir;
  write_text(dir.file("a.smi"), "CCO a\n");
  const InputWatch watch({dir.file("a.smi")});
  write_text(dir.file("a.smi"), "CCN a\n");
  touch_one_second_later(dir.file("a.smi"));
  const std::string change = watch.change();
  EXPECT_TRUE(contains(change, "(modified ")) << change;
  EXPECT_FALSE(contains(change, "size")) << change;
}

TEST(InputWatch, FileReplacedByRenameOrRemovedIsNamed) {
  ScratchDir dir;
  write_text(dir.file("a.smi"), "CCO a\n");
  write_text(dir.file("b.smi"), "CCO a\n");
  const InputWatch watch({dir.file("a.smi"), dir.file("b.smi")});
  write_text(dir.file("new.smi"), "CCO a\n");
  fs::rename(dir.file("new.smi"), dir.file("a.smi"));
  EXPECT_TRUE(contains(watch.change(), dir.file("a.smi") + ": changed while it was being read (replaced by another file"))
      << watch.change();
  fs::rename(dir.file("a.smi"), dir.file("elsewhere.smi"));
  fs::remove(dir.file("b.smi"));
  const InputWatch later({dir.file("elsewhere.smi"), dir.file("b.smi")});
  fs::remove(dir.file("elsewhere.smi"));
  EXPECT_EQ(later.change(), dir.file("elsewhere.smi") + ": changed while it was being read (removed)");
}

// The error of the next batch after reading a first batch of 10 records of `path` and calling `change`.
std::string next_batch_error_after(const std::string& path, const std::function<void()>& change) {
  chem::MoleculeReader reader({path}, {});
  std::vector<chem::InputRecord> records;
  EXPECT_TRUE(reader.next_batch(records, 10));
  change();
  const std::string error = error_of([&] { reader.next_batch(records, 10); });
  EXPECT_EQ(records.size(), 10u);  // no record of the changed file
  return error;
}

TEST(MoleculeReaderChange, FileTruncatedBetweenBatchesFailsAtTheNextBatchNamingIt) {
  ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 50);
  const std::uint64_t size = fs::file_size(dir.file("lib.smi"));
  const std::string error =
      next_batch_error_after(dir.file("lib.smi"), [&] { truncate_in_place(dir.file("lib.smi"), size / 2 + 3); });
  EXPECT_TRUE(contains(error, dir.file("lib.smi") + ": changed while it was being read (size " + std::to_string(size) +
                                  " -> " + std::to_string(size / 2 + 3)))
      << error;
}

TEST(MoleculeReaderChange, LineAppendedAfterTheLastFullBatchFailsNamingTheFile) {
  ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 10);
  const std::string error =
      next_batch_error_after(dir.file("lib.smi"), [&] { append_line(dir.file("lib.smi"), "CCO appended"); });
  EXPECT_TRUE(contains(error, dir.file("lib.smi") + ": changed while it was being read")) << error;
}

TEST(MoleculeReaderChange, FileReadToItsEndBeforeItChangesReadsWhole) {
  ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 20);
  chem::MoleculeReader reader({dir.file("lib.smi")}, {});
  std::vector<chem::InputRecord> records;
  ASSERT_TRUE(reader.next_batch(records, 100));
  append_line(dir.file("lib.smi"), "CCO appended");
  EXPECT_FALSE(reader.next_batch(records, 100));
  EXPECT_EQ(records.size(), 20u);
}

TEST(FeaturizeChange, InputRewrittenAfterTheFirstBatchFailsNamingItAndLeavesNoStore) {
  ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 200);
  chem::FeaturizeRequest request;
  request.inputs = {dir.file("lib.smi")};
  request.output = dir.file("lib.h5");
  request.threads = 1;
  request.batch_size = 10;
  bool rewritten = false;
  const std::string error = error_of([&] {
    chem::featurize_library(request, [&](const Progress&) {
      if (rewritten) return;
      truncate_in_place(dir.file("lib.smi"), 1000);
      rewritten = true;
    });
  });
  ASSERT_TRUE(rewritten);
  EXPECT_TRUE(contains(error, dir.file("lib.smi") + ": changed while it was being read")) << error;
  EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{"lib.smi"});
}

// `molsieve <args>` on a background thread; `change` runs once `ready` holds (polled, so the
// change lands while the run reads its input) or the run ends.
CommandRun run_changing_input(const ScratchDir& dir, const std::string& args, const std::function<bool()>& ready,
                              const std::function<void()>& change) {
  CommandRun run;
  std::atomic<bool> done{false};
  std::thread command([&] {
    run = molsieve(dir, args);
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!done && !ready() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const bool in_time = !done;
  change();
  command.join();
  EXPECT_TRUE(in_time) << "the run ended before its input could be changed: " << run.err;
  return run;
}

// 40 chunks of 10: the first part file appears with most of the library still to be read.
class ScreenChangingLibrary : public ::testing::Test {
 protected:
  void SetUp() override {
    write_nci_head(dir_.file("lib.smi"), 400);
    write_text(dir_.file("job.toml"), small_job(dir_.file("lib.smi"), 10));
  }
  CommandRun screen_while(const std::function<void()>& change) {
    return run_changing_input(
        dir_, "screen " + dir_.file("job.toml") + " -o " + output_ + " --threads 2 -q",
        [&] { return parts_written(output_) > 0; }, change);
  }
  void expect_failed_naming_the_library(const CommandRun& run) {
    EXPECT_EQ(run.status, 1) << run.err;
    EXPECT_TRUE(contains(run.err, dir_.file("lib.smi") + ": changed while it was being read (")) << run.err;
    EXPECT_TRUE(contains(run.err, "nothing was merged")) << run.err;
    EXPECT_FALSE(fs::exists(output_));
    EXPECT_FALSE(fs::exists(output_ + ".parts"));
  }
  ScratchDir dir_;
  std::string output_ = dir_.file("out.h5");
};

TEST_F(ScreenChangingLibrary, LibraryTruncatedMidLineWhileReadFailsNamingItAndWritesNoResults) {
  const std::uint64_t size = fs::file_size(dir_.file("lib.smi"));
  const CommandRun run = screen_while([&] { truncate_in_place(dir_.file("lib.smi"), size / 2 + 3); });
  expect_failed_naming_the_library(run);
  EXPECT_TRUE(contains(run.err, "size " + std::to_string(size) + " -> " + std::to_string(size / 2 + 3))) << run.err;
}

TEST_F(ScreenChangingLibrary, LineAppendedWhileReadFailsNamingTheLibrary) {
  expect_failed_naming_the_library(screen_while([&] { append_line(dir_.file("lib.smi"), "CCO appended"); }));
}

TEST_F(ScreenChangingLibrary, ResumeAfterTheLibraryChangedIsRefusedAndOverwriteRecomputes) {
  kill_screen_after(screen_args(dir_.file("job.toml"), output_), output_, 2);
  ASSERT_GE(parts_written(output_), 2u) << "the run finished before it could be killed";
  append_line(dir_.file("lib.smi"), "CCO appended");
  const CommandRun resumed = molsieve(dir_, "screen " + dir_.file("job.toml") + " -o " + output_ + " --resume -q");
  EXPECT_EQ(resumed.status, 1) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "changed since the interrupted run")) << resumed.err;
  EXPECT_FALSE(fs::exists(output_));
  const CommandRun again =
      molsieve(dir_, "screen " + dir_.file("job.toml") + " -o " + output_ + " --overwrite --threads 2 -q");
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(read_results(output_).rows(), 401u);
}

TEST(FeaturizeChangingInput, FileRewrittenWhileFeaturizeReadsItFailsNamingItAndLeavesNoStore) {
  ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 5000);
  // The partial store exists from before the first record is read until the store is complete.
  const auto partial_exists = [&] {
    for (const auto& name : list_dir(dir.path()))
      if (is_partial_path(name)) return true;
    return false;
  };
  const CommandRun run = run_changing_input(
      dir, "featurize " + dir.file("lib.smi") + " -o " + dir.file("lib.h5") + " --threads 1 -q", partial_exists,
      [&] { truncate_in_place(dir.file("lib.smi"), 5000); });
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_TRUE(contains(run.err, dir.file("lib.smi") + ": changed while it was being read")) << run.err;
  EXPECT_FALSE(fs::exists(dir.file("lib.h5")));
  EXPECT_FALSE(partial_exists());
}

// A killed run's parts are resumed only for the same inputs: the fingerprint covers the
// panels' drug-target models as well as the scored ones.
TEST(JobFingerprint, ChangesWithAPanelsModel) {
  ScratchDir dir;
  write_text(dir.file("panel.h5"), "one model");
  workflows::ScreenJob job;
  job.text = "job";
  job.chunk_size = 10;
  workflows::PanelTerm panel;
  panel.path = dir.file("panel.h5");
  job.panels.push_back(panel);
  const std::string before = workflows::fingerprint_job(job).digest;
  write_text(dir.file("panel.h5"), "another model");
  EXPECT_NE(workflows::fingerprint_job(job).digest, before);
  EXPECT_EQ(workflows::fingerprint_job(job).digest, workflows::fingerprint_job(job).digest);
}

}  // namespace
}  // namespace molsieve::test
