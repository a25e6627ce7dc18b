#pragma once
// OMOP CDM tables read from a PostgreSQL database (libpq), where real CDMs live. Each table
// molsieve reads is streamed with COPY ... TO STDOUT (CSV) into a scratch folder and then
// imported exactly as OMOP CSV files are (cohort/omop_csv.h): one parser, one set of checks
// and unit conversions, so a database and its CSV export give the same population store.
#include <cstdint>
#include <functional>
#include <string>

namespace molsieve::cohort {

// True for a libpq connection URI (postgresql://... or postgres://...).
bool is_database_uri(const std::string& source);

// The URI's host, port, database and user without its password, for messages and provenance.
std::string describe_database(const std::string& uri);

// What a copy reports: the table being copied and the bytes written so far (called per
// megabyte or so, and once when a table is done with done set).
struct TableCopyProgress {
  std::string table;
  std::uint64_t bytes = 0;
  bool done = false;
};

// Copies person, observation_period, condition_occurrence, drug_exposure and measurement
// (required), and genotype, cdm_source, concept and concept_ancestor (when the schema has
// them) from `schema` of the database at `uri` into `folder` as <table>.csv with a header.
// Throws molsieve::Error naming the database (never its password) and the table at fault: no
// connection, a missing required table, a failed query, a failed write (disk full).
void copy_omop_tables(const std::string& uri, const std::string& schema, const std::string& folder,
                      const std::function<void(const TableCopyProgress&)>& progress);

}  // namespace molsieve::cohort
