#pragma once
// Internal to cohort/: the reader of OMOP CSV files, one record at a time, with errors that
// name the file, line and column.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "cohort/calendar.h"
#include "core/csv_record.h"
#include "core/error.h"

namespace molsieve::cohort {

// One CSV file read record by record: RFC 4180 quoting, comma or tab (from the header).
class CsvFile {
 public:
  // Literal: a tab-separated file's quotes are text, as in Athena's vocabulary downloads
  // (which OHDSI loads with quoting off: concept names hold stray quotes).
  enum class TabQuotes { Rfc4180, Literal };
  explicit CsvFile(const std::string& path, TabQuotes tab_quotes = TabQuotes::Rfc4180)
      : path_(path), name_(std::filesystem::path(path).filename().string()), in_(path), tab_quotes_(tab_quotes) {
    if (!in_) throw Error(path + ": cannot open");
    if (!read_record()) throw Error(path + ": empty file (a header line is needed)");
    header_ = fields_;
    for (auto& h : header_) {
      for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (h.size() >= 3 && h.compare(0, 3, "\xef\xbb\xbf") == 0) h.erase(0, 3);  // byte-order mark
    }
  }
  // Index of `column`, or -1 when absent and optional.
  int column(const std::string& column, bool required = true) const {
    const auto found = std::find(header_.begin(), header_.end(), column);
    if (found != header_.end()) return static_cast<int>(found - header_.begin());
    if (required) throw Error(path_ + ": no column '" + column + "' in the header");
    return -1;
  }
  bool next() {
    do {
      if (!read_record()) return false;
    } while (fields_.size() == 1 && fields_[0].empty());  // blank line
    if (fields_.size() != header_.size())
      throw Error(where() + ": " + std::to_string(fields_.size()) + " fields, the header has " +
                  std::to_string(header_.size()));
    return true;
  }
  const std::string& field(int index) const { return fields_[index]; }
  std::string where() const { return name_ + ":" + std::to_string(line_); }
  std::string where(int index) const { return where() + ": " + header_[index]; }

  std::int64_t integer(int index) const {
    const std::string& text = fields_[index];
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
      throw Error(where(index) + ": '" + text + "' is not an integer");
    return value;
  }
  std::int32_t concept_id(int index) const {
    const std::int64_t value = integer(index);
    if (value < 0 || value > std::numeric_limits<std::int32_t>::max())
      throw Error(where(index) + ": " + fields_[index] + " is not a concept id");
    return static_cast<std::int32_t>(value);
  }
  double number(int index) const {  // NaN when empty
    const std::string& text = fields_[index];
    if (text.empty()) return std::numeric_limits<double>::quiet_NaN();
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
      throw Error(where(index) + ": '" + text + "' is not a number");
    return value;
  }
  Day date(int index) const {
    Day day;
    if (!parse_date(fields_[index], &day)) throw Error(where(index) + ": '" + fields_[index] + "' is not a YYYY-MM-DD date");
    return day;
  }
  Day date_or(int index, Day fallback) const {
    return index < 0 || fields_[index].empty() ? fallback : date(index);
  }

 private:
  bool read_record() {
    std::string record;
    if (!read_line(record)) return false;
    if (delimiter_ == 0) delimiter_ = record.find('\t') != std::string::npos ? '\t' : ',';
    if (delimiter_ == '\t' && tab_quotes_ == TabQuotes::Literal) {
      fields_.clear();
      for (std::size_t from = 0;;) {
        const std::size_t tab = record.find('\t', from);
        fields_.push_back(record.substr(from, tab == std::string::npos ? std::string::npos : tab - from));
        if (tab == std::string::npos) return true;
        from = tab + 1;
      }
    }
    if (!complete_csv_record(record, [this](std::string& line) { return read_line(line); }))
      throw Error(where() + ": unterminated quoted field");
    fields_ = split_csv_record(record, delimiter_);
    return true;
  }
  bool read_line(std::string& line) {
    if (!std::getline(in_, line)) return false;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }

  std::string path_, name_;
  std::ifstream in_;
  TabQuotes tab_quotes_;
  char delimiter_ = 0;
  std::size_t line_ = 0;
  std::vector<std::string> header_, fields_;
};

}  // namespace molsieve::cohort
