#pragma once
// A query over one table of a results store or a cohort store (docs/screening.md, "Query"):
// rows kept by a query-language expression, ordered by a column, the top N taken, and for
// molecules optionally a greedy diverse subset. What `molsieve query` runs, for any front end.
#include <cstdint>
#include <string>
#include <vector>

#include "core/hdf5_file.h"
#include "workflows/results/result_table.h"

namespace molsieve::workflows {

struct TableQuery {
  std::string where;     // the query language (docs/screening.md); empty: every row
  std::string order_by;  // "COL" (descending), "COL:asc" or "COL:desc"; empty: stored order
  std::size_t top = 0;   // 0: every row that matches
  // Above 0: walk down the order keeping a molecule only when its Tanimoto similarity to
  // every kept one is at most this (the table needs a smiles column).
  double diverse = 0;
  // Leave out the later copies of a structure (the `duplicate` flag of results stores; a
  // table without it has none), so that each structure shows once, at its first occurrence.
  bool skip_copies = false;
};

struct TableQueryResult {
  ResultTable rows;                  // every column, in the query's order
  std::string order_column;          // empty: stored order
  std::vector<std::string> columns;  // the columns the order and the expression read
};

// Throws molsieve::Error naming `store` (the file's name for messages) and the column or
// option at fault.
TableQueryResult run_table_query(const hdf5::File& file, const std::string& group, const TableQuery& query,
                                 const std::string& store);

}  // namespace molsieve::workflows
