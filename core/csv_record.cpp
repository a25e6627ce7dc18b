#include "core/csv_record.h"

#include <algorithm>

namespace molsieve {

bool complete_csv_record(std::string& record, const std::function<bool(std::string&)>& next_line) {
  // Every quote opens or closes a quoted field ('""' closes and reopens), so an odd count
  // leaves one open.
  std::size_t quotes = static_cast<std::size_t>(std::count(record.begin(), record.end(), '"'));
  std::string line;
  while (quotes % 2 == 1) {
    if (!next_line(line)) return false;
    quotes += static_cast<std::size_t>(std::count(line.begin(), line.end(), '"'));
    record += '\n';
    record += line;
  }
  return true;
}

std::vector<std::string> split_csv_record(const std::string& record, char delimiter) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < record.size(); ++i) {
    const char c = record[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < record.size() && record[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return fields;
}

}  // namespace molsieve
