#pragma once
// Helpers shared by the tests: scratch folders, small input files, the default library.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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

// A command line run through the shell, with its exit status and what it wrote to stderr.
struct CommandRun {
  int status;
  std::string err;
};
CommandRun run_command(const ScratchDir& dir, const std::string& command_line);

// A CSV file as rows of fields (RFC 4180 quoting).
std::vector<std::vector<std::string>> read_csv(const std::string& path);

}  // namespace molsieve::test
