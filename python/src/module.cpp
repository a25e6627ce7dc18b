// The _molsieve extension module: molsieve's libraries for Python (python/molsieve wraps it).
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "core/error.h"

PYBIND11_MODULE(_molsieve, m) {
  m.doc() = "molsieve's C++ libraries; use the molsieve package, which wraps this module";
  // One exception type for what a user can fix, with the library's own message; a run
  // stopped on request is its subclass, as Interrupted is Error's.
  auto error = pybind11::register_exception<molsieve::Error>(m, "Error", PyExc_RuntimeError);
  pybind11::register_exception<molsieve::Interrupted>(m, "Interrupted", error.ptr());
  molsieve::python::bind_featurize(m);
  molsieve::python::bind_stores(m);
  molsieve::python::bind_models(m);
  molsieve::python::bind_search(m);
  molsieve::python::bind_screen(m);
  molsieve::python::bind_chemprop(m);
}
