#pragma once
// The exports of a result table, as `molsieve query` writes them (docs/screening.md): CSV,
// JSON, SDF with 2-D structures, and the aligned text table with each score term explained.
// `numbered` (screening results) leads with the output position; cohort tables are written
// as stored.
#include <memory>
#include <string>
#include <vector>

#include "workflows/results/result_table.h"
#include "workflows/results/results_store.h"

namespace molsieve { class CsvWriter; }
namespace molsieve::workflows {

// A row's place in this query's output: not the store's `rank` (by score over the whole
// library) nor `selection_rank` (in the job's diverse selection), which every format also shows.
extern const char* const kPosition;

// Throws molsieve::Error naming `path` when it cannot be written ("-": standard output).
void write_results_csv(const std::string& path, const ResultTable& t, bool numbered);
// CSV of every column of a table, written piece by piece by a run that streams (each piece
// with the columns of the table the writer was made with); cells as write_results_csv's.
class TableCsvWriter {
 public:
  // `columns`: a table (rows or none) with the pieces' columns, for the header.
  TableCsvWriter(const std::string& path, const ResultTable& columns);
  ~TableCsvWriter();
  void append(const ResultTable& piece);
  void close();

 private:
  std::unique_ptr<CsvWriter> csv_;
};
std::string results_json(const ResultTable& t, bool numbered);
std::string results_sdf(const ResultTable& t);
// Screening results: index, id, score, one "6.69±0.31 d0.52!" column per score term, the
// columns in `extra`, smiles; cohort tables: every column as stored.
std::string results_text_table(const ResultTable& t, const std::vector<std::string>& extra, bool screening,
                               const std::vector<ScoreTerm>& terms = {});

}  // namespace molsieve::workflows
