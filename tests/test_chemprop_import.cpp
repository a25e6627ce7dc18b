// models/chemprop_import: a hand-built Chemprop v2 checkpoint's predictions against Chemprop's
// equations written out as plain loops over RDKit atoms and bonds, and the refusals.
#include <gtest/gtest.h>

#include <GraphMol/SmilesParse/SmilesParse.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <random>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "models/chemprop_import.h"
#include "models/molecule_set.h"
#include "models/training.h"
#include "test_support.h"

namespace molsieve {
namespace {

using nlohmann::json;
using Vector = std::vector<double>;
using Matrix = std::vector<Vector>;  // rows

struct TinyModel {
  bool v2 = true;
  int d_h = 6, depth = 3, hidden_layers = 1, ffn_hidden = 5, tasks = 2;
  std::string aggregation = "MeanAggregation";
  std::string head = "RegressionFFN";
  bool batch_norm = false;
  int d_v() const { return v2 ? 72 : 133; }
};

json module_record(const std::string& cls) { return {{"class", cls}, {"buffers", json::object()}, {"modules", json::object()}}; }

json hyper_parameters(const TinyModel& t) {
  json identity = module_record("torch.nn.modules.linear.Identity");
  json graph_transform = module_record("chemprop.nn.transforms.GraphTransform");
  graph_transform["modules"] = {{"V_transform", identity}, {"E_transform", identity}};
  json mp = {{"d_v", t.d_v()}, {"d_e", 14}, {"d_h", t.d_h}, {"bias", false}, {"depth", t.depth},
             {"dropout", 0.0}, {"undirected", false}, {"d_vd", 0}, {"V_d_transform", nullptr},
             {"graph_transform", graph_transform}, {"activation", module_record("torch.nn.modules.activation.ReLU")},
             {"cls", {{"class", "chemprop.nn.message_passing.base.BondMessagePassing"}}}};
  json predictor = {{"n_tasks", t.tasks}, {"input_dim", t.d_h}, {"hidden_dim", std::vector<int>(t.hidden_layers, t.ffn_hidden)},
                    {"n_layers", t.hidden_layers}, {"dropout", 0.0}, {"task_weights", nullptr},
                    {"activation", module_record("torch.nn.modules.activation.ReLU")},
                    {"cls", {{"class", "chemprop.nn.predictors." + t.head}}}};
  const char* attribute_dict = "lightning.fabric.utilities.data.AttributeDict";
  return {{"batch_norm", t.batch_norm}, {"X_d_transform", nullptr},
          {"message_passing", {{"class", attribute_dict}, {"items", mp}}},
          {"agg", {{"dim", 0}, {"cls", {{"class", "chemprop.nn.agg." + t.aggregation}}}, {"norm", 100}}},
          {"predictor", {{"class", attribute_dict}, {"items", predictor}}}};
}

// Chemprop's weights of a TinyModel, random but fixed, as a model of doubles and as a checkpoint.
struct Reference {
  TinyModel t;
  Matrix w_i, w_h, w_o;
  Vector b_o, bn_gamma, bn_beta, bn_mean, bn_var, out_mean, out_scale;
  std::vector<Matrix> ffn_w;
  std::vector<Vector> ffn_b;
  models::ChempropCheckpoint checkpoint;
};

Reference make_reference(const TinyModel& t) {
  Reference r;
  r.t = t;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> uniform(-0.5f, 0.5f);
  auto& dict = r.checkpoint.state_dict;
  // Each value is drawn as a float: the checkpoint and the double model hold the same numbers.
  auto matrix = [&](const std::string& name, int rows, int cols) {
    Matrix m(rows, Vector(cols));
    models::NamedArray& a = dict[name];
    a.shape = {rows, cols};
    for (auto& row : m)
      for (double& v : row) a.values.push_back(static_cast<float>(v = uniform(random)));
    return m;
  };
  auto vector = [&](const std::string& name, int size, float offset = 0, std::vector<std::int64_t> shape = {}) {
    Vector v(size);
    models::NamedArray& a = dict[name];
    a.shape = shape.empty() ? std::vector<std::int64_t>{size} : shape;
    for (double& x : v) a.values.push_back(static_cast<float>(x = uniform(random) + offset));
    return v;
  };
  r.w_i = matrix("message_passing.W_i.weight", t.d_h, t.d_v() + 14);
  r.w_h = matrix("message_passing.W_h.weight", t.d_h, t.d_h);
  r.w_o = matrix("message_passing.W_o.weight", t.d_h, t.d_v() + t.d_h);
  r.b_o = vector("message_passing.W_o.bias", t.d_h);
  if (t.batch_norm) {
    r.bn_gamma = vector("bn.weight", t.d_h, 1.0f);
    r.bn_beta = vector("bn.bias", t.d_h);
    r.bn_mean = vector("bn.running_mean", t.d_h);
    r.bn_var = vector("bn.running_var", t.d_h, 1.0f);
    dict["bn.num_batches_tracked"] = {{}, {12}};
  }
  int width = t.d_h;
  for (int layer = 0; layer <= t.hidden_layers; ++layer) {
    const int out = layer == t.hidden_layers ? t.tasks : t.ffn_hidden;
    const std::string name = "predictor.ffn." + std::to_string(layer) + (layer == 0 ? ".0" : ".2");
    r.ffn_w.push_back(matrix(name + ".weight", out, width));
    r.ffn_b.push_back(vector(name + ".bias", out));
    width = out;
  }
  if (t.head == "RegressionFFN") {
    r.out_mean = vector("predictor.output_transform.mean", t.tasks, 3.0f, {1, t.tasks});
    r.out_scale = vector("predictor.output_transform.scale", t.tasks, 1.5f, {1, t.tasks});
  }
  dict["predictor.criterion.task_weights"] = {{1, t.tasks}, std::vector<float>(t.tasks, 1.0f)};
  r.checkpoint.file = "tiny.ckpt";
  r.checkpoint.sha256 = "00ff";
  r.checkpoint.hyper_parameters = hyper_parameters(t).dump();
  r.checkpoint.versions = {{"pytorch-lightning_version", "2.6.6"}};
  return r;
}

// Chemprop's MultiHotAtomFeaturizer (v1 or v2) and MultiHotBondFeaturizer, from RDKit.
void one_hot(Vector& x, std::size_t& at, const std::vector<int>& choices, int value) {
  const auto found = std::find(choices.begin(), choices.end(), value);
  x[at + static_cast<std::size_t>(found - choices.begin())] = 1;
  at += choices.size() + 1;
}

std::vector<int> range(int first, int last) {
  std::vector<int> v;
  for (int i = first; i <= last; ++i) v.push_back(i);
  return v;
}

Vector atom_features(const RDKit::Atom& a, bool v2) {
  using H = RDKit::Atom::HybridizationType;
  std::vector<int> numbers = v2 ? range(1, 36) : range(1, 100);
  if (v2) numbers.push_back(53);
  const std::vector<int> hybridizations =
      v2 ? std::vector<int>{H::S, H::SP, H::SP2, H::SP2D, H::SP3, H::SP3D, H::SP3D2}
         : std::vector<int>{H::SP, H::SP2, H::SP3, H::SP3D, H::SP3D2};
  Vector x(v2 ? 72 : 133, 0.0);
  std::size_t at = 0;
  one_hot(x, at, numbers, a.getAtomicNum());
  one_hot(x, at, range(0, 5), static_cast<int>(a.getTotalDegree()));
  one_hot(x, at, {-1, -2, 1, 2, 0}, a.getFormalCharge());
  one_hot(x, at, range(0, 3), static_cast<int>(a.getChiralTag()));
  one_hot(x, at, range(0, 4), static_cast<int>(a.getTotalNumHs()));
  one_hot(x, at, hybridizations, static_cast<int>(a.getHybridization()));
  x[at] = a.getIsAromatic() ? 1 : 0;
  x[at + 1] = 0.01 * a.getMass();
  return x;
}

Vector bond_features(const RDKit::Bond& b) {
  Vector x(14, 0.0);
  const std::vector<int> types{RDKit::Bond::SINGLE, RDKit::Bond::DOUBLE, RDKit::Bond::TRIPLE, RDKit::Bond::AROMATIC};
  const auto type = std::find(types.begin(), types.end(), static_cast<int>(b.getBondType()));
  if (type != types.end()) x[1 + (type - types.begin())] = 1;
  x[5] = b.getIsConjugated() ? 1 : 0;
  x[6] = b.getOwningMol().getRingInfo()->numBondRings(b.getIdx()) > 0 ? 1 : 0;
  std::size_t at = 7;
  one_hot(x, at, range(0, 5), static_cast<int>(b.getStereo()));
  return x;
}

Vector affine(const Matrix& w, const Vector& x, const Vector* b = nullptr) {
  Vector y(w.size(), 0.0);
  for (std::size_t o = 0; o < w.size(); ++o) {
    for (std::size_t i = 0; i < x.size(); ++i) y[o] += w[o][i] * x[i];
    if (b) y[o] += (*b)[o];
  }
  return y;
}
Vector relu(Vector v) {
  for (double& x : v) x = std::max(x, 0.0);
  return v;
}
Vector join(Vector a, const Vector& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Chemprop's MPNN.forward in evaluation, directed edges as (source, target, bond).
Vector chemprop_forward(const Reference& r, const std::string& smiles) {
  const std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(smiles));
  const TinyModel& t = r.t;
  struct Edge { unsigned from, to; Vector input; };
  std::vector<Edge> edges;
  for (const RDKit::Bond* b : mol->bonds())
    for (auto [from, to] : {std::pair{b->getBeginAtomIdx(), b->getEndAtomIdx()}, std::pair{b->getEndAtomIdx(), b->getBeginAtomIdx()}})
      edges.push_back({from, to, affine(r.w_i, join(atom_features(*mol->getAtomWithIdx(from), t.v2), bond_features(*b)))});
  std::vector<Vector> h(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) h[e] = relu(edges[e].input);
  auto arriving = [&](unsigned atom) {
    Vector sum(t.d_h, 0.0);
    for (std::size_t e = 0; e < edges.size(); ++e)
      if (edges[e].to == atom)
        for (int k = 0; k < t.d_h; ++k) sum[k] += h[e][k];
    return sum;
  };
  for (int step = 1; step < t.depth; ++step) {
    std::vector<Vector> next(edges.size());
    for (std::size_t e = 0; e < edges.size(); ++e) {
      Vector m = arriving(edges[e].from);
      const std::size_t reverse = e ^ 1;
      for (int k = 0; k < t.d_h; ++k) m[k] -= h[reverse][k];
      const Vector update = affine(r.w_h, m);
      next[e] = edges[e].input;
      for (int k = 0; k < t.d_h; ++k) next[e][k] += update[k];
      next[e] = relu(next[e]);
    }
    h = next;
  }
  Vector molecule(t.d_h, 0.0);
  for (const RDKit::Atom* a : mol->atoms()) {
    const Vector atom = relu(affine(r.w_o, join(atom_features(*a, t.v2), arriving(a->getIdx())), &r.b_o));
    for (int k = 0; k < t.d_h; ++k) molecule[k] += atom[k];
  }
  for (double& v : molecule) {
    if (t.aggregation == "MeanAggregation") v /= mol->getNumAtoms();
    if (t.aggregation == "NormAggregation") v /= 100.0;
  }
  if (t.batch_norm)
    for (int k = 0; k < t.d_h; ++k)
      molecule[k] = (molecule[k] - r.bn_mean[k]) / std::sqrt(r.bn_var[k] + 1e-5) * r.bn_gamma[k] + r.bn_beta[k];
  Vector y = molecule;
  for (std::size_t layer = 0; layer < r.ffn_w.size(); ++layer) {
    if (layer > 0) y = relu(y);
    y = affine(r.ffn_w[layer], y, &r.ffn_b[layer]);
  }
  for (int task = 0; task < t.tasks; ++task)
    y[task] = t.head == "RegressionFFN" ? y[task] * r.out_scale[task] + r.out_mean[task] : 1.0 / (1.0 + std::exp(-y[task]));
  return y;
}

// Atoms of every hybridization (S: deuterium; SP3D: PF5; SP3D2: SF6, PF6-), charges, chirality,
// iodine, an atom outside V2's elements (Sn), a bond-less salt and ring stereo.
const std::vector<std::string> kMolecules = {
    "CCO", "c1ccccc1O", "[2H]OC", "FP(F)(F)(F)F", "FS(F)(F)(F)(F)F", "F[P-](F)(F)(F)(F)F", "C[C@H](N)C(=O)[O-]",
    "CI", "C[Sn](C)(C)Cl", "[Na+].[Cl-]", "C/C=C/C#N", "O=S(=O)(c1ccc(N)cc1)N"};

void expect_chemprop_predictions(const TinyModel& t) {
  const Reference r = make_reference(t);
  const models::Model model = models::import_chemprop(r.checkpoint);
  const models::MoleculeSet set =
      models::MoleculeFeaturizer(models::model_featurizer_options(model.card())).featurize(test::smiles_records(kMolecules));
  const models::Predictions p = model.predict(set);
  for (std::size_t row = 0; row < kMolecules.size(); ++row) {
    ASSERT_TRUE(set.valid(row)) << kMolecules[row];
    const Vector expected = chemprop_forward(r, kMolecules[row]);
    for (int task = 0; task < t.tasks; ++task)
      EXPECT_NEAR(p.value(row, task), expected[task], 1e-5 * std::max(1.0, std::abs(expected[task])))
          << kMolecules[row] << " task " << task;
  }
}

TEST(ChempropImport, V2FeaturesMeanAggregationRegressionPredictAsChempropsEquations) {
  expect_chemprop_predictions(TinyModel{});
}

TEST(ChempropImport, V1FeaturesSumAggregationBatchNormClassificationPredictAsChempropsEquations) {
  TinyModel t;
  t.v2 = false;
  t.aggregation = "SumAggregation";
  t.batch_norm = true;
  t.hidden_layers = 2;
  t.head = "BinaryClassificationFFN";
  t.tasks = 3;
  expect_chemprop_predictions(t);
}

TEST(ChempropImport, NormAggregationWithoutHiddenLayersPredictsAsChempropsEquations) {
  TinyModel t;
  t.aggregation = "NormAggregation";
  t.hidden_layers = 0;
  t.depth = 1;
  expect_chemprop_predictions(t);
}

TEST(ChempropImport, CardSaysWhereItCameFromAndTheModelHasNoDomainOrSpreadAfterSaveAndLoad) {
  const Reference r = make_reference(TinyModel{});
  const models::Model imported = models::import_chemprop(r.checkpoint);
  const test::ScratchDir dir;
  imported.save(dir.file("imported.h5"));
  const models::Model model = models::Model::load(dir.file("imported.h5"));
  const models::ModelCard& card = model.card();
  EXPECT_EQ(card.imported_from, "tiny.ckpt");
  EXPECT_EQ(card.imported_sha256, "00ff");
  EXPECT_EQ(card.imported_tool, "Chemprop v2 (its version is not recorded; saved by PyTorch Lightning 2.6.6)");
  EXPECT_FALSE(card.standardize);
  EXPECT_EQ(card.architecture.atom_features, models::AtomFeatures::ChempropV2);
  EXPECT_EQ(card.architecture.ffn_layers, 2);
  EXPECT_EQ(card.tasks, (std::vector<std::string>{"task_0", "task_1"}));
  EXPECT_DOUBLE_EQ(card.target_scaling.at("task_1").at("std"), static_cast<float>(r.out_scale[1]));
  const models::MoleculeSet set =
      models::MoleculeFeaturizer(models::model_featurizer_options(card)).featurize(test::smiles_records({"CCO", "c1ccccc1"}));
  const models::Predictions before = imported.predict(set), after = model.predict(set);
  EXPECT_EQ(before.mean, after.mean);
  for (std::size_t i = 0; i < after.mean.size(); ++i) {
    EXPECT_TRUE(std::isnan(after.std[i]));
    EXPECT_TRUE(std::isnan(after.lo95[i]));
    EXPECT_TRUE(std::isnan(after.hi95[i]));
  }
  EXPECT_TRUE(std::isnan(after.nearest_training_similarity[0]));
}

TEST(ChempropImport, CalibrationOnHeldOutMoleculesGivesIntervalsWithoutADomain) {
  models::Model model = models::import_chemprop(make_reference(TinyModel{}).checkpoint);
  std::vector<std::string> smiles;  // 80 molecules: chains with a varying head group
  for (const char* head : {"O", "N", "Cl", "C(=O)O", "c1ccccc1", "C#N", "S", "F"})
    for (int length = 1; length <= 10; ++length) smiles.push_back(std::string(length, 'C') + head);
  const auto featurizer = models::model_featurizer_options(model.card());
  models::MoleculeSet data = models::MoleculeFeaturizer(featurizer).featurize(test::smiles_records(smiles));
  const models::Predictions before = model.predict(data);
  data.tasks = 2;
  for (std::size_t row = 0; row < data.size(); ++row)  // labels off the predictions by up to 0.4
    for (std::size_t task = 0; task < 2; ++task) data.labels.push_back(before.value(row, task) + 0.1 * (row % 9) - 0.4);
  models::Split split;
  split.validation = data.valid_rows();
  models::calibrate(model, data, split);
  const models::Predictions after = model.predict(data);
  for (std::size_t row = 0; row < data.size(); ++row) {
    EXPECT_TRUE(std::isnan(after.nearest_training_similarity[row]));
    for (std::size_t task = 0; task < 2; ++task) {
      const std::size_t at = row * 2 + task;
      EXPECT_EQ(after.mean[at], before.mean[at]);
      EXPECT_GT(after.std[at], 0.2);  // the 68% quantile of residuals spread evenly over [0, 0.4]
      EXPECT_LT(after.std[at], 0.4);
      EXPECT_NEAR(after.hi95[at] - after.mean[at], after.mean[at] - after.lo95[at], 1e-9);
      EXPECT_GE(after.hi95[at] - after.mean[at], 0.4 - 1e-9);
    }
  }
}

TEST(ChempropImport, ReadsHyperparametersHeldAsOneAttributeDictAsChempropsModelFilesHoldThem) {
  Reference r = make_reference(TinyModel{});
  const models::Model from_ckpt = models::import_chemprop(r.checkpoint);
  r.checkpoint.hyper_parameters =
      json{{"class", "lightning.fabric.utilities.data.AttributeDict"}, {"items", json::parse(r.checkpoint.hyper_parameters)}}
          .dump();
  const models::Model from_pt = models::import_chemprop(r.checkpoint);
  const models::MoleculeSet set = models::MoleculeFeaturizer(models::model_featurizer_options(from_pt.card()))
                                      .featurize(test::smiles_records({"CCO", "c1ccccc1O"}));
  EXPECT_EQ(from_pt.predict(set).mean, from_ckpt.predict(set).mean);
}

TEST(ChempropImport, TakesTaskNamesAndRefusesAWrongCountOfThem) {
  Reference r = make_reference(TinyModel{});
  r.checkpoint.tasks = {"logD", "pKa"};
  EXPECT_EQ(models::import_chemprop(r.checkpoint).card().tasks, r.checkpoint.tasks);
  r.checkpoint.tasks = {"logD"};
  EXPECT_THROW(models::import_chemprop(r.checkpoint), Error);
}

// What a change to a valid checkpoint makes of it, and the words its refusal must contain.
struct Refusal {
  std::string name;
  std::function<void(json&, models::ChempropCheckpoint&)> change;
  std::string message;
};

class ChempropRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(ChempropRefusal, NamesTheCheckpointAndWhatIsNotImplemented) {
  Reference r = make_reference(TinyModel{});
  json h = json::parse(r.checkpoint.hyper_parameters);
  GetParam().change(h, r.checkpoint);
  r.checkpoint.hyper_parameters = h.dump();
  try {
    models::import_chemprop(r.checkpoint);
    FAIL() << "imported";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("tiny.ckpt: ", 0), 0u) << what;
    EXPECT_NE(what.find(GetParam().message), std::string::npos) << what;
  }
}

json& mp(json& h) { return h["message_passing"]["items"]; }
json& head(json& h) { return h["predictor"]["items"]; }

INSTANTIATE_TEST_SUITE_P(
    ChempropImport, ChempropRefusal,
    ::testing::Values(
        Refusal{"AtomMessagePassing",
                [](json& h, auto&) { mp(h)["cls"]["class"] = "chemprop.nn.message_passing.base.AtomMessagePassing"; },
                "hyperparameter message_passing.cls: AtomMessagePassing"},
        Refusal{"Undirected", [](json& h, auto&) { mp(h)["undirected"] = true; }, "message_passing.undirected"},
        Refusal{"MessageBias", [](json& h, auto&) { mp(h)["bias"] = true; }, "message_passing.bias"},
        Refusal{"Tanh", [](json& h, auto&) { mp(h)["activation"] = {{"class", "torch.nn.modules.activation.Tanh"}}; },
                "message_passing.activation"},
        Refusal{"AtomDescriptors", [](json& h, auto&) { mp(h)["d_vd"] = 3; }, "message_passing.d_vd: 3"},
        Refusal{"ExtraAtomFeatures", [](json& h, auto&) { mp(h)["d_v"] = 75; }, "message_passing.d_v: 75"},
        Refusal{"ExtraBondFeatures", [](json& h, auto&) { mp(h)["d_e"] = 16; }, "message_passing.d_e: 16"},
        Refusal{"ScaledAtomFeatures",
                [](json& h, auto&) {
                  mp(h)["graph_transform"]["modules"]["V_transform"] = {{"class", "chemprop.nn.transforms.ScaleTransform"}};
                },
                "message_passing.graph_transform"},
        Refusal{"MoleculeFeatures",
                [](json& h, auto&) { h["X_d_transform"] = {{"class", "chemprop.nn.transforms.ScaleTransform"}}; },
                "X_d_transform"},
        Refusal{"MoleculeFeaturesInTheHead", [](json& h, auto&) { head(h)["input_dim"] = 9; }, "predictor.input_dim: 9"},
        Refusal{"AttentiveAggregation", [](json& h, auto&) { h["agg"]["cls"]["class"] = "chemprop.nn.agg.AttentiveAggregation"; },
                "agg.cls: AttentiveAggregation"},
        Refusal{"OtherNorm", [](json& h, auto&) {
                  h["agg"]["cls"]["class"] = "chemprop.nn.agg.NormAggregation";
                  h["agg"]["norm"] = 50;
                }, "agg.norm: 50"},
        Refusal{"Mve", [](json& h, auto&) { head(h)["cls"]["class"] = "chemprop.nn.predictors.MveFFN"; }, "predictor.cls: MveFFN"},
        Refusal{"Evidential", [](json& h, auto&) { head(h)["cls"]["class"] = "chemprop.nn.predictors.EvidentialFFN"; },
                "predictor.cls: EvidentialFFN"},
        Refusal{"Multiclass",
                [](json& h, auto&) { head(h)["cls"]["class"] = "chemprop.nn.predictors.MulticlassClassificationFFN"; },
                "predictor.cls: MulticlassClassificationFFN"},
        Refusal{"Dirichlet", [](json& h, auto&) { head(h)["cls"]["class"] = "chemprop.nn.predictors.BinaryDirichletFFN"; },
                "predictor.cls: BinaryDirichletFFN"},
        Refusal{"Spectral", [](json& h, auto&) { head(h)["cls"]["class"] = "chemprop.nn.predictors.SpectralFFN"; },
                "predictor.cls: SpectralFFN"},
        Refusal{"UnevenHiddenWidths", [](json& h, auto&) {
                  head(h)["hidden_dim"] = {5, 4};
                  head(h)["n_layers"] = 2;
                }, "predictor.hidden_dim: [5,4]"},
        Refusal{"Multicomponent", [](json& h, auto&) { h.erase("message_passing"); }, "no 'message_passing' hyperparameters"},
        Refusal{"UnknownWeight",
                [](json&, models::ChempropCheckpoint& c) { c.state_dict["message_passing.W_d.weight"] = {{1}, {0.5f}}; },
                "state_dict message_passing.W_d.weight"},
        Refusal{"WrongShape",
                [](json&, models::ChempropCheckpoint& c) { c.state_dict["message_passing.W_h.weight"].shape = {3, 12}; },
                "state_dict message_passing.W_h.weight has shape [3, 12], expected [6, 6]"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.name; });

}  // namespace
}  // namespace molsieve
