// molsieve.import_chemprop's C++ half: a Chemprop v2 checkpoint, as python/molsieve/chemprop.py
// read it, through models/chemprop_import into a model store.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "models/chemprop_import.h"
#include "models/model_card.h"

namespace py = pybind11;

namespace molsieve::python {

void bind_chemprop(py::module_& m) {
  m.def(
      "_import_chemprop",
      [](const std::string& file, const std::string& sha256, const std::string& hyper_parameters,
         const py::dict& state_dict, const std::vector<std::string>& tasks,
         const std::map<std::string, std::string>& versions, const std::string& output) {
        models::ChempropCheckpoint checkpoint{file, sha256, hyper_parameters, {}, tasks, versions};
        for (const auto& [key, value] : state_dict) {
          const auto array = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(value);
          if (!array) throw py::type_error(file + ": state_dict " + py::str(key).cast<std::string>() + " is not numeric");
          models::NamedArray& named = checkpoint.state_dict[py::str(key).cast<std::string>()];
          named.shape.assign(array.shape(), array.shape() + array.ndim());
          named.values.assign(array.data(), array.data() + array.size());
        }
        std::string card;
        {
          py::gil_scoped_release release;
          const models::Model model = models::import_chemprop(checkpoint);
          model.save(output);
          card = models::card_to_json(model.card());
        }
        return card;
      },
      py::arg("file"), py::arg("sha256"), py::arg("hyper_parameters"), py::arg("state_dict"), py::arg("tasks"),
      py::arg("versions"), py::arg("output"),
      "Maps a Chemprop v2 checkpoint's hyperparameters (JSON) and weights onto a molsieve model store at "
      "`output`; returns its card (JSON). Raises molsieve.Error for what molsieve does not implement.");
}

}  // namespace molsieve::python
