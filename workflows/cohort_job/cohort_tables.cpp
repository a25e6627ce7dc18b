#include "workflows/cohort_job/cohort_tables.h"

#include <algorithm>
#include <iterator>

#include "core/error.h"
#include "core/hdf5_file.h"
#include "workflows/cohort_job/cohort_selection.h"

namespace molsieve::workflows {
namespace {

bool is_aggregate_table(const std::string& table) {
  return table == "attrition" || table == "strata" || table == "characterization";
}

// A column of an aggregate table that holds or would tell a count.
bool is_count_column(const std::string& table, const std::string& column) {
  auto in = [&](const auto& names) { return std::find(std::begin(names), std::end(names), column) != std::end(names); };
  if (table == "attrition") return in(CountPlan::kAttritionColumns);
  return table == "strata" ? in(CountPlan::kStrataColumns) : in(CountPlan::kCharacterizationColumns);
}

}  // namespace

void check_cohort_table(const std::string& table) {
  if (table != "cohort" && table != "attrition" && table != "strata" && table != "patients" &&
      table != "characterization")
    throw Error("--table: '" + table + "' is not cohort, attrition, strata, patients or characterization");
}

bool is_patient_level_table(const std::string& table) { return !is_aggregate_table(table); }

TableQueryResult query_cohort_table(const std::string& path, const std::string& table, const TableQuery& query,
                                    bool exact_counts) {
  check_cohort_table(table);
  if (query.diverse > 0) throw Error(path + ": a cohort store holds patients, not molecules (no --diverse)");
  const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  if (!file.has_attribute("/", "complete") || file.int_attribute("/", "complete") != 1)
    throw Error(path + ": the cohort store is incomplete");
  const std::string group = "/" + table;
  TableQueryResult found = run_table_query(file, group, query, path);
  if (!is_aggregate_table(table)) return found;
  for (const std::string& column : found.columns)
    if (!exact_counts && is_count_column(table, column))
      throw Error(path + ": " + column + " is a count column of " + table +
                  ": --where and --order-by on counts need --exact-counts (whose output shows counts from 1 to 4 and "
                  "is not for sharing)");
  show_counts(CountPlan(read_cohort_counts(file), exact_counts), group, found.rows);
  return found;
}

}  // namespace molsieve::workflows
