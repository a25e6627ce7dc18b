// Reading the stores: library stores (chem/library_store.h), results stores with the query
// language (workflows/results), cohort stores with their disclosure rules (workflows/cohort_job).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "chem/descriptors.h"
#include "chem/fingerprint_sets.h"
#include "chem/library_store.h"
#include "workflows/cohort_job/cohort_tables.h"
#include "core/error.h"
#include "workflows/results/query.h"
#include "workflows/results/query_expression.h"
#include "workflows/results/results_store.h"

namespace py = pybind11;

namespace molsieve::python {
namespace {

py::dict library_summary(const std::string& path) {
  chem::LibrarySummary s;
  {
    py::gil_scoped_release release;
    s = chem::LibraryReader(path).summary();
  }
  py::dict out;
  out["path"] = s.path;
  out["schema_version"] = s.schema_version;
  out["tool_version"] = s.tool_version;
  out["created"] = s.created;
  out["standardized"] = s.standardized;
  out["fp_radius"] = s.fp_radius;
  out["fp_bits"] = s.fp_bits;
  out["records"] = s.counts.records;
  out["valid"] = s.counts.valid;
  out["invalid"] = s.counts.invalid;
  out["duplicates"] = s.counts.duplicates;
  py::list inputs;
  for (const auto& input : s.inputs) inputs.append(py::make_tuple(input.name, input.sha256));
  out["inputs"] = inputs;
  out["property_columns"] = py::cast(s.property_columns);
  return out;
}

// Row-major fingerprints of `words` words each as a uint64 array [rows, words].
py::array_t<std::uint64_t> fingerprint_matrix(const std::vector<std::uint64_t>& fingerprints, unsigned words) {
  const std::size_t rows = words ? fingerprints.size() / words : 0;
  py::array_t<std::uint64_t> matrix(std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(words)});
  std::copy(fingerprints.begin(), fingerprints.end(), matrix.mutable_data());
  return matrix;
}

// The library's rows as a table: id, smiles, status, the descriptors, then the library's own
// columns (numbers where every cell of the column is one, as the results store keeps them).
workflows::ResultTable library_rows(const chem::LibraryReader& reader, const chem::FingerprintSet& set) {
  workflows::ResultTable t;
  t.add("id", workflows::ColumnKind::Text).texts = set.ids;
  t.add("smiles", workflows::ColumnKind::Text).texts = set.smiles;
  auto& status = t.add("status", workflows::ColumnKind::Integer).integers;
  for (std::int8_t code : reader.status()) status.push_back(code);
  for (const char* name : chem::descriptor_names())
    t.add(name, workflows::ColumnKind::Number).numbers = reader.descriptor(name);
  const std::vector<std::string> names = reader.property_columns();
  std::vector<std::vector<std::string>> properties = reader.properties(0, reader.size());  // per column
  for (std::size_t c = 0; c < names.size(); ++c) {
    std::vector<double> numbers(properties[c].size());
    bool numeric = true;
    for (std::size_t r = 0; r < numbers.size() && numeric; ++r) numeric = workflows::parse_input_number(properties[c][r], numbers[r]);
    if (numeric)
      t.add(names[c], workflows::ColumnKind::Number).numbers = std::move(numbers);
    else
      t.add(names[c], workflows::ColumnKind::Text).texts = std::move(properties[c]);
  }
  return t;
}

// The rows of the library store at `path` where the query-language expression `where` holds
// (every row when empty), with their fingerprints, uint64 [rows, words].
py::tuple library_table(const std::string& path, const std::string& where) {
  workflows::ResultTable kept;
  std::vector<std::uint64_t> fingerprints;
  unsigned words = 0;
  {
    py::gil_scoped_release release;
    const chem::FingerprintSet set = chem::read_library_fingerprints(path);
    const chem::LibraryReader reader(path);
    workflows::ResultTable all = library_rows(reader, set);
    words = set.words;
    std::vector<char> keep(all.rows(), 1);
    if (!where.empty()) {
      const workflows::QueryExpression expression(where);
      for (const std::string& column : expression.columns())
        if (!all.find(column)) throw Error(path + ": --where reads '" + column + "', which the library store has no column of");
      keep = expression.evaluate(all);
    }
    for (const workflows::Column& c : all.columns()) {
      workflows::Column& out = kept.add(c.name, c.kind);
      for (std::size_t r = 0; r < keep.size(); ++r)
        if (keep[r]) out.append_row_of(c, r);
    }
    for (std::size_t r = 0; r < keep.size(); ++r)
      if (keep[r]) fingerprints.insert(fingerprints.end(), set.fingerprints.begin() + r * words, set.fingerprints.begin() + (r + 1) * words);
  }
  return py::make_tuple(table_to_dict(kept), fingerprint_matrix(fingerprints, words));
}

// Every row's fingerprints alone, uint64 [rows, words].
py::array_t<std::uint64_t> library_fingerprints(const std::string& path) {
  chem::FingerprintSet set;
  {
    py::gil_scoped_release release;
    set = chem::read_library_fingerprints(path);
  }
  return fingerprint_matrix(set.fingerprints, set.words);
}

workflows::TableQuery make_query(const std::string& where, const std::string& order_by, std::size_t top,
                                 double diverse, bool skip_copies) {
  workflows::TableQuery query;
  query.where = where;
  query.order_by = order_by;
  query.top = top;
  query.diverse = diverse;
  query.skip_copies = skip_copies;
  return query;
}

py::dict results_query(const std::string& path, const std::string& where, const std::string& order_by,
                       std::size_t top, double diverse, bool all_copies) {
  workflows::TableQueryResult found;
  {
    py::gil_scoped_release release;
    const workflows::ResultsStore store(path);
    found = workflows::run_table_query(store.file(), workflows::ResultsStore::results_group(),
                                       make_query(where, order_by, top, diverse, !all_copies), path);
  }
  return table_to_dict(found.rows);
}

py::dict results_details(const std::string& path) {
  const workflows::ResultsStore store(path);
  py::list terms;
  for (const workflows::ScoreTerm& t : store.score_terms()) {
    py::dict term;
    term["name"] = t.name;
    term["kind"] = t.kind;
    term["value"] = t.value;
    term["spread"] = t.spread;
    term["domain"] = t.domain;
    term["desirability"] = t.desirability;
    term["weight"] = t.weight;
    terms.append(term);
  }
  const workflows::ResultsCounts counts = store.counts();
  const workflows::ResultsProvenance provenance = store.provenance();
  py::dict out;
  out["score_terms"] = terms;
  out["rows"] = counts.rows;
  out["valid"] = counts.valid;
  out["passed_filters"] = counts.passed_filters;
  out["selected"] = counts.selected;
  out["copies"] = counts.copies;
  out["selection"] = py::cast(store.selection());
  out["input_columns"] = py::cast(store.input_columns());
  out["job_name"] = provenance.job_name;
  out["job_text"] = provenance.job_text;
  out["models"] = py::cast(provenance.models);
  out["model_paths"] = py::cast(provenance.model_paths);
  out["tool_version"] = store.tool_version();
  out["created"] = store.created();
  return out;
}

py::dict cohort_query(const std::string& path, const std::string& table, const std::string& where,
                      const std::string& order_by, std::size_t top, bool exact_counts) {
  workflows::TableQueryResult found;
  {
    py::gil_scoped_release release;
    found = workflows::query_cohort_table(path, table, make_query(where, order_by, top, 0, false), exact_counts);
  }
  return table_to_dict(found.rows);
}

}  // namespace

void bind_stores(py::module_& m) {
  m.def("library_summary", &library_summary, py::arg("path"));
  m.def("library_table", &library_table, py::arg("path"), py::arg("where"));
  m.def("library_fingerprints", &library_fingerprints, py::arg("path"));
  m.def("results_query", &results_query, py::arg("path"), py::arg("where"), py::arg("order_by"), py::arg("top"),
        py::arg("diverse"), py::arg("all_copies"));
  m.def("results_details", &results_details, py::arg("path"));
  m.def("cohort_query", &cohort_query, py::arg("path"), py::arg("table"), py::arg("where"), py::arg("order_by"),
        py::arg("top"), py::arg("exact_counts"));
  m.def("is_patient_level_table", &workflows::is_patient_level_table, py::arg("table"));
}

}  // namespace molsieve::python
