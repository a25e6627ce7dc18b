// Models: a model store loaded once, predicting the table `molsieve predict` writes
// (workflows/results/prediction_table.h), for molecules alone or drug-target pairs.
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"
#include "chem/library_store.h"
#include "core/error.h"
#include "models/drug_target.h"
#include "models/model.h"
#include "models/thread_scope.h"
#include "workflows/results/prediction_table.h"

namespace py = pybind11;

namespace molsieve::python {
namespace {

class LoadedModel {
 public:
  explicit LoadedModel(const std::string& path) : path_(path) {
    py::gil_scoped_release release;
    if (models::DrugTargetModel::is_drug_target_store(path))
      drug_target_ = std::make_unique<models::DrugTargetModel>(models::DrugTargetModel::load(path));
    else
      molecule_ = std::make_unique<models::Model>(models::Model::load(path));
  }

  const models::ModelCard& card() const { return drug_target_ ? drug_target_->card() : molecule_->card(); }
  bool is_drug_target() const { return drug_target_ != nullptr; }
  std::string card_json() const { return models::card_to_json(card()); }
  std::vector<std::string> proteins() const {
    std::vector<std::string> names;
    if (drug_target_)
      for (std::size_t p = 0; p < drug_target_->proteins().size(); ++p) names.push_back(drug_target_->proteins().name(p));
    return names;
  }

  // `records` (molecules), or `store`: a library store's rows.
  py::dict predict(const PythonRecords& records, const std::string& store,
                   const std::vector<std::string>& targets, const std::string& target_fasta, std::size_t batch_size,
                   unsigned threads) const {
    workflows::ResultTable table;
    {
      py::gil_scoped_release release;
      const models::ModelThreadScope scope(threads);
      const models::MoleculeSet set = molecules(records, store);
      if (drug_target_) {
        table = predict_drug_target(set, targets, target_fasta);
      } else {
        if (!targets.empty() || !target_fasta.empty())
          throw Error("targets: " + path_ + " is a model of molecules alone, not of ligand-protein pairs");
        models::PredictOptions options;
        options.batch_size = batch_size;
        table = workflows::prediction_table(set, molecule_->predict(set, options), card());
      }
    }
    return table_to_dict(table);
  }

 private:
  models::MoleculeSet molecules(const PythonRecords& records,
                                const std::string& store) const {
    if (!store.empty()) {
      const chem::LibraryReader reader(store);
      models::check_store_matches_model(reader.summary(), card());
      return models::read_store_rows(reader, 0, reader.size());
    }
    const models::MoleculeFeaturizer featurizer(models::model_featurizer_options(card()));
    return featurizer.featurize(to_records(records, "molecule"));
  }

  workflows::ResultTable predict_drug_target(const models::MoleculeSet& set, const std::vector<std::string>& names,
                                             const std::string& fasta) const {
    const models::ProteinTable targets = workflows::requested_targets(path_, drug_target_->proteins(), names, fasta);
    std::vector<std::string> target_names, sequences;
    std::vector<char> inside;
    for (std::size_t p = 0; p < targets.size(); ++p) {
      target_names.push_back(targets.name(p));
      sequences.push_back(targets.sequence(p));
      inside.push_back(drug_target_->nearest_training_identity(sequences.back()) >= card().protein_identity_threshold);
    }
    return workflows::drug_target_table(set, drug_target_->predict_grid(set, sequences, inside), card(), target_names,
                                        inside);
  }

  std::string path_;
  std::unique_ptr<models::Model> molecule_;
  std::unique_ptr<models::DrugTargetModel> drug_target_;
};

}  // namespace

void bind_models(py::module_& m) {
  py::class_<LoadedModel>(m, "LoadedModel")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def_property_readonly("is_drug_target", &LoadedModel::is_drug_target)
      .def_property_readonly("card_json", &LoadedModel::card_json)
      .def_property_readonly("proteins", &LoadedModel::proteins)
      .def("predict", &LoadedModel::predict, py::arg("records"), py::arg("store"), py::arg("targets"),
           py::arg("target_fasta"), py::arg("batch_size"), py::arg("threads"));
}

}  // namespace molsieve::python
