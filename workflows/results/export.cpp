#include "workflows/results/export.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "chem/depiction.h"
#include "core/csv_writer.h"

namespace molsieve::workflows {
namespace {

const std::vector<std::string> kLeadColumns = {"index", "id", "smiles", "score"};

std::string cell(const Column& c, std::size_t row) {
  switch (c.kind) {
    case ColumnKind::Text: return c.texts[row];
    case ColumnKind::Integer: return std::to_string(c.integers[row]);
    case ColumnKind::Flag: return c.flags[row] < 0 ? std::string() : std::to_string(c.flags[row]);
    case ColumnKind::Number: {
      if (std::isnan(c.numbers[row])) return {};
      char text[32];
      std::snprintf(text, sizeof text, "%.6g", c.numbers[row]);
      return text;
    }
  }
  return {};
}

// Output columns: index, id, smiles, score, then the rest in store order.
std::vector<const Column*> output_columns(const ResultTable& t, bool screening = true) {
  std::vector<const Column*> columns;
  if (screening)
    for (const auto& name : kLeadColumns) columns.push_back(&t.at(name));
  for (const Column& c : t.columns())
    if (std::find(columns.begin(), columns.end(), &c) == columns.end()) columns.push_back(&c);
  return columns;
}

std::vector<std::string> column_names(const ResultTable& t) {
  std::vector<std::string> names;
  for (const Column& c : t.columns()) names.push_back(c.name);
  return names;
}

// Numbers in full (the shortest text that reads back as the same double), NaN as empty.
void write_csv_cells(CsvWriter& csv, const std::vector<const Column*>& columns, std::size_t row) {
  for (const Column* c : columns) {
    if (c->kind == ColumnKind::Number && !std::isnan(c->numbers[row]))
      csv.field(c->numbers[row]);
    else
      csv.field(cell(*c, row));
  }
}

std::string format_number(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// One text column per score term: what made the score, "6.69±0.31 d0.52!" (value, calibrated
// spread, desirability, and ! outside the model's applicability domain).
// An interval that mean ± half-width does not describe at the table's two decimals.
bool is_asymmetric(double mean, double lo, double hi) {
  return std::isfinite(lo) && std::isfinite(hi) && std::fabs((mean - lo) - (hi - mean)) >= 0.005;
}

// The kinds of spread a table shows, for its legend: a regression task's calibrated interval
// (it has a 95% interval beside it), a classification ensemble's spread of a probability.
struct SpreadsShown {
  bool interval = false, probability = false;
};

// The terms as text columns.
std::vector<Column> term_columns(const ResultTable& t, const std::vector<ScoreTerm>& terms, SpreadsShown& shown) {
  std::vector<Column> out;
  for (const ScoreTerm& term : terms) {
    Column c;
    c.name = term.name + " (w" + format_number("%g", term.weight) + ")";
    c.kind = ColumnKind::Text;
    const Column* value = t.find(term.value);
    const Column* spread = term.spread.empty() ? nullptr : t.find(term.spread);
    if (spread) (t.find(term.value + "_lo95") ? shown.interval : shown.probability) = true;
    const Column* domain = term.domain.empty() ? nullptr : t.find(term.domain);
    const Column* desirability = t.find(term.desirability);
    const Column* lo68 = t.find(term.value + "_lo68");
    const Column* hi68 = t.find(term.value + "_hi68");
    for (std::size_t r = 0; r < t.rows(); ++r) {
      std::string text;
      if (value && !std::isnan(value->number(r))) {
        const double v = value->number(r);
        text = format_number("%.2f", v);
        if (lo68 && hi68 && is_asymmetric(v, lo68->number(r), hi68->number(r)))
          text += " [" + format_number("%.2f", lo68->number(r)) + ", " + format_number("%.2f", hi68->number(r)) + "]";
        else if (spread && !std::isnan(spread->number(r)))
          text += "±" + format_number("%.2f", spread->number(r));
        if (desirability && !std::isnan(desirability->number(r))) text += " d" + format_number("%.2f", desirability->number(r));
        if (domain && domain->flags[r] == 0) text += "!";
      }
      c.texts.push_back(text);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

const char* const kPosition = "position";

void write_results_csv(const std::string& path, const ResultTable& t, bool numbered) {
  const auto columns = output_columns(t, numbered);
  std::vector<std::string> header;
  if (numbered) header.push_back(kPosition);
  for (const Column* c : columns) header.push_back(c->name);
  CsvWriter csv(path, header);
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (numbered) csv.field(r + 1);
    write_csv_cells(csv, columns, r);
    csv.end_row();
  }
  csv.close();
}

TableCsvWriter::TableCsvWriter(const std::string& path, const ResultTable& columns)
    : csv_(std::make_unique<CsvWriter>(path, column_names(columns))) {}
TableCsvWriter::~TableCsvWriter() = default;

void TableCsvWriter::append(const ResultTable& piece) {
  const auto columns = output_columns(piece, false);
  for (std::size_t r = 0; r < piece.rows(); ++r) {
    write_csv_cells(*csv_, columns, r);
    csv_->end_row();
  }
}

void TableCsvWriter::close() { csv_->close(); }

std::string results_json(const ResultTable& t, bool numbered) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  const auto columns = output_columns(t, numbered);
  for (std::size_t r = 0; r < t.rows(); ++r) {
    nlohmann::ordered_json row;
    if (numbered) row[kPosition] = r + 1;
    for (const Column* c : columns) {
      switch (c->kind) {
        case ColumnKind::Text: row[c->name] = c->texts[r]; break;
        case ColumnKind::Integer: row[c->name] = c->integers[r]; break;
        case ColumnKind::Flag:
          row[c->name] = c->flags[r] < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(c->flags[r] == 1);
          break;
        case ColumnKind::Number:
          row[c->name] = std::isnan(c->numbers[r]) ? nlohmann::ordered_json() : nlohmann::ordered_json(c->numbers[r]);
          break;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows.dump(1) + "\n";
}

std::string results_sdf(const ResultTable& t) {
  std::ostringstream out;
  const auto columns = output_columns(t);
  const Column& smiles = t.at("smiles");
  const Column& id = t.at("id");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    std::string block = chem::molblock_2d(smiles.texts[r]);
    if (block.empty()) continue;  // invalid molecules have no structure to write
    block.replace(0, block.find('\n'), id.texts[r]);  // the title line is the molecule's id
    out << block;
    out << ">  <" << kPosition << ">\n" << r + 1 << "\n\n";
    for (const Column* c : columns) out << ">  <" << c->name << ">\n" << cell(*c, r) << "\n\n";
    out << "$$$$\n";
  }
  return out.str();
}

std::string results_text_table(const ResultTable& t, const std::vector<std::string>& extra, bool screening,
                               const std::vector<ScoreTerm>& terms) {
  std::vector<const Column*> columns;
  SpreadsShown shown;
  const std::vector<Column> explained = screening ? term_columns(t, terms, shown) : std::vector<Column>{};
  if (screening) {
    columns = {&t.at("index"), &t.at("id"), &t.at("score")};
    for (const Column& c : explained) columns.push_back(&c);
    for (const auto& name : extra)
      if (std::none_of(columns.begin(), columns.end(), [&](const Column* c) { return c->name == name; }))
        columns.push_back(&t.at(name));
    columns.push_back(&t.at("smiles"));
  } else {
    for (const Column& c : t.columns()) columns.push_back(&c);
  }
  std::vector<std::vector<std::string>> cells(t.rows());
  std::vector<std::size_t> width;
  if (screening) width.push_back(std::string(kPosition).size());
  for (const Column* c : columns) width.push_back(c->name.size());
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (screening) cells[r].push_back(std::to_string(r + 1));
    for (const Column* c : columns) {
      std::string text = cell(*c, r);
      if (c->name == "smiles" && text.size() > 60) text = text.substr(0, 57) + "...";
      cells[r].push_back(text);
    }
    for (std::size_t k = 0; k < cells[r].size(); ++k) width[k] = std::max(width[k], cells[r][k].size());
  }
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& values) {
    for (std::size_t k = 0; k < values.size(); ++k) {
      out << values[k] << std::string(width[k] - values[k].size(), ' ');
      out << (k + 1 < values.size() ? "  " : "\n");
    }
  };
  std::vector<std::string> header;
  if (screening) header.push_back(kPosition);
  for (const Column* c : columns) header.push_back(c->name);
  line(header);
  for (const auto& row : cells) line(row);
  if (!explained.empty())
    out << "score: weighted geometric mean of the terms' desirabilities d (weights w)"
        << (shown.interval ? "; value±spread or value [lo, hi]: a calibrated 68% interval (asymmetric beyond the "
                             "held-out data's reach)"
                           : "")
        << (shown.probability ? "; probability±spread: the spread of the ensemble's members" : "")
        << "; !: outside the model's applicability domain\n";
  return out.str();
}

}  // namespace molsieve::workflows
