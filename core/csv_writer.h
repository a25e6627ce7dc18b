#pragma once
// Writes CSV (RFC 4180: fields with commas, quotes or line breaks are quoted). The file is
// written under its partial name and moved into place by close() (core/store_file.h), so a
// failed or interrupted run leaves no file that looks complete and a previous file as it was;
// write failures name the file and the system's reason.
// The path "-" writes to standard output.
#include <cstdio>
#include <string>
#include <vector>

namespace molsieve {

class CsvWriter {
 public:
  CsvWriter(const std::string& path, const std::vector<std::string>& header);
  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  CsvWriter& field(const std::string& text);
  CsvWriter& field(std::size_t number);
  CsvWriter& field(double number);  // shortest text that reads back as the same double
  void end_row();
  // Flushes, closes and renames into place; throws if anything failed to write.
  void close();

 private:
  std::string path_;
  std::string partial_path_;
  std::FILE* file_ = nullptr;
  bool first_field_ = true;
};

// Writes `text` to `path` the same way (temporary name, renamed when whole); an empty path
// or "-" writes to standard output.
void write_whole_file(const std::string& path, const std::string& text);

}  // namespace molsieve
