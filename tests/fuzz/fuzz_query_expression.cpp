// libFuzzer target: the --where expression parser and its evaluation on a small table.
// Bad input must end in molsieve::Error naming the position, never a crash.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "workflows/results/query_expression.h"
#include "workflows/results/result_table.h"

using molsieve::workflows::ColumnKind;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const molsieve::workflows::ResultTable table = [] {
    molsieve::workflows::ResultTable t;
    t.add("score", ColumnKind::Number).numbers = {0.5, -1.0, 0.0 / 0.0};
    t.add("rank", ColumnKind::Integer).integers = {1, 2, 0};
    t.add("pains", ColumnKind::Flag).flags = {0, 1, -1};
    t.add("id", ColumnKind::Text).texts = {"a", "", "c'd"};
    t.add("-logKd/Ki", ColumnKind::Number).numbers = {7.0, 5.5, 6.0};
    return t;
  }();
  try {
    const molsieve::workflows::QueryExpression e(std::string(reinterpret_cast<const char*>(data), size));
    e.evaluate(table);
  } catch (const molsieve::Error&) {
  }
  return 0;
}
