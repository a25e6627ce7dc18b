#include "test_support.h"

#include "core/csv_record.h"
#include "core/error.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace molsieve::test {

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/molsieve-test-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void write_gzip(const std::string& path, const std::string& text) {
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
  gzclose(file);
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(path.c_str())) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(dir);
  }
  return names;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string test_data(const std::string& name) {
  return std::string(MOLSIEVE_TEST_DATA_DIR) + "/" + name;
}

std::string rdkit_data(const std::string& relative) {
  const char* rdbase = std::getenv("RDBASE");
  return std::string(rdbase && *rdbase ? rdbase : MOLSIEVE_RDKIT_DATA_DIR) + "/" + relative;
}

const GoldenFingerprints& nci_golden_fingerprints() {
  static const GoldenFingerprints golden = [] {
    GoldenFingerprints g;
    std::ifstream in(test_data("nci_golden.tsv"));
    std::string line;
    int smiles_column = -1, bits_column = -1;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      const std::vector<std::string> fields = split_csv_record(line, '\t');
      if (smiles_column < 0) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
          if (fields[i] == "smiles") smiles_column = static_cast<int>(i);
          if (fields[i] == "morgan_bits") bits_column = static_cast<int>(i);
        }
        continue;
      }
      g.words.resize(g.words.size() + 32, 0);
      if (!fields[smiles_column].empty()) {
        std::stringstream bits(fields[bits_column]);
        for (unsigned bit; bits >> bit;) g.words[g.rows * 32 + bit / 64] |= std::uint64_t{1} << (bit % 64);
        g.valid_rows.push_back(static_cast<std::uint32_t>(g.rows));
      }
      ++g.rows;
    }
    if (g.rows == 0) throw std::runtime_error("cannot read nci_golden.tsv");
    return g;
  }();
  return golden;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

CommandRun run_command(const ScratchDir& dir, const std::string& command_line) {
  const std::string out_file = dir.file("stdout.txt"), err_file = dir.file("stderr.txt");
  const int status = std::system((command_line + " > " + out_file + " 2> " + err_file).c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(err_file), read_text(out_file)};
}

CommandRun molsieve(const ScratchDir& dir, const std::string& args) {
  return run_command(dir, std::string(MOLSIEVE_BINARY) + " " + args);
}

void write_nci_head(const std::string& path, std::size_t count, std::size_t skip) {
  std::ifstream in(rdkit_data("Data/NCI/first_5K.smi"));
  std::ofstream out(path);
  std::string line;
  for (std::size_t i = 0; i < skip + count && std::getline(in, line); ++i)
    if (i >= skip) out << line << "\n";
}

std::string bace1_job(const std::vector<std::pair<std::string, std::string>>& edits) {
  const std::string jobs = std::string(MOLSIEVE_SOURCE_DIR) + "/datasets/jobs/";
  std::string job = read_text(jobs + "bace1_nci.toml");
  std::vector<std::pair<std::string, std::string>> all = {{"\"bace1_references.smi\"", "\"" + jobs + "bace1_references.smi\""}};
  all.insert(all.end(), edits.begin(), edits.end());
  for (const auto& [from, to] : all) {
    const std::size_t at = job.find(from);
    if (at == std::string::npos) throw std::runtime_error("bace1_nci.toml has no '" + from + "'");
    job.replace(at, from.size(), to);
  }
  return job;
}

TmpfsMount::TmpfsMount(std::string path, const std::string& size) : path_(std::move(path)) {
  std::filesystem::create_directories(path_);
  if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0)
    mounted_ = true;
  else
    refusal_ = "cannot mount a " + size + " tmpfs: " + std::strerror(errno);
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

std::uint64_t free_bytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

void fill_leaving(const std::string& ballast, std::uint64_t bytes) {
  std::FILE* f = std::fopen(ballast.c_str(), "wb");
  ASSERT_NE(f, nullptr) << ballast << ": " << std::strerror(errno);
  const std::string page(4096, 'x');
  while (std::fwrite(page.data(), 1, page.size(), f) == page.size()) {
  }
  std::fclose(f);
  const std::uint64_t written = std::filesystem::file_size(ballast) / page.size() * page.size();
  const std::uint64_t freed = (bytes + page.size() - 1) / page.size() * page.size();
  ASSERT_GE(written, freed) << "the disk holds less than the " << bytes << " bytes to leave free";
  ASSERT_EQ(::truncate(ballast.c_str(), static_cast<off_t>(written - freed)), 0) << std::strerror(errno);
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) rows.push_back(split_csv_record(line, ','));
  return rows;
}

std::vector<chem::InputRecord> smiles_records(const std::vector<std::string>& smiles) {
  std::vector<chem::InputRecord> records;
  for (const auto& text : smiles) {
    chem::InputRecord r;
    r.row = records.size();
    r.id = "m" + std::to_string(r.row);
    r.text = text;
    r.location = "test:" + std::to_string(r.row + 1);
    records.push_back(r);
  }
  return records;
}

}  // namespace molsieve::test
