#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>

#include "bindings.h"

namespace py = pybind11;

namespace molsieve::python {

std::vector<chem::InputRecord> to_records(const PythonRecords& records, const std::string& what) {
  std::vector<chem::InputRecord> out(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& [id, text, mol_block] = records[i];
    out[i].row = i;
    out[i].location = what + " " + std::to_string(i);
    out[i].id = id;
    out[i].text = text;
    out[i].format = mol_block ? chem::RecordFormat::MolBlock : chem::RecordFormat::Smiles;
    if (text.empty()) {
      out[i].status = chem::RecordStatus::Empty;
      out[i].error = "empty " + what;
    }
  }
  return out;
}

py::dict table_to_dict(const workflows::ResultTable& table) {
  py::dict out;
  for (const workflows::Column& c : table.columns()) {
    switch (c.kind) {
      case workflows::ColumnKind::Number:
        out[py::str(c.name)] = py::array_t<double>(static_cast<py::ssize_t>(c.numbers.size()), c.numbers.data());
        break;
      case workflows::ColumnKind::Integer:
        out[py::str(c.name)] =
            py::array_t<std::int64_t>(static_cast<py::ssize_t>(c.integers.size()), c.integers.data());
        break;
      case workflows::ColumnKind::Flag: {
        py::array_t<double> flags(static_cast<py::ssize_t>(c.flags.size()));
        auto view = flags.mutable_unchecked<1>();
        for (std::size_t r = 0; r < c.flags.size(); ++r)
          view(static_cast<py::ssize_t>(r)) = c.flags[r] < 0 ? std::numeric_limits<double>::quiet_NaN() : c.flags[r];
        out[py::str(c.name)] = flags;
        break;
      }
      case workflows::ColumnKind::Text: out[py::str(c.name)] = py::cast(c.texts); break;
    }
  }
  return out;
}

}  // namespace molsieve::python
