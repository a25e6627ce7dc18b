#pragma once
// The fuzzers' input as a file, for parsers that read paths: written once per input under a
// name ending in the extension that selects the parser, removed afterwards. The folder is
// fixed and empty, so paths the input names relative to it resolve the same on every run.
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace molsieve::fuzz {

class InputFile {
 public:
  InputFile(const std::uint8_t* data, std::size_t size, const std::string& extension)
      : path_("/tmp/molsieve-fuzz/input" + extension) {
    mkdir("/tmp/molsieve-fuzz", 0700);
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (f) {
      std::fwrite(data, 1, size, f);
      std::fclose(f);
    }
  }
  ~InputFile() { std::remove(path_.c_str()); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace molsieve::fuzz
