#include "models/proteins.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace molsieve::models {
namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

bool is_fasta(const std::string& path) {
  for (const char* suffix : {".fasta", ".fa", ".faa"}) {
    const std::size_t n = std::strlen(suffix);
    if (path.size() >= n && path.compare(path.size() - n, n, suffix) == 0) return true;
  }
  return false;
}

void read_fasta(std::ifstream& in, const std::string& path, ProteinTable& table) {
  std::string line, name, sequence, where;
  std::size_t line_number = 0;
  auto finish = [&] {
    if (!name.empty()) table.add(name, sequence, where);
  };
  while (std::getline(in, line)) {
    ++line_number;
    line = trimmed(line);
    if (line.empty()) continue;
    if (line[0] == '>') {
      finish();
      where = path + ":" + std::to_string(line_number);
      name = trimmed(line.substr(1));
      name = name.substr(0, name.find_first_of(" \t"));
      if (name.empty()) throw Error(where + ": a FASTA header needs a name after '>'");
      sequence.clear();
    } else {
      if (name.empty()) throw Error(path + ":" + std::to_string(line_number) + ": sequence before the first '>' header");
      sequence += line;
    }
  }
  finish();
}

void read_name_sequence_lines(std::ifstream& in, const std::string& path, ProteinTable& table) {
  std::string line;
  std::size_t line_number = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++line_number;
    line = trimmed(line);
    if (line.empty()) continue;
    if (header) {  // the header names the columns; its words are not read
      header = false;
      continue;
    }
    const std::string where = path + ":" + std::to_string(line_number);
    const auto separator = line.find_first_of(",\t");
    if (separator == std::string::npos) throw Error(where + ": expected name,sequence");
    if (line.find('"') != std::string::npos) throw Error(where + ": quoted fields are not read in a protein table");
    table.add(trimmed(line.substr(0, separator)), trimmed(line.substr(separator + 1)), where);
  }
}

}  // namespace

std::string sequence_problem(const std::string& sequence) {
  if (sequence.empty()) return "empty protein sequence";
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(sequence[i])));
    if (c == '\0' || std::strchr(kResidueLetters, c) == nullptr)
      return "'" + std::string(1, sequence[i]) + "' at position " + std::to_string(i + 1) +
             " of the sequence is not an amino-acid letter";
  }
  return "";
}

std::string checked_sequence(const std::string& sequence, const std::string& where) {
  const std::string problem = sequence_problem(sequence);
  if (!problem.empty()) throw Error(where + ": " + problem);
  std::string upper(sequence);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

double sequence_identity(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return 0.0;
  // Per cell: the best score, and the matches on the path that reached it (ties: more matches).
  struct Cell {
    int score;
    int matches;
  };
  auto better = [](Cell x, Cell y) { return x.score > y.score || (x.score == y.score && x.matches > y.matches); };
  std::vector<Cell> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = {-static_cast<int>(j), 0};
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = {-static_cast<int>(i), 0};
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = a[i - 1] == b[j - 1];
      Cell best{previous[j - 1].score + (same ? 1 : -1), previous[j - 1].matches + (same ? 1 : 0)};
      const Cell up{previous[j].score - 1, previous[j].matches}, left{current[j - 1].score - 1, current[j - 1].matches};
      if (better(up, best)) best = up;
      if (better(left, best)) best = left;
      current[j] = best;
    }
    std::swap(previous, current);
  }
  return static_cast<double>(previous[b.size()].matches) / static_cast<double>(std::min(a.size(), b.size()));
}

std::size_t ProteinTable::add(const std::string& name, const std::string& sequence, const std::string& where) {
  if (name.empty()) throw Error(where + ": empty protein name");
  const std::string checked = checked_sequence(sequence, where);
  const auto found = index_.find(name);
  if (found != index_.end()) {
    if (sequences_[found->second] != checked)
      throw Error(where + ": protein '" + name + "' appears twice with different sequences");
    return found->second;
  }
  index_.emplace(name, names_.size());
  names_.push_back(name);
  sequences_.push_back(checked);
  return names_.size() - 1;
}

std::size_t ProteinTable::find(const std::string& name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? size() : found->second;
}

ProteinTable read_protein_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  ProteinTable table;
  if (is_fasta(path))
    read_fasta(in, path, table);
  else
    read_name_sequence_lines(in, path, table);
  if (table.size() == 0) throw Error(path + ": no proteins");
  return table;
}

}  // namespace molsieve::models
