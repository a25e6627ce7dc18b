#pragma once
// Named columns of equal length: what a screen computes per chunk, what the results store
// keeps under /results, and what `molsieve query` filters and orders. Stored in HDF5 as
// one 1-D dataset per column (float64, int64, int8 or UTF-8 string) with the column order
// in the group's `columns` attribute.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/hdf5_file.h"

namespace molsieve::workflows {

enum class ColumnKind { Number, Integer, Flag, Text };

struct Column {
  std::string name;
  ColumnKind kind = ColumnKind::Number;
  std::vector<double> numbers;       // Number
  std::vector<std::int64_t> integers;  // Integer
  std::vector<std::int8_t> flags;    // Flag: 1 true, 0 false, -1 not applicable
  std::vector<std::string> texts;    // Text
  std::size_t size() const;
  // The value as a number (Text: NaN); flags and integers convert exactly.
  double number(std::size_t row) const;
  void reserve(std::size_t rows);
  // Appends row `row` of `from`, a column of the same kind.
  void append_row_of(const Column& from, std::size_t row);
};

// Columns live in a deque: a reference returned by add() stays valid as more are added.
class ResultTable {
 public:
  Column& add(const std::string& name, ColumnKind kind);
  const Column* find(const std::string& name) const;
  Column* find(const std::string& name);
  const Column& at(const std::string& name) const;  // throws molsieve::Error naming the column
  const std::deque<Column>& columns() const { return columns_; }
  std::deque<Column>& columns() { return columns_; }
  std::size_t rows() const { return columns_.empty() ? 0 : columns_.front().size(); }

 private:
  std::deque<Column> columns_;
};

// A library's own value as a number: the whole text is a decimal number ("6.5", "-1e-3",
// "nan"); "" is a missing value (NaN). Codes that only look like numbers stay text: hex
// ("0x1F"), leading zeros ("007"), a leading "+" or spaces.
bool parse_input_number(const std::string& text, double& value);

// Writes a table under `group` (created) in pieces: every piece has the first one's columns.
class TableWriter {
 public:
  TableWriter(hdf5::File& file, std::string group);
  ~TableWriter();
  void append(const ResultTable& piece);
  // Writes the column order and kinds; the table is unreadable without them.
  void finish();

 private:
  hdf5::File& file_;
  std::string group_;
  std::vector<std::pair<std::string, ColumnKind>> columns_;
  std::vector<hdf5::AppendableDataset> datasets_;
};

// Where a column of a table is stored: under its group, by hdf5::link_name (any column name
// works, "/" included; the dataset's `name` attribute keeps the name as given).
std::string column_path(const std::string& group, const std::string& column);

// Writes every column under `group` (created) in one go.
void write_table(hdf5::File& file, const std::string& group, const ResultTable& table);
// The columns of `group` (all, or only `names`, in the stored order), rows [first, first + count).
ResultTable read_table(const hdf5::File& file, const std::string& group, std::uint64_t first,
                       std::uint64_t count, const std::vector<std::string>& names = {});
// The stored column names and kinds of `group`.
std::vector<std::pair<std::string, ColumnKind>> table_columns(const hdf5::File& file,
                                                              const std::string& group);
std::uint64_t table_rows(const hdf5::File& file, const std::string& group);

}  // namespace molsieve::workflows
