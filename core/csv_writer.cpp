#include "core/csv_writer.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <cstring>

#include <unistd.h>

#include "core/error.h"

namespace molsieve {

CsvWriter::CsvWriter(const std::string& path, const std::vector<std::string>& header)
    : path_(path),
      partial_path_(path == "-" ? std::string() : path + ".partial-" + std::to_string(::getpid())),
      file_(path == "-" ? stdout : std::fopen(partial_path_.c_str(), "w")) {
  if (!file_) throw Error(path + ": cannot write: " + std::strerror(errno));
  for (const auto& name : header) field(name);
  end_row();
}

CsvWriter::~CsvWriter() {
  if (!file_ || file_ == stdout) return;
  std::fclose(file_);
  std::remove(partial_path_.c_str());
}

CsvWriter& CsvWriter::field(const std::string& text) {
  if (!first_field_) std::fputc(',', file_);
  first_field_ = false;
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    std::fputs(text.c_str(), file_);
    return *this;
  }
  std::fputc('"', file_);
  for (char c : text) {
    if (c == '"') std::fputc('"', file_);
    std::fputc(c, file_);
  }
  std::fputc('"', file_);
  return *this;
}

CsvWriter& CsvWriter::field(std::size_t number) { return field(std::to_string(number)); }

CsvWriter& CsvWriter::field(double number) {
  if (std::isnan(number)) return field(std::string());
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
  return field(std::string(buffer, result.ptr));
}

void CsvWriter::end_row() {
  std::fputc('\n', file_);
  first_field_ = true;
}

void CsvWriter::close() {
  if (file_ == stdout) {
    file_ = nullptr;
    if (std::fflush(stdout) != 0) throw Error("standard output: write failed");
    return;
  }
  const bool failed = std::ferror(file_) != 0;
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (failed || closed != 0) {
    std::remove(partial_path_.c_str());
    throw Error(path_ + ": write failed");
  }
  if (std::rename(partial_path_.c_str(), path_.c_str()) != 0)
    throw Error(path_ + ": cannot rename into place: " + std::strerror(errno));
}

void write_whole_file(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      throw Error("standard output: write failed");
    return;
  }
  const std::string partial = path + ".partial-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (!file) throw Error(path + ": cannot write: " + std::strerror(errno));
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) {
    std::remove(partial.c_str());
    throw Error(path + ": write failed");
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0)
    throw Error(path + ": cannot rename into place: " + std::strerror(errno));
}

}  // namespace molsieve
