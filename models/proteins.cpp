#include "models/proteins.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <limits>

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

namespace {

// BLOSUM62 (Henikoff and Henikoff 1992) over kBlosumLetters.
constexpr char kBlosumLetters[] = "ARNDCQEGHILKMFPSTWYVBZX";
constexpr int kBlosum62[23][23] = {
    { 4, -1, -2, -2,  0, -1, -1,  0, -2, -1, -1, -1, -1, -2, -1,  1,  0, -3, -2,  0, -2, -1,  0},
    {-1,  5,  0, -2, -3,  1,  0, -2,  0, -3, -2,  2, -1, -3, -2, -1, -1, -3, -2, -3, -1,  0, -1},
    {-2,  0,  6,  1, -3,  0,  0,  0,  1, -3, -3,  0, -2, -3, -2,  1,  0, -4, -2, -3,  3,  0, -1},
    {-2, -2,  1,  6, -3,  0,  2, -1, -1, -3, -4, -1, -3, -3, -1,  0, -1, -4, -3, -3,  4,  1, -1},
    { 0, -3, -3, -3,  9, -3, -4, -3, -3, -1, -1, -3, -1, -2, -3, -1, -1, -2, -2, -1, -3, -3, -2},
    {-1,  1,  0,  0, -3,  5,  2, -2,  0, -3, -2,  1,  0, -3, -1,  0, -1, -2, -1, -2,  0,  3, -1},
    {-1,  0,  0,  2, -4,  2,  5, -2,  0, -3, -3,  1, -2, -3, -1,  0, -1, -3, -2, -2,  1,  4, -1},
    { 0, -2,  0, -1, -3, -2, -2,  6, -2, -4, -4, -2, -3, -3, -2,  0, -2, -2, -3, -3, -1, -2, -1},
    {-2,  0,  1, -1, -3,  0,  0, -2,  8, -3, -3, -1, -2, -1, -2, -1, -2, -2,  2, -3,  0,  0, -1},
    {-1, -3, -3, -3, -1, -3, -3, -4, -3,  4,  2, -3,  1,  0, -3, -2, -1, -3, -1,  3, -3, -3, -1},
    {-1, -2, -3, -4, -1, -2, -3, -4, -3,  2,  4, -2,  2,  0, -3, -2, -1, -2, -1,  1, -4, -3, -1},
    {-1,  2,  0, -1, -3,  1,  1, -2, -1, -3, -2,  5, -1, -3, -1,  0, -1, -3, -2, -2,  0,  1, -1},
    {-1, -1, -2, -3, -1,  0, -2, -3, -2,  1,  2, -1,  5,  0, -2, -1, -1, -1, -1,  1, -3, -1, -1},
    {-2, -3, -3, -3, -2, -3, -3, -3, -1,  0,  0, -3,  0,  6, -4, -2, -2,  1,  3, -1, -3, -3, -1},
    {-1, -2, -2, -1, -3, -1, -1, -2, -2, -3, -3, -1, -2, -4,  7, -1, -1, -4, -3, -2, -2, -1, -2},
    { 1, -1,  1,  0, -1,  0,  0,  0, -1, -2, -2,  0, -1, -2, -1,  4,  1, -3, -2, -2,  0,  0,  0},
    { 0, -1,  0, -1, -1, -1, -1, -2, -2, -1, -1, -1, -1, -2, -1,  1,  5, -2, -2,  0, -1, -1,  0},
    {-3, -3, -4, -4, -2, -2, -3, -2, -2, -3, -2, -3, -1,  1, -4, -3, -2, 11,  2, -3, -4, -3, -2},
    {-2, -2, -2, -3, -2, -1, -2, -3,  2, -1, -1, -2, -1,  3, -3, -2, -2,  2,  7, -1, -3, -2, -1},
    { 0, -3, -3, -3, -1, -2, -2, -3, -3,  3,  1, -2,  1, -1, -2, -2,  0, -3, -1,  4, -3, -2, -1},
    {-2, -1,  3,  4, -3,  0,  1, -1,  0, -3, -4,  0, -3, -3, -2,  0, -1, -4, -3, -3,  4,  1, -1},
    {-1,  0,  0,  1, -3,  3,  4, -2,  0, -3, -3,  1, -1, -3, -1,  0, -1, -3, -2, -2,  1,  4, -1},
    { 0, -1, -1, -1, -2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -2,  0,  0, -2, -1, -1, -1, -1, -1}};

// A residue's row in kBlosum62: selenocysteine as cysteine, pyrrolysine as lysine, J and
// anything unknown as X.
int blosum_index(char residue) {
  if (residue == 'U') residue = 'C';
  if (residue == 'O') residue = 'K';
  const char* at = std::strchr(kBlosumLetters, residue);
  return at && residue ? static_cast<int>(at - kBlosumLetters) : 22;
}

}  // namespace

double sequence_identity(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return 0.0;
  // Scores are doubled so that EMBOSS needle's gap costs (open 10, extend 0.5) are integers.
  constexpr int kOpen = 20, kExtend = 1, kNone = std::numeric_limits<int>::min() / 4;
  // Per cell and state: the best score, and the matches on the path that reached it (ties:
  // more matches). Pair: a[i] with b[j]; down: a[i] against a gap; right: b[j] against a gap.
  struct Cell {
    int score;
    int matches;
  };
  auto better = [](Cell x, Cell y) { return x.score > y.score || (x.score == y.score && x.matches > y.matches); };
  auto best_of = [&](Cell x, Cell y, Cell z) { return better(x, y) ? (better(x, z) ? x : z) : (better(y, z) ? y : z); };
  auto minus = [](Cell c, int cost) { return Cell{c.score - cost, c.matches}; };
  std::vector<int> row_of_b(b.size());
  for (std::size_t j = 0; j < b.size(); ++j) row_of_b[j] = blosum_index(b[j]);
  // Leading gaps are free: row 0 and column 0 start pairs at score 0.
  std::vector<Cell> pair(b.size() + 1, Cell{0, 0}), down(b.size() + 1, Cell{kNone, 0}), right(b.size() + 1, Cell{kNone, 0});
  Cell best{kNone, 0};
  for (std::size_t i = 1; i <= a.size(); ++i) {
    const int* scores = kBlosum62[blosum_index(a[i - 1])];
    Cell diagonal_pair = pair[0], diagonal_down = down[0], diagonal_right = right[0];
    pair[0] = Cell{0, 0};
    down[0] = right[0] = Cell{kNone, 0};
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = a[i - 1] == b[j - 1];
      const Cell from = best_of(diagonal_pair, diagonal_down, diagonal_right);
      diagonal_pair = pair[j];
      diagonal_down = down[j];
      diagonal_right = right[j];
      const Cell new_pair{from.score + 2 * scores[row_of_b[j - 1]], from.matches + (same ? 1 : 0)};
      const Cell new_down = best_of(minus(pair[j], kOpen), minus(down[j], kExtend), minus(right[j], kOpen));
      const Cell new_right = best_of(minus(pair[j - 1], kOpen), minus(right[j - 1], kExtend), minus(down[j - 1], kOpen));
      pair[j] = new_pair;
      down[j] = new_down;
      right[j] = new_right;
    }
    // Trailing gaps are free: the alignment may end at the last column of any row ...
    best = best_of(best, pair[b.size()], best_of(down[b.size()], right[b.size()], Cell{kNone, 0}));
  }
  // ... or at the last row's any column.
  for (std::size_t j = 1; j <= b.size(); ++j) best = best_of(best, pair[j], best_of(down[j], right[j], Cell{kNone, 0}));
  return static_cast<double>(best.matches) / static_cast<double>(std::min(a.size(), b.size()));
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
