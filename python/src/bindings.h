#pragma once
// The areas of the _molsieve module, one source file each; module.cpp calls every bind_*.
// Conventions: functions release the GIL while the C++ library works, tables come back as
// dicts of column name -> numpy array or list (python/molsieve wraps them in DataFrames),
// and molsieve::Error arrives in Python as molsieve.Error with the same message.
#include <pybind11/pybind11.h>

#include <string>
#include <tuple>
#include <vector>

#include "chem/molecule_reader.h"
#include "workflows/results/result_table.h"

namespace molsieve::python {

void bind_featurize(pybind11::module_& m);
void bind_stores(pybind11::module_& m);
void bind_models(pybind11::module_& m);
void bind_search(pybind11::module_& m);
void bind_screen(pybind11::module_& m);
void bind_chemprop(pybind11::module_& m);

// Molecules as molsieve._records makes them: (id, text, is_mol_block) each. `what` names a
// record in messages ("molecule 3"); an empty text is an empty record.
using PythonRecords = std::vector<std::tuple<std::string, std::string, bool>>;
std::vector<chem::InputRecord> to_records(const PythonRecords& records, const std::string& what);

// A table as {name: column}: numbers as float64 arrays (NaN missing), integers as int64,
// flags as float64 (1, 0, NaN where not applicable), texts as lists of str. Key order is the
// table's column order. Needs the GIL.
pybind11::dict table_to_dict(const workflows::ResultTable& table);

}  // namespace molsieve::python
