#pragma once
// The filter language of `molsieve query --where` (docs/screening.md):
//   pIC50 > 7 and tox21_max < 0.3 and not pains
//   (mw <= 450 or qed >= 0.6) and nearest_reference == 'verubecestat'
// Comparisons < <= > >= == != between a column and a number or a 'quoted string';
// `and`, `or`, `not`, parentheses; a bare column is true when non-zero (text: non-empty).
// Column names are letters, digits, _ and - (there is no arithmetic), or `back-quoted`.
// A comparison with a missing value (NaN, or -1 in a flag column) is false.
#include <memory>
#include <string>
#include <vector>

#include "workflows/results/result_table.h"

namespace molsieve::workflows {

class QueryExpression {
 public:
  // Throws molsieve::Error with the position and what was expected.
  explicit QueryExpression(const std::string& text);
  ~QueryExpression();
  QueryExpression(QueryExpression&&) noexcept;
  QueryExpression& operator=(QueryExpression&&) noexcept;

  // Columns the expression reads, in order of first use.
  const std::vector<std::string>& columns() const { return columns_; }
  // One value per row of `table` (which must hold columns()): 1 where the expression holds.
  std::vector<char> evaluate(const ResultTable& table) const;

  struct Node;

 private:
  std::unique_ptr<Node> root_;
  std::vector<std::string> columns_;
};

}  // namespace molsieve::workflows
