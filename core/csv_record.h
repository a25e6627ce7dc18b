#pragma once
// RFC 4180 records, the one CSV grammar of molsieve's readers (molecule files, OMOP tables):
// fields split at a delimiter, a field in '"' may hold the delimiter, line breaks and '""'
// for one quote. Lines come from the caller, so a gzip stream and a plain file read alike.
#include <functional>
#include <string>
#include <vector>

namespace molsieve {

// Joins to `record` (its first line) the lines a quoted field continues on, with '\n'
// between them; `next_line` stores the next line without its line break and returns false
// at the end of the input. Returns false when the input ends inside a quoted field.
bool complete_csv_record(std::string& record, const std::function<bool(std::string&)>& next_line);

// The fields of a whole record, quotes undone.
std::vector<std::string> split_csv_record(const std::string& record, char delimiter);

}  // namespace molsieve
