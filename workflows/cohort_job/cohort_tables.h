#pragma once
// Queries over the tables of a cohort store as every front end shows them (the command
// line's `query`, the Python module): the aggregate tables' counts as the run's disclosure
// rules show them (docs/cohorts.md), so a suppressed count is never recovered by filtering or
// ordering on it.
#include <string>

#include "workflows/results/query.h"

namespace molsieve::workflows {

// cohort, attrition, strata, patients or characterization (throws molsieve::Error otherwise).
void check_cohort_table(const std::string& table);
// Whether rows of `table` are patients (person ids): not for sharing.
bool is_patient_level_table(const std::string& table);

// `query` over `table` of the cohort store at `path`. The attrition, strata and
// characterization tables show their counts suppressed unless `exact_counts`; without it a
// filter or an order that reads a count column throws molsieve::Error naming the column.
// Throws naming `path` when it is not a complete cohort store.
TableQueryResult query_cohort_table(const std::string& path, const std::string& table, const TableQuery& query,
                                    bool exact_counts);

}  // namespace molsieve::workflows
