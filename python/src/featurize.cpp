// featurize: molecules to numpy arrays with the library store's featurizer (chem/featurizer.h).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>

#include "bindings.h"
#include "chem/alerts.h"
#include "core/error.h"
#include "core/thread_scope.h"
#include "models/molecule_set.h"

namespace py = pybind11;

namespace molsieve::python {
namespace {

const char* status_name(chem::RecordStatus status) {
  switch (status) {
    case chem::RecordStatus::Ok: return "ok";
    case chem::RecordStatus::Empty: return "empty";
    case chem::RecordStatus::NotUtf8: return "not_utf8";
    case chem::RecordStatus::ParseFailed: return "parse_failed";
    case chem::RecordStatus::StandardizeFailed: return "standardize_failed";
    case chem::RecordStatus::FeaturizeFailed: return "featurize_failed";
  }
  return "unknown";
}

py::dict featurize(const PythonRecords& input, bool standardize,
                   unsigned fp_radius, unsigned fp_bits, bool descriptors, bool alerts, unsigned threads) {
  chem::FeaturizerOptions options;
  options.standardize = standardize;
  options.fp_radius = fp_radius;
  options.fp_bits = fp_bits;
  options.descriptors = descriptors;
  options.alerts = alerts;
  options.graph = false;
  if (fp_bits == 0 || fp_bits % 64 != 0)
    throw Error("fp_bits: " + std::to_string(fp_bits) + " is not a positive multiple of 64");
  std::vector<chem::InputRecord> records = to_records(input, "molecule");
  std::vector<chem::FeaturizedMolecule> done;
  std::vector<std::string> families;
  std::vector<std::size_t> family_of;
  {
    py::gil_scoped_release release;
    const ThreadScope scope(threads);
    const models::MoleculeFeaturizer featurizer(options);
    done = featurizer.featurize_molecules(std::move(records));
    families = chem::AlertCatalog::families();
    for (std::size_t a = 0; a < featurizer.alerts().size(); ++a) family_of.push_back(featurizer.alerts().family_index(a));
  }
  const std::size_t n = done.size(), words = fp_bits / 64;
  auto shape = [](std::size_t rows, std::size_t columns) {
    return std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(columns)};
  };
  py::array_t<std::uint64_t> fingerprints(shape(n, words));
  py::array_t<double> values(shape(n, chem::kDescriptorCount));
  py::array_t<std::int8_t> lipinski(static_cast<py::ssize_t>(n));
  py::array_t<bool> veber(static_cast<py::ssize_t>(n)), family_hits(shape(n, families.size()));
  std::fill_n(family_hits.mutable_data(), n * families.size(), false);
  std::vector<std::string> ids, inputs, smiles, status, errors;
  for (std::size_t i = 0; i < n; ++i) {
    const chem::FeaturizedMolecule& m = done[i];
    ids.push_back(m.id);
    inputs.push_back(m.input_smiles);
    smiles.push_back(m.smiles);
    status.push_back(status_name(m.status));
    errors.push_back(m.error);
    std::copy_n(m.fingerprint.begin(), std::min(words, m.fingerprint.size()), fingerprints.mutable_data(i, 0));
    std::fill(fingerprints.mutable_data(i, 0) + std::min(words, m.fingerprint.size()), fingerprints.mutable_data(i, 0) + words, 0);
    std::copy(m.descriptors.values.begin(), m.descriptors.values.end(), values.mutable_data(i, 0));
    *lipinski.mutable_data(i) = m.descriptors.lipinski_violations;
    *veber.mutable_data(i) = m.descriptors.veber;
    for (std::uint16_t alert : m.alerts) *family_hits.mutable_data(i, family_of[alert]) = true;
  }
  py::dict out;
  out["id"] = py::cast(ids);
  out["input_smiles"] = py::cast(inputs);
  out["smiles"] = py::cast(smiles);
  out["status"] = py::cast(status);
  out["error"] = py::cast(errors);
  out["fingerprints"] = fingerprints;
  out["descriptors"] = values;
  const auto& names = chem::descriptor_names();
  out["descriptor_names"] = py::cast(std::vector<std::string>(names.begin(), names.end()));
  out["lipinski_violations"] = lipinski;
  out["veber"] = veber;
  out["alert_families"] = py::cast(families);
  out["alerts"] = family_hits;
  return out;
}

}  // namespace

void bind_featurize(py::module_& m) {
  m.def("featurize", &featurize, py::arg("records"), py::arg("standardize"), py::arg("fp_radius"),
        py::arg("fp_bits"), py::arg("descriptors"), py::arg("alerts"), py::arg("threads"),
        "Featurizes (id, text, is_mol_block) records; see molsieve.featurize");
}

}  // namespace molsieve::python
