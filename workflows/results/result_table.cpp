#include "workflows/results/result_table.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/hdf5_file.h"

namespace molsieve::workflows {
namespace {

const char* kind_name(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::Number: return "number";
    case ColumnKind::Integer: return "integer";
    case ColumnKind::Flag: return "flag";
    case ColumnKind::Text: return "text";
  }
  return "number";
}

ColumnKind kind_of(const std::string& name, const std::string& where) {
  for (ColumnKind kind : {ColumnKind::Number, ColumnKind::Integer, ColumnKind::Flag, ColumnKind::Text})
    if (name == kind_name(kind)) return kind;
  throw Error(where + ": unknown column kind '" + name + "'");
}

constexpr std::uint64_t kChunkRows = 16384;

}  // namespace

std::size_t Column::size() const {
  switch (kind) {
    case ColumnKind::Number: return numbers.size();
    case ColumnKind::Integer: return integers.size();
    case ColumnKind::Flag: return flags.size();
    case ColumnKind::Text: return texts.size();
  }
  return 0;
}

double Column::number(std::size_t row) const {
  switch (kind) {
    case ColumnKind::Number: return numbers[row];
    case ColumnKind::Integer: return static_cast<double>(integers[row]);
    case ColumnKind::Flag: return flags[row];
    case ColumnKind::Text: return std::numeric_limits<double>::quiet_NaN();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

void Column::append_row_of(const Column& from, std::size_t row) {
  switch (from.kind) {
    case ColumnKind::Number: numbers.push_back(from.numbers[row]); break;
    case ColumnKind::Integer: integers.push_back(from.integers[row]); break;
    case ColumnKind::Flag: flags.push_back(from.flags[row]); break;
    case ColumnKind::Text: texts.push_back(from.texts[row]); break;
  }
}

void Column::reserve(std::size_t rows) {
  switch (kind) {
    case ColumnKind::Number: numbers.reserve(rows); break;
    case ColumnKind::Integer: integers.reserve(rows); break;
    case ColumnKind::Flag: flags.reserve(rows); break;
    case ColumnKind::Text: texts.reserve(rows); break;
  }
}

Column& ResultTable::add(const std::string& name, ColumnKind kind) {
  if (find(name)) throw Error("two result columns are named '" + name + "'");
  columns_.push_back(Column{name, kind, {}, {}, {}, {}});
  return columns_.back();
}

const Column* ResultTable::find(const std::string& name) const {
  for (const auto& column : columns_)
    if (column.name == name) return &column;
  return nullptr;
}

Column* ResultTable::find(const std::string& name) {
  return const_cast<Column*>(static_cast<const ResultTable&>(*this).find(name));
}

bool parse_input_number(const std::string& text, double& value) {
  if (text.empty()) {
    value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  const std::size_t digits = text[0] == '-' ? 1 : 0;
  if (text.size() > digits + 1 && text[digits] == '0' && std::isdigit(static_cast<unsigned char>(text[digits + 1])))
    return false;
  // from_chars reads decimal only (no hex, no "+", no spaces) and says where it stopped.
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

const Column& ResultTable::at(const std::string& name) const {
  if (const Column* column = find(name)) return *column;
  std::string known;
  for (const auto& column : columns_) known += (known.empty() ? "" : ", ") + column.name;
  throw Error("no column '" + name + "' (columns: " + known + ")");
}

std::string column_path(const std::string& group, const std::string& column) {
  return group + "/" + hdf5::link_name(column);
}

TableWriter::TableWriter(hdf5::File& file, std::string group) : file_(file), group_(std::move(group)) {
  file_.create_group(group_);
}

TableWriter::~TableWriter() = default;

void TableWriter::append(const ResultTable& piece) {
  if (datasets_.empty()) {
    for (const auto& column : piece.columns()) {
      static const hdf5::Type types[] = {hdf5::Type::Float64, hdf5::Type::Int64, hdf5::Type::Int8, hdf5::Type::String};
      datasets_.emplace_back(file_, column_path(group_, column.name), types[static_cast<int>(column.kind)], 0,
                             kChunkRows);
      file_.set_attribute(datasets_.back().path(), "name", column.name);
      columns_.emplace_back(column.name, column.kind);
    }
  }
  if (piece.columns().size() != columns_.size()) throw Error(file_.name() + ": " + group_ + ": pieces differ in columns");
  for (std::size_t k = 0; k < columns_.size(); ++k) {
    const Column& column = piece.columns()[k];
    if (column.name != columns_[k].first || column.kind != columns_[k].second)
      throw Error(file_.name() + ": " + group_ + ": column " + column.name + " differs from the first piece's");
    switch (column.kind) {
      case ColumnKind::Number: datasets_[k].append(column.numbers); break;
      case ColumnKind::Integer: datasets_[k].append(column.integers); break;
      case ColumnKind::Flag: datasets_[k].append(column.flags); break;
      case ColumnKind::Text: datasets_[k].append_strings(column.texts); break;
    }
  }
}

void TableWriter::finish() {
  std::vector<std::string> names, kinds;
  for (const auto& [name, kind] : columns_) {
    names.push_back(name);
    kinds.push_back(kind_name(kind));
  }
  file_.set_attribute(group_, "columns", names);
  file_.set_attribute(group_, "kinds", kinds);
}

void write_table(hdf5::File& file, const std::string& group, const ResultTable& table) {
  TableWriter writer(file, group);
  writer.append(table);
  writer.finish();
}

std::vector<std::pair<std::string, ColumnKind>> table_columns(const hdf5::File& file, const std::string& group) {
  const auto names = file.string_list_attribute(group, "columns");
  const auto kinds = file.string_list_attribute(group, "kinds");
  if (names.size() != kinds.size()) throw Error(file.name() + ": " + group + ": columns and kinds differ in length");
  std::vector<std::pair<std::string, ColumnKind>> out;
  for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], kind_of(kinds[i], file.name()));
  return out;
}

std::uint64_t table_rows(const hdf5::File& file, const std::string& group) {
  const auto columns = table_columns(file, group);
  return columns.empty() ? 0 : file.shape(column_path(group, columns.front().first)).at(0);
}

ResultTable read_table(const hdf5::File& file, const std::string& group, std::uint64_t first,
                       std::uint64_t count, const std::vector<std::string>& names) {
  const auto stored = table_columns(file, group);
  for (const auto& name : names)
    if (std::none_of(stored.begin(), stored.end(), [&](const auto& c) { return c.first == name; }))
      throw Error(file.name() + ": no column '" + name + "' in " + group);
  ResultTable table;
  for (const auto& [name, kind] : stored) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
    Column& column = table.add(name, kind);
    const std::string path = column_path(group, name);
    switch (kind) {
      case ColumnKind::Number: column.numbers = file.read_rows<double>(path, first, count); break;
      case ColumnKind::Integer: column.integers = file.read_rows<std::int64_t>(path, first, count); break;
      case ColumnKind::Flag: column.flags = file.read_rows<std::int8_t>(path, first, count); break;
      case ColumnKind::Text: column.texts = file.read_string_rows(path, first, count); break;
    }
  }
  return table;
}

}  // namespace molsieve::workflows
