// The pretrained encoder: the descriptor panel it learns (RDKit's own values), the corpus
// (copies once, excluded sets left out, labels clamped), and train --from-pretrained, whose
// members (a drug-target model's ligand encoder too) start from the encoder's message
// passing and whose card names it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "chem/descriptor_panel.h"
#include "core/error.h"
#include "core/sha256.h"
#include "models/drug_target.h"
#include "models/drug_target_state.h"
#include "models/model_state.h"
#include "models/pretraining.h"
#include "test_support.h"

namespace molsieve {
namespace {

double panel_value(const std::vector<double>& panel, const std::string& name) {
  const auto& names = chem::descriptor_panel_names();
  const auto at = std::find(names.begin(), names.end(), name);
  if (at == names.end()) throw std::runtime_error("no descriptor " + name);
  return panel[static_cast<std::size_t>(at - names.begin())];
}

// Values from RDKit's Python API (rdMolDescriptors.Properties, rdMolDescriptors.MQNs_) for
// paracetamol, CC(=O)Nc1ccc(O)cc1.
TEST(DescriptorPanel, ParacetamolHasRdkitsValues) {
  const std::vector<double> p = chem::descriptor_panel("CC(=O)Nc1ccc(O)cc1");
  ASSERT_EQ(p.size(), chem::descriptor_panel_names().size());
  EXPECT_NEAR(panel_value(p, "exactmw"), 151.063329, 1e-5);
  EXPECT_EQ(panel_value(p, "NumHeavyAtoms"), 11);
  EXPECT_EQ(panel_value(p, "NumAmideBonds"), 1);
  EXPECT_NEAR(panel_value(p, "tpsa"), 49.33, 1e-9);
  EXPECT_NEAR(panel_value(p, "CrippenClogP"), 1.3506, 1e-4);
  EXPECT_EQ(panel_value(p, "MQN1"), 8);  // carbons
  EXPECT_EQ(panel_value(p, "MQN10"), 2);  // acyclic oxygens
  EXPECT_TRUE(std::isnan(chem::descriptor_panel("not a molecule")[0]));
}

class PretrainingCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_text(dir_.file("a.csv"), "smiles,label\nCCO,1\nOCC,2\nc1ccccc1O,3\nnonsense,4\nCCN,5\nCC(=O)O,6\n");
    test::write_text(dir_.file("b.csv"), "mol\nc1ccccc1\nCCO\nCCCl\nc1ccncc1\n");
    test::write_text(dir_.file("held_out.csv"), "smiles\nCCN\n");
  }
  models::PretrainingCorpus read(std::size_t max_molecules = 0) const {
    return models::read_pretraining_corpus({models::parse_corpus_file(dir_.file("a.csv")),
                                            models::parse_corpus_file(dir_.file("b.csv") + ":mol")},
                                           {models::parse_corpus_file(dir_.file("held_out.csv"))}, max_molecules, 3);
  }
  test::ScratchDir dir_;
};

TEST_F(PretrainingCorpus, EachStructureOnceAndNoneOfTheExcludedSets) {
  const models::PretrainingCorpus c = read();
  EXPECT_EQ(c.records, 10u);
  EXPECT_EQ(c.invalid, 1u);
  EXPECT_EQ(c.duplicates, 2u);  // OCC and b's CCO are ethanol again
  EXPECT_EQ(c.excluded, 1u);    // CCN
  EXPECT_EQ(c.excluded_sources, "held_out.csv");
  ASSERT_EQ(c.molecules.size(), 6u);
  std::vector<std::string> smiles = c.molecules.smiles;
  std::sort(smiles.begin(), smiles.end());
  EXPECT_EQ(smiles, (std::vector<std::string>{"CC(=O)O", "CCCl", "CCO", "Oc1ccccc1", "c1ccccc1", "c1ccncc1"}));
  // The labels are the panel's varying descriptors: NumSpiroAtoms is 0 for all six, so absent.
  EXPECT_EQ(std::count(c.descriptors.begin(), c.descriptors.end(), "NumSpiroAtoms"), 0);
  ASSERT_EQ(c.molecules.tasks, c.descriptors.size());
  const auto at = std::find(c.descriptors.begin(), c.descriptors.end(), "NumHeavyAtoms") - c.descriptors.begin();
  for (std::size_t i = 0; i < c.molecules.size(); ++i)
    EXPECT_EQ(c.molecules.label(i, static_cast<std::size_t>(at)),
              panel_value(chem::descriptor_panel(c.molecules.smiles[i]), "NumHeavyAtoms"))
        << c.molecules.smiles[i];
}

TEST_F(PretrainingCorpus, AtMostTheAskedNumberOfStructuresTheSameForTheSameSeed) {
  const models::PretrainingCorpus a = read(4), b = read(4);
  EXPECT_EQ(a.molecules.size(), 4u);
  EXPECT_EQ(a.molecules.smiles, b.molecules.smiles);
}

TEST(ParseCorpusFile, ColumnAfterTheLastColonOfTheFileName) {
  EXPECT_EQ(models::parse_corpus_file("data/bace.csv:mol").smiles_column, "mol");
  EXPECT_EQ(models::parse_corpus_file("data/bace.csv:mol").path, "data/bace.csv");
  EXPECT_EQ(models::parse_corpus_file("data/bace.csv").smiles_column, "smiles");
  EXPECT_EQ(models::parse_corpus_file("c:/x/bace.csv").path, "c:/x/bace.csv");
}

models::TrainOptions small_options() {
  models::TrainOptions o;
  o.architecture.hidden = 32;
  o.architecture.ffn_hidden = 32;
  o.epochs = 2;
  o.batch_size = 4;
  o.patience = 0;
  o.split_sizes = {0.7, 0.3, 0.0};
  o.seed = 5;
  o.device = kernels::parse_device("cpu");
  return o;
}

// The message-passing weights of the D-MPNN named `prefix` in `network`, flattened.
std::vector<float> message_passing(const torch::nn::Module& network, const std::string& prefix = "") {
  std::vector<float> out;
  auto parameters = network.named_parameters();
  for (const char* name : {"W_i.weight", "W_h.weight", "W_o.weight", "W_o.bias"}) {
    const torch::Tensor t = parameters[prefix + name].contiguous().cpu();
    out.insert(out.end(), t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  }
  return out;
}
std::vector<float> message_passing(const models::Model& model, std::size_t m) {
  return message_passing(*model.state().members.at(m));
}

TEST_F(PretrainingCorpus, FineTunedMembersStartFromTheEncoderAndTheCardNamesIt) {
  const models::Model encoder = models::pretrain_encoder(read(), small_options());
  encoder.save(dir_.file("encoder.h5"));
  EXPECT_EQ(encoder.card().tasks.size(), read().descriptors.size());
  // Whoever fine-tunes it learns which sets it never saw.
  EXPECT_NE(encoder.card().limitations.find("1 row with the structures of held_out.csv left out"), std::string::npos)
      << encoder.card().limitations;

  models::TrainOptions o = small_options();
  o.task_type = models::TaskType::Regression;
  o.tasks = {"label"};
  o.ensemble = 2;
  o.pretrained_encoder = dir_.file("encoder.h5");
  o.init_lr = o.max_lr = o.final_lr = 0;  // no step moves a weight: what is trained is the start
  const models::MoleculeSet labelled = models::read_labelled_file(dir_.file("a.csv"), "smiles", {"label"});
  const models::Model tuned = models::train_model(labelled, o);
  for (std::size_t m = 0; m < 2; ++m) EXPECT_EQ(message_passing(tuned, m), message_passing(encoder, 0)) << "member " << m;
  EXPECT_EQ(tuned.card().pretrained_encoder, "encoder.h5");
  EXPECT_EQ(tuned.card().pretrained_encoder_sha256, sha256_file(dir_.file("encoder.h5")));
  tuned.save(dir_.file("tuned.h5"));
  EXPECT_EQ(models::Model::load(dir_.file("tuned.h5")).card().pretrained_encoder_sha256,
            tuned.card().pretrained_encoder_sha256);

  o.pretrained_encoder.clear();
  EXPECT_NE(message_passing(models::train_model(labelled, o), 0), message_passing(encoder, 0));
}

// The shipped encoder (models/pretrain_encoder.sh) never saw the shipped molecule models' sets,
// and starts a model of train's default size.
TEST_F(PretrainingCorpus, TheShippedEncoderLeftOutTheShippedModelsSetsAndStartsADefaultModel) {
  const std::string path = std::string(MOLSIEVE_SOURCE_DIR) + "/models/pretrained/encoder.h5";
  const models::Model encoder = models::Model::load(path);
  EXPECT_NE(encoder.card().limitations.find("with the structures of bace.csv, clintox.csv, tox21.csv, "
                                            "pdbbind_refined.csv left out"),
            std::string::npos)
      << encoder.card().limitations;
  models::TrainOptions o;
  o.task_type = models::TaskType::Regression;
  o.tasks = {"label"};
  o.epochs = 1;
  o.split_sizes = {0.7, 0.3, 0.0};
  o.device = kernels::parse_device("cpu");
  o.pretrained_encoder = path;
  o.init_lr = o.max_lr = o.final_lr = 0;
  const models::MoleculeSet labelled = models::read_labelled_file(dir_.file("a.csv"), "smiles", {"label"});
  EXPECT_EQ(message_passing(models::train_model(labelled, o), 0), message_passing(encoder, 0));
}

TEST_F(PretrainingCorpus, ADrugTargetModelsLigandEncoderStartsFromTheEncoderAndItsCardNamesIt) {
  const models::Model encoder = models::pretrain_encoder(read(), small_options());
  encoder.save(dir_.file("encoder.h5"));
  std::string pairs = "smiles,protein,affinity\n";
  for (const char* smiles : {"CCO", "c1ccccc1O", "CCN", "CC(=O)O", "c1ccncc1", "CCCl"})
    for (const char* protein : {"MKKLLPTAAAGLLLLAAQPAMA", "MSTNPKPQRKTKRNTNRRPQDVKFPGG"})
      pairs += std::string(smiles) + "," + protein + "," + std::to_string(5.0 + static_cast<double>(pairs.size() % 7)) + "\n";
  test::write_text(dir_.file("pairs.csv"), pairs);
  const models::PairSet data = models::read_pair_file(dir_.file("pairs.csv"), {}, nullptr);
  models::Split split;
  for (std::size_t i = 0; i < data.size(); ++i) (i % 4 == 0 ? split.validation : split.train).push_back(i);

  models::DrugTargetOptions o;
  o.ligand = small_options().architecture;
  o.protein.kind = "composition";
  o.epochs = 2;
  o.ligand_batch = 3;
  o.protein_batch = 2;
  o.patience = 0;
  o.ensemble = 2;
  o.affinity_column = "affinity";
  o.init_lr = o.max_lr = o.final_lr = 0;  // no step moves a weight: what is trained is the start
  o.pretrained_encoder = dir_.file("encoder.h5");
  const models::DrugTargetModel tuned = models::train_drug_target(data, split, o);
  for (std::size_t m = 0; m < 2; ++m)
    EXPECT_EQ(message_passing(*tuned.state().members.at(m), "ligand."), message_passing(encoder, 0)) << "member " << m;
  EXPECT_EQ(tuned.card().pretrained_encoder, "encoder.h5");
  EXPECT_EQ(tuned.card().pretrained_encoder_sha256, sha256_file(dir_.file("encoder.h5")));

  o.pretrained_encoder.clear();
  EXPECT_NE(message_passing(*models::train_drug_target(data, split, o).state().members.at(0), "ligand."),
            message_passing(encoder, 0));
}

TEST_F(PretrainingCorpus, AnEncoderOfAnotherSizeIsRefusedNamingBoth) {
  models::pretrain_encoder(read(), small_options()).save(dir_.file("encoder.h5"));
  models::TrainOptions o = small_options();
  o.task_type = models::TaskType::Regression;
  o.tasks = {"label"};
  o.architecture.hidden = 48;
  o.pretrained_encoder = dir_.file("encoder.h5");
  const std::string error = test::error_of(
      [&] { models::train_model(models::read_labelled_file(dir_.file("a.csv"), "smiles", {"label"}), o); });
  EXPECT_NE(error.find("its encoder has hidden size 32 and depth 3; this model asks for 48 and 3"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace molsieve
