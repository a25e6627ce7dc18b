#pragma once
// Helpers shared by the tests: scratch folders, small input files, the default library,
// the molsieve executable.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chem/molecule_reader.h"

namespace molsieve::test {

// A fresh folder under the system temp folder, removed when the object goes away.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_text(const std::string& path, const std::string& text);
// A whole file, byte for byte (empty when it cannot be read).
std::string read_text(const std::string& path);
void write_gzip(const std::string& path, const std::string& text);
std::vector<std::string> list_dir(const std::string& path);
std::string test_data(const std::string& name);
// The message of the molsieve::Error that `action` throws; empty when it throws none.
std::string error_of(const std::function<void()>& action);
std::string rdkit_data(const std::string& relative);

// RDKit's Morgan fingerprints (2048 bits) of the molecules in tests/data/nci_golden.tsv:
// one row per data row of the file (zero where RDKit could not parse the molecule), and
// the rows that hold a molecule.
struct GoldenFingerprints {
  std::vector<std::uint64_t> words;
  std::size_t rows = 0;
  std::vector<std::uint32_t> valid_rows;
};
const GoldenFingerprints& nci_golden_fingerprints();

// A command line run through the shell, with its exit status and what it wrote to stderr
// and to stdout (kept in files in `dir`).
struct CommandRun {
  int status = 0;
  std::string err;
  std::string out;
};
CommandRun run_command(const ScratchDir& dir, const std::string& command_line);
// The molsieve executable with `args`.
CommandRun molsieve(const ScratchDir& dir, const std::string& args);

// A suite whose tests share one scratch folder, dir_, and the command run that the suite's
// SetUpTestSuite makes there, run_ (Suite: the deriving fixture, so each suite has its own).
// A failed run fails every test; gtest would only skip them after a failed SetUpTestSuite.
template <class Suite>
class SharedRunSuite : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    dir_.reset();
    run_ = {};
  }
  void SetUp() override { ASSERT_EQ(run_.status, 0) << run_.err; }
  static inline std::optional<ScratchDir> dir_;
  static inline CommandRun run_;
};

// The first `count` molecules of RDKit's NCI sample (Data/NCI/first_5K.smi) after the first
// `skip`, as a .smi file.
void write_nci_head(const std::string& path, std::size_t count, std::size_t skip = 0);

// SMILES as reader records with ids m0, m1, ... and locations test:1, test:2, ...
std::vector<chem::InputRecord> smiles_records(const std::vector<std::string>& smiles);

// datasets/jobs/bace1_nci.toml with its reference file named by absolute path, so that it runs
// from any folder, and each `edits` pair (from, to) replacing the first `from`.
std::string bace1_job(const std::vector<std::pair<std::string, std::string>>& edits = {});

// A tmpfs of `size` ("16m") mounted at `path` (made if missing) for the tests that fill a disk;
// mounting needs root with CAP_SYS_ADMIN. Unmounted when the object goes away (detached, so
// nothing stays mounted even while a file on it is open).
class TmpfsMount {
 public:
  TmpfsMount(std::string path, const std::string& size);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return mounted_; }
  // Why the mount was refused ("cannot mount a 16m tmpfs: Operation not permitted").
  const std::string& refusal() const { return refusal_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string refusal_;
  bool mounted_ = false;
};

// Bytes free for files on the file system holding `path`.
std::uint64_t free_bytes(const std::string& path);
// Fills the file system holding `ballast` with that file, written in pages until the disk is
// full, then frees `bytes` of it (whole pages): the disk then has `bytes` free, however much
// it held before. Deleting the ballast frees the rest.
void fill_leaving(const std::string& ballast, std::uint64_t bytes);

// A CSV file as rows of fields (RFC 4180 quoting).
std::vector<std::vector<std::string>> read_csv(const std::string& path);

}  // namespace molsieve::test
