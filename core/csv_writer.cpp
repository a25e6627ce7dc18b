#include "core/csv_writer.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/store_file.h"

namespace molsieve {
namespace {

// Closes `file`, written under `partial`, and moves it onto `path`; a failed write removes it.
void finish_file(std::FILE* file, const std::string& partial, const std::string& path) {
  const bool written = std::fflush(file) == 0 && std::ferror(file) == 0;
  const int write_error = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    const int error = written ? errno : write_error;
    std::remove(partial.c_str());
    throw Error(path + ": write failed" + (error ? std::string(": ") + std::strerror(error) : std::string()));
  }
  move_into_place(partial, path);
}

}  // namespace

CsvWriter::CsvWriter(const std::string& path, const std::vector<std::string>& header)
    : path_(path),
      partial_path_(path == "-" ? std::string() : partial_path(path)),
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
  std::FILE* file = file_;
  file_ = nullptr;
  finish_file(file, partial_path_, path_);
}

void write_whole_file(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      throw Error("standard output: write failed");
    return;
  }
  const std::string partial = partial_path(path);
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (!file) throw Error(path + ": cannot write: " + std::strerror(errno));
  std::fwrite(text.data(), 1, text.size(), file);  // a short write sets the error flag finish_file reads
  finish_file(file, partial, path);
}

}  // namespace molsieve
