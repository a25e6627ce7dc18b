// Models: a model store loaded once, predicting the table `molsieve predict` writes
// (workflows/results/prediction_table.h), for molecules alone or drug-target pairs.
#include <pybind11/stl.h>

#include <memory>
#include <mutex>

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

std::mutex& prediction_mutex() {
  static std::mutex mutex;
  return mutex;
}

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

  // `records` (molecules), or `store`: a library store's rows, read a chunk at a time so that
  // memory holds one chunk's graphs, as `molsieve predict` does.
  py::dict predict(const PythonRecords& records, const std::string& store, const std::vector<std::string>& targets,
                   const std::string& target_fasta, std::size_t batch_size, unsigned threads) const {
    workflows::ResultTable table;
    {
      py::gil_scoped_release release;
      if (!drug_target_ && (!targets.empty() || !target_fasta.empty()))
        throw Error("targets: " + path_ + " is a model of molecules alone, not of ligand-protein pairs");
      // LibTorch's thread count is process-wide: calls from several Python threads take turns,
      // or one call's count would change under another's running prediction.
      const std::lock_guard<std::mutex> one_at_a_time(prediction_mutex());
      const models::ModelThreadScope scope(threads);
      const Targets asked = drug_target_ ? targets_of(targets, target_fasta) : Targets{};
      auto predict_set = [&](const models::MoleculeSet& set) {
        append(table, drug_target_ ? predict_drug_target(set, asked) : predict_molecules(set, batch_size));
      };
      if (store.empty()) {
        const models::MoleculeFeaturizer featurizer(models::model_featurizer_options(card()));
        predict_set(featurizer.featurize(to_records(records, "molecule")));
      } else {
        const chem::LibraryReader reader(store);
        models::check_store_matches_model(reader.summary(), card());
        for (std::uint64_t first = 0; first < reader.size(); first += kRowsPerChunk)
          predict_set(models::read_store_rows(reader, first, std::min<std::uint64_t>(kRowsPerChunk, reader.size() - first)));
        if (reader.size() == 0)  // the columns, without rows
          table = drug_target_ ? workflows::drug_target_table({}, {}, card(), asked.names, asked.inside)
                               : workflows::prediction_table({}, {}, card());
      }
    }
    return table_to_dict(table);
  }

 private:
  static constexpr std::uint64_t kRowsPerChunk = 8192;

  struct Targets {
    std::vector<std::string> names, sequences;
    std::vector<char> inside;  // inside the protein domain
  };

  Targets targets_of(const std::vector<std::string>& names, const std::string& fasta) const {
    const models::ProteinTable table = workflows::requested_targets(path_, drug_target_->proteins(), names, fasta);
    Targets t;
    for (std::size_t p = 0; p < table.size(); ++p) {
      t.names.push_back(table.name(p));
      t.sequences.push_back(table.sequence(p));
      t.inside.push_back(drug_target_->nearest_training_identity(t.sequences.back()) >= card().protein_identity_threshold);
    }
    return t;
  }

  workflows::ResultTable predict_molecules(const models::MoleculeSet& set, std::size_t batch_size) const {
    models::PredictOptions options;
    options.batch_size = batch_size;
    return workflows::prediction_table(set, molecule_->predict(set, options), card());
  }

  workflows::ResultTable predict_drug_target(const models::MoleculeSet& set, const Targets& t) const {
    return workflows::drug_target_table(set, drug_target_->predict_grid(set, t.sequences, t.inside), card(), t.names,
                                        t.inside);
  }

  // Appends the rows of `piece` (the same columns) to `table`.
  static void append(workflows::ResultTable& table, workflows::ResultTable piece) {
    if (table.columns().empty()) {
      table = std::move(piece);
      return;
    }
    for (std::size_t c = 0; c < piece.columns().size(); ++c)
      for (std::size_t r = 0; r < piece.rows(); ++r) table.columns()[c].append_row_of(piece.columns()[c], r);
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
