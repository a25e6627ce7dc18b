// Similarity search and diverse picking over a library store's fingerprints (kernels/),
// with the columns `molsieve similarity` and `molsieve pick` write.
#include <pybind11/stl.h>

#include <optional>

#include "bindings.h"
#include "chem/fingerprint_sets.h"
#include "core/error.h"
#include "core/thread_scope.h"
#include "kernels/diversity.h"
#include "kernels/similarity_search.h"
#include "models/molecule_set.h"

namespace py = pybind11;

namespace molsieve::python {
namespace {

constexpr std::size_t kMaxTop = 10000;

// SMILES queries featurized as the library was (its standardization and Morgan parameters).
chem::FingerprintSet featurize_queries(const PythonRecords& records,
                                       const chem::FingerprintSet& library) {
  chem::FeaturizerOptions options;
  options.standardize = library.standardized;
  options.fp_radius = library.radius;
  options.fp_bits = library.words * 64;
  const models::MoleculeFeaturizer featurizer(options.fingerprints_only());
  const std::vector<chem::FeaturizedMolecule> done = featurizer.featurize_molecules(to_records(records, "query"));
  chem::FingerprintSet set;
  set.rows = done.size();
  set.words = library.words;
  set.radius = library.radius;
  set.standardized = library.standardized;
  set.fingerprints.resize(set.rows * set.words, 0);
  for (std::size_t i = 0; i < done.size(); ++i) {
    set.ids.push_back(done[i].id);
    set.smiles.push_back(done[i].smiles);
    set.errors.push_back(done[i].ok() ? std::string() : done[i].error);
    if (!done[i].ok()) continue;
    set.valid_rows.push_back(static_cast<std::uint32_t>(i));
    std::copy(done[i].fingerprint.begin(), done[i].fingerprint.end(), set.fingerprints.begin() + i * set.words);
  }
  return set;
}

workflows::Column& add(workflows::ResultTable& t, const char* name, workflows::ColumnKind kind) { return t.add(name, kind); }

py::tuple similarity(const std::string& library_path, const std::string& query_path,
                     const PythonRecords& query_records, std::optional<std::size_t> top,
                     std::optional<double> threshold, const std::string& metric, const std::string& device,
                     unsigned threads) {
  workflows::ResultTable t;
  std::vector<std::string> skipped;
  {
    py::gil_scoped_release release;
    kernels::SearchOptions options;
    options.metric = kernels::parse_metric(metric);
    if (top && (*top == 0 || *top > kMaxTop))
      throw Error("top: " + std::to_string(*top) + " is not in 1.." + std::to_string(kMaxTop));
    if (threshold && !(*threshold >= 0.0 && *threshold <= 1.0))
      throw Error("threshold: " + std::to_string(*threshold) + " is outside [0, 1]");
    options.top_k = top ? *top : (threshold ? 0 : 100);
    options.threshold = threshold.value_or(0.0);
    const auto selection = kernels::select_backend(kernels::parse_device(device));
    const ThreadScope scope(threads);
    const chem::FingerprintSet library = chem::read_library_fingerprints(library_path);
    const chem::FingerprintSet queries = query_path.empty() ? featurize_queries(query_records, library)
                                                            : chem::read_query_fingerprints(query_path, library, scope.count());
    const kernels::SearchLibrary search_library(library.matrix(), library.valid_rows);
    std::vector<std::uint64_t> batch;
    for (std::uint32_t row : queries.valid_rows) {
      const std::uint64_t* fp = queries.matrix().row(row);
      batch.insert(batch.end(), fp, fp + queries.words);
    }
    const kernels::SearchResults results = kernels::search(
        selection.backend, search_library, {batch.data(), queries.valid_rows.size(), queries.words}, options);
    auto& query = add(t, "query", workflows::ColumnKind::Integer).integers;
    auto& query_id = add(t, "query_id", workflows::ColumnKind::Text).texts;
    auto& rank = add(t, "rank", workflows::ColumnKind::Integer).integers;
    auto& index = add(t, "index", workflows::ColumnKind::Integer).integers;
    auto& id = add(t, "id", workflows::ColumnKind::Text).texts;
    auto& smiles = add(t, "smiles", workflows::ColumnKind::Text).texts;
    auto& score = add(t, "score", workflows::ColumnKind::Number).numbers;
    for (std::size_t i = 0; i < queries.valid_rows.size(); ++i) {
      const std::size_t query_row = queries.valid_rows[i];
      for (std::size_t h = results.offsets[i]; h < results.offsets[i + 1]; ++h) {
        const kernels::Hit& hit = results.hits[h];
        query.push_back(static_cast<std::int64_t>(query_row));
        query_id.push_back(queries.ids[query_row]);
        rank.push_back(static_cast<std::int64_t>(h - results.offsets[i]));
        index.push_back(hit.index);
        id.push_back(library.ids[hit.index]);
        smiles.push_back(library.smiles[hit.index]);
        score.push_back(hit.score);
      }
    }
    for (std::size_t q = 0; q < queries.rows; ++q)
      if (!queries.errors[q].empty()) skipped.push_back("query " + std::to_string(q) + " (" + queries.ids[q] + "): " + queries.errors[q]);
  }
  return py::make_tuple(table_to_dict(t), skipped);
}

py::dict pick(const std::string& library_path, std::size_t size, const std::string& method,
              std::optional<double> threshold, std::uint64_t seed, const std::vector<std::uint32_t>& initial,
              const std::string& metric, const std::string& device, unsigned threads) {
  workflows::ResultTable t;
  {
    py::gil_scoped_release release;
    if (size == 0) throw Error("size: must be at least 1");
    if (method != "maxmin" && method != "butina") throw Error("method: '" + method + "' is not maxmin or butina");
    if (threshold && !(*threshold >= 0.0 && *threshold <= 1.0))
      throw Error("threshold: " + std::to_string(*threshold) + " is outside [0, 1]");
    const auto selection = kernels::select_backend(kernels::parse_device(device));
    const ThreadScope scope(threads);
    const chem::FingerprintSet library = chem::read_library_fingerprints(library_path);
    const kernels::SearchLibrary search_library(library.matrix(), library.valid_rows);
    auto& rank = add(t, "rank", workflows::ColumnKind::Integer).integers;
    auto& index = add(t, "index", workflows::ColumnKind::Integer).integers;
    auto& id = add(t, "id", workflows::ColumnKind::Text).texts;
    auto& smiles = add(t, "smiles", workflows::ColumnKind::Text).texts;
    auto put = [&](std::size_t r, std::uint32_t row) {
      rank.push_back(static_cast<std::int64_t>(r));
      index.push_back(row);
      id.push_back(library.ids[row]);
      smiles.push_back(library.smiles[row]);
    };
    if (method == "maxmin") {
      kernels::MaxMinOptions options;
      options.metric = kernels::parse_metric(metric);
      options.picks = size;
      options.seed = seed;
      options.stop_distance = threshold.value_or(0.0);
      options.initial = initial;
      const auto picks = kernels::maxmin_pick(selection.backend, search_library, options);
      auto& distance = add(t, "min_distance", workflows::ColumnKind::Number).numbers;
      for (std::size_t r = 0; r < picks.size(); ++r) {
        put(r, picks[r].index);
        distance.push_back(picks[r].distance);
      }
    } else {
      kernels::ButinaOptions options;
      options.metric = kernels::parse_metric(metric);
      options.distance = threshold.value_or(options.distance);
      const auto clustering = kernels::butina_cluster(selection.backend, search_library, options);
      auto& cluster_size = add(t, "cluster_size", workflows::ColumnKind::Integer).integers;
      for (std::size_t c = 0; c < std::min(size, clustering.clusters()); ++c) {
        put(c, clustering.centroid(c));
        cluster_size.push_back(static_cast<std::int64_t>(clustering.size(c)));
      }
    }
  }
  return table_to_dict(t);
}

}  // namespace

void bind_search(py::module_& m) {
  m.def("similarity", &similarity, py::arg("library"), py::arg("query_path"), py::arg("query_records"),
        py::arg("top"), py::arg("threshold"), py::arg("metric"), py::arg("device"), py::arg("threads"));
  m.def("pick", &pick, py::arg("library"), py::arg("size"), py::arg("method"), py::arg("threshold"),
        py::arg("seed"), py::arg("initial"), py::arg("metric"), py::arg("device"), py::arg("threads"));
}

}  // namespace molsieve::python
