// Writing outputs whole (core/store_file.h): the partial name, the store header, a failed
// move that names the path and the system's reason, and a full disk that leaves the finished
// store as it was.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/csv_writer.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/store_file.h"
#include "test_support.h"

namespace molsieve {
namespace {

namespace fs = std::filesystem;

// A finished store at `path` holding `values` under /values.
void write_store(const std::string& path, const std::vector<std::int64_t>& values) {
  hdf5::StoreWriter store(path, "molsieve test store", 3);
  hdf5::AppendableDataset(store.file(), "/values", hdf5::Type::Int64, 0, 1024).append(values);
  store.commit();
}

std::vector<std::int64_t> read_values(const std::string& path) {
  return hdf5::File(path, hdf5::File::Mode::ReadOnly).read<std::int64_t>("/values");
}

// A store of people's data is never readable by others: not while it is written, not after.
TEST(StoreFile, OwnerOnlyStoreIsMode0600FromCreationWhateverTheUmask) {
  const test::ScratchDir dir;
  const std::string path = dir.file("people.h5");
  const mode_t before = ::umask(022);
  auto mode = [](const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  };
  {
    hdf5::StoreWriter store(path, "molsieve test store", 3, hdf5::StoreWriter::Access::Owner);
    EXPECT_EQ(mode(partial_path(path)), 0600u);
    store.commit();
  }
  write_store(dir.file("shared.h5"), {1});
  ::umask(before);
  EXPECT_EQ(mode(path), 0600u);
  EXPECT_EQ(mode(dir.file("shared.h5")), 0644u);
}

TEST(StoreFile, PartialPathIsPerProcessAndRecognized) {
  const std::string partial = partial_path("out/x.h5");
  EXPECT_EQ(partial, "out/x.h5.partial-" + std::to_string(::getpid()));
  EXPECT_TRUE(is_partial_path(fs::path(partial).filename().string()));
  EXPECT_TRUE(is_partial_path("chunk-000000003.h5.partial-12"));
  EXPECT_FALSE(is_partial_path("x.h5"));
  EXPECT_FALSE(is_partial_path("x.h5.partial-"));
  EXPECT_FALSE(is_partial_path("x.h5.partial-12.h5"));
}

TEST(StoreFile, CommitWritesTheHeaderAndOnlyThenTheFileAppearsAtItsPath) {
  test::ScratchDir dir;
  const std::string path = dir.file("s.h5");
  {
    hdf5::StoreWriter store(path, "molsieve test store", 3);
    hdf5::AppendableDataset(store.file(), "/values", hdf5::Type::Int64, 0, 16).append(std::vector<std::int64_t>{4, 5});
    EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{fs::path(partial_path(path)).filename().string()});
    store.commit();
  }
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"s.h5"});
  const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  const hdf5::StoreHeader header = hdf5::read_store_header(file);
  EXPECT_EQ(header.schema, "molsieve test store");
  EXPECT_EQ(header.schema_version, 3);
  EXPECT_TRUE(header.complete);
  EXPECT_FALSE(file.has_attribute("/", "version"));
  EXPECT_EQ(file.read<std::int64_t>("/values"), (std::vector<std::int64_t>{4, 5}));
}

TEST(StoreFile, WriterDestroyedBeforeCommitRemovesItsPartialAndKeepsThePreviousStore) {
  test::ScratchDir dir;
  const std::string path = dir.file("s.h5");
  write_store(path, {1, 2, 3});
  {
    hdf5::StoreWriter store(path, "molsieve test store", 3);
    hdf5::AppendableDataset(store.file(), "/values", hdf5::Type::Int64, 0, 16).append(std::vector<std::int64_t>{9});
  }
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"s.h5"});
  EXPECT_EQ(read_values(path), (std::vector<std::int64_t>{1, 2, 3}));
}

// The header of an HDF5 file whose root gets the attributes `write` sets.
hdf5::StoreHeader header_of_file_with(const std::function<void(hdf5::File&)>& write) {
  test::ScratchDir dir;
  {
    hdf5::File file(dir.file("f.h5"), hdf5::File::Mode::Create);
    write(file);
  }
  return hdf5::read_store_header(hdf5::File(dir.file("f.h5"), hdf5::File::Mode::ReadOnly));
}

TEST(StoreFile, HeaderReadsTheVersionOfStoresThatKeptItUnderVersion) {
  const hdf5::StoreHeader header = header_of_file_with([](hdf5::File& old) {
    old.set_attribute("/", "schema", std::string("molsieve population store"));
    old.set_attribute("/", "version", std::int64_t{2});
    old.set_attribute("/", "complete", std::int64_t{1});
  });
  EXPECT_EQ(header.schema, "molsieve population store");
  EXPECT_EQ(header.schema_version, 2);
  EXPECT_TRUE(header.complete);
}

TEST(StoreFile, HeaderOfAFileWithoutSchemaOrMarkIsIncompleteAndUnnamed) {
  const hdf5::StoreHeader header =
      header_of_file_with([](hdf5::File& f) { f.set_attribute("/", "complete", std::int64_t{0}); });
  EXPECT_EQ(header.schema, "");
  EXPECT_EQ(header.schema_version, 0);
  EXPECT_FALSE(header.complete);
}

TEST(StoreFile, MoveIntoAMissingFolderNamesThePathAndReasonAndRemovesThePartial) {
  test::ScratchDir dir;
  const std::string partial = partial_path(dir.file("s.h5"));
  test::write_text(partial, "whole");
  const std::string target = dir.file("missing/s.h5");
  EXPECT_EQ(test::error_of([&] { move_into_place(partial, target); }),
            target + ": cannot move the finished file into place: No such file or directory");
  EXPECT_TRUE(test::list_dir(dir.path()).empty());
}

TEST(StoreFile, MoveOntoAFolderKeepsTheFolderAndItsFiles) {
  test::ScratchDir dir;
  fs::create_directories(dir.file("s.h5"));
  test::write_text(dir.file("s.h5/kept.txt"), "kept");
  const std::string partial = partial_path(dir.file("s.h5"));
  test::write_text(partial, "whole");
  EXPECT_EQ(test::error_of([&] { move_into_place(partial, dir.file("s.h5")); }),
            dir.file("s.h5") + ": cannot move the finished file into place: Is a directory");
  EXPECT_EQ(test::list_dir(dir.path()), std::vector<std::string>{"s.h5"});
  EXPECT_EQ(test::read_text(dir.file("s.h5/kept.txt")), "kept");
}

TEST(StoreFile, MoveInAReadOnlyFolderNamesTheReasonAndKeepsThePreviousStore) {
  if (::geteuid() == 0) GTEST_SKIP() << "folder permissions do not bind root";
  test::ScratchDir dir;
  const std::string path = dir.file("s.h5");
  write_store(path, {1, 2, 3});
  const std::string partial = partial_path(path);
  test::write_text(partial, "whole");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
  const std::string message = test::error_of([&] { move_into_place(partial, path); });
  ::chmod(dir.path().c_str(), 0755);
  EXPECT_EQ(message, path + ": cannot move the finished file into place: Permission denied");
  EXPECT_EQ(read_values(path), (std::vector<std::int64_t>{1, 2, 3}));
}

// A 2 MB tmpfs mounted for the test (root with CAP_SYS_ADMIN only), unmounted after.
class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!disk_mount_.mounted()) GTEST_SKIP() << disk_mount_.refusal();
  }
  test::ScratchDir dir_;
  test::TmpfsMount disk_mount_{dir_.file("disk"), "2m"};
  const std::string& disk_ = disk_mount_.path();
};

TEST_F(FullDisk, FailedOverwriteOfAStoreKeepsTheFinishedOneAndLeavesNoPartial) {
  const std::string path = disk_ + "/s.h5";
  write_store(path, {1, 2, 3});
  // 4 MB of random values: deflate cannot shrink them below the disk's size.
  std::mt19937_64 random(7);
  std::vector<std::int64_t> big(512 * 1024);
  for (auto& v : big) v = static_cast<std::int64_t>(random());
  const std::string message = test::error_of([&] { write_store(path, big); });
  EXPECT_EQ(message.rfind(path, 0), 0u) << message;
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  EXPECT_EQ(test::list_dir(disk_), std::vector<std::string>{"s.h5"});
  const hdf5::StoreHeader header = hdf5::read_store_header(hdf5::File(path, hdf5::File::Mode::ReadOnly));
  EXPECT_TRUE(header.complete);
  EXPECT_EQ(read_values(path), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(FullDisk, StoreWhoseCloseFindsTheDiskFullIsRemovedAndTheProgramGoesOn) {
  // Fills the disk but one page: the store's header and data wait in HDF5's caches until
  // close, where the write fails.
  ASSERT_NO_FATAL_FAILURE(test::fill_leaving(disk_ + "/filler", 4096));
  const std::string path = disk_ + "/s.h5";
  const std::string message = test::error_of([&] { write_store(path, {1, 2, 3}); });
  EXPECT_EQ(message.rfind(path, 0), 0u) << message;
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  EXPECT_EQ(test::list_dir(disk_), std::vector<std::string>{"filler"});
}

TEST_F(FullDisk, FailedOverwriteOfATextFileKeepsTheFinishedOne) {
  const std::string path = disk_ + "/report.html";
  write_whole_file(path, "finished");
  EXPECT_EQ(test::error_of([&] { write_whole_file(path, std::string(3 << 20, 'x')); }),
            path + ": write failed: No space left on device");
  EXPECT_EQ(test::list_dir(disk_), std::vector<std::string>{"report.html"});
  EXPECT_EQ(test::read_text(path), "finished");
}

}  // namespace
}  // namespace molsieve
