#include "test_support.h"

#include <dirent.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace molsieve::test {

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/molsieve-test-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  for (const auto& name : list_dir(path_)) std::remove((path_ + "/" + name).c_str());
  std::remove(path_.c_str());
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

std::string test_data(const std::string& name) {
  return std::string(MOLSIEVE_TEST_DATA_DIR) + "/" + name;
}

std::string rdkit_data(const std::string& relative) {
  const char* rdbase = std::getenv("RDBASE");
  return std::string(rdbase && *rdbase ? rdbase : MOLSIEVE_RDKIT_DATA_DIR) + "/" + relative;
}

}  // namespace molsieve::test
