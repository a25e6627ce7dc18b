// The report's explanations: drawings shaded atom by atom as occlusion finds them, for
// molecule models and for drug-target models against the scored protein, and, when a model
// cannot explain, a plain drawing that says why and names the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "chem/depiction.h"
#include "core/sha256.h"
#include "models/occlusion.h"
#include "screen_test_support.h"
#include "svg_shading.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;
const std::string kPretrained = std::string(MOLSIEVE_SOURCE_DIR) + "/models/pretrained/";

struct Figure {
  std::string svg, caption;
};
struct CandidateCard {
  std::string smiles;
  std::vector<Figure> figures;
};

std::string unescape(std::string text) {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""},
                                 {"&amp;", "&"}})
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) text.replace(at, from.size(), to);
  return text;
}

// Each candidate card's SMILES and drawings, in the report's order.
std::vector<CandidateCard> candidate_cards(const std::string& html) {
  std::vector<CandidateCard> cards;
  for (auto at = html.find("class='candidate'"); at != std::string::npos; at = html.find("class='candidate'", at + 1)) {
    CandidateCard card;
    const auto code = html.find("<code>", at) + 6;
    card.smiles = unescape(html.substr(code, html.find("</code>", code) - code));
    const auto drawings_end = html.find("</div>", html.find("class='drawings'", at));
    for (auto f = html.find("<figure>", at); f < drawings_end; f = html.find("<figure>", f + 1)) {
      const auto caption = html.find("<figcaption>", f);
      const auto caption_end = html.find("</figcaption>", caption);
      card.figures.push_back({html.substr(f + 8, caption - f - 8), html.substr(caption + 12, caption_end - caption - 12)});
    }
    cards.push_back(std::move(card));
  }
  return cards;
}

// The drawing shades atoms as `contributions` say: the most strongly coloured atom has the
// largest |contribution|, every atom at 6% of it or more is shaded, green where positive and
// red where negative, by strength in proportion.
void expect_shading_follows(const std::string& svg, const std::vector<double>& contributions) {
  const auto shades = atom_shades(svg);
  ASSERT_FALSE(shades.empty()) << "no atom shaded";
  double largest = 0;
  for (double c : contributions) largest = std::max(largest, std::abs(c));
  ASSERT_GT(largest, 0.0);
  std::size_t strongest = shades.begin()->first;
  for (const auto& [atom, shade] : shades)
    if (shade.strength > shades.at(strongest).strength) strongest = atom;
  EXPECT_GT(std::abs(contributions.at(strongest)), 0.99 * largest) << "atom " << strongest;
  EXPECT_NEAR(shades.at(strongest).strength, 0.7, 0.01);
  for (std::size_t a = 0; a < contributions.size(); ++a) {
    const double relative = std::abs(contributions[a]) / largest;
    if (relative >= 0.06) ASSERT_TRUE(shades.count(a)) << "atom " << a << " at " << relative << " of the largest";
    if (!shades.count(a)) continue;
    EXPECT_EQ(shades.at(a).sign, contributions[a] > 0 ? 1 : -1) << "atom " << a;
    EXPECT_NEAR(shades.at(a).strength, 0.7 * relative, 0.01) << "atom " << a;
  }
}

// A card's drawing for a model: shaded (so unlike the plain drawing) as occlusion finds.
void expect_explained(const CandidateCard& card, const Figure& figure, const std::vector<double>& contributions) {
  const std::string plain = chem::svg_depiction(card.smiles, 260, 200);
  ASSERT_FALSE(plain.empty()) << card.smiles;
  EXPECT_NE(figure.svg, plain) << figure.caption;
  expect_shading_follows(figure.svg, contributions);
}

// The small job (bace, tox21) on 40 NCI molecules and the BACE-1 references, with the bace
// model read from a copy in the scratch folder (so that tests can take it away).
class ReportExplanations : public SharedRunSuite<ReportExplanations> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_nci_head(dir_->file("library.smi"), 40);
    std::ofstream(dir_->file("library.smi"), std::ios::app)
        << read_text(std::string(MOLSIEVE_SOURCE_DIR) + "/datasets/jobs/bace1_references.smi");
    fs::copy_file(kPretrained + "bace.h5", bace_copy());
    std::string job = small_job(dir_->file("library.smi"), 64);
    job.replace(job.find("model = \"bace\""), 14, "name = \"bace\"\nmodel = \"" + bace_copy() + "\"");
    write_text(dir_->file("small.toml"), job);
    run_ = molsieve(*dir_, "screen " + dir_->file("small.toml") + " -o " + dir_->file("small.h5") + " --threads 2 -q");
  }
  static std::string bace_copy() { return dir_->file("bace.h5"); }
  static std::string report(const std::string& store, const std::string& options = "") {
    const CommandRun run = molsieve(*dir_, "report " + dir_->file(store) + " --top 2 --threads 2 --overwrite -q -o " +
                                               dir_->file("report.html") + " " + options);
    EXPECT_EQ(run.status, 0) << run.err;
    return read_text(dir_->file("report.html"));
  }
};

TEST_F(ReportExplanations, MoleculeModelDrawingsShadeTheAtomsOcclusionFindsForTheShownTask) {
  const std::vector<CandidateCard> cards = candidate_cards(report("small.h5"));
  ASSERT_EQ(cards.size(), 2u);
  const models::Model bace = models::Model::load(bace_copy());
  const models::Model tox21 = models::Model::load(kPretrained + "tox21.h5");
  for (const CandidateCard& card : cards) {
    ASSERT_EQ(card.figures.size(), 2u) << card.smiles;  // bace and the toxicity model
    EXPECT_EQ(card.figures[0].caption, "bace: pIC50");
    expect_explained(card, card.figures[0],
                     models::occlusion_contributions(bace, models::DrawnMolecules(bace.card()).featurize(card.smiles), 0, 0));
    const std::string prefix = "tox21: ";
    ASSERT_EQ(card.figures[1].caption.rfind(prefix, 0), 0u) << card.figures[1].caption;
    const auto& tasks = tox21.card().tasks;
    const auto task = std::find(tasks.begin(), tasks.end(), card.figures[1].caption.substr(prefix.size())) - tasks.begin();
    ASSERT_LT(static_cast<std::size_t>(task), tasks.size()) << card.figures[1].caption;
    expect_explained(card, card.figures[1],
                     models::occlusion_contributions(tox21, models::DrawnMolecules(tox21.card()).featurize(card.smiles), 0, task));
  }
}

// The plain drawing's caption for each card, which must all say the same.
std::string unexplained_caption(const std::vector<CandidateCard>& cards) {
  EXPECT_FALSE(cards.empty());
  std::string caption;
  for (const CandidateCard& card : cards) {
    EXPECT_EQ(card.figures.size(), 2u) << card.smiles;  // tox21's, and the plain one saying why not bace's
    if (card.figures.size() != 2) continue;
    EXPECT_EQ(card.figures[0].caption.rfind("tox21: ", 0), 0u) << card.figures[0].caption;
    EXPECT_EQ(card.figures[1].svg, chem::svg_depiction(card.smiles, 260, 200));
    caption = card.figures[1].caption;
  }
  return caption;
}

TEST_F(ReportExplanations, AMissingOrChangedModelStoreIsNamedWithTheReason) {
  const std::string moved = dir_->file("bace.moved.h5");
  fs::rename(bace_copy(), moved);
  std::string html = report("small.h5");
  EXPECT_EQ(unexplained_caption(candidate_cards(html)), "(no explanation from bace: no model store at " + bace_copy() + ")");
  EXPECT_NE(html.find("No explanations: no model store at " + bace_copy() + "."), std::string::npos);

  fs::copy_file(kPretrained + "clintox.h5", bace_copy());
  html = report("small.h5");
  EXPECT_EQ(unexplained_caption(candidate_cards(html)),
            "(no explanation from bace: " + bace_copy() + " has changed since the screen (SHA-256 " +
                sha256_file(bace_copy()) + ", the screen's " + sha256_file(moved) + "))");
  fs::remove(bace_copy());
  fs::rename(moved, bace_copy());
}

TEST_F(ReportExplanations, NoExplainSaysSoInsteadOfBlamingTheModel) {
  const std::string html = report("small.h5", "--no-explain");
  for (const CandidateCard& card : candidate_cards(html)) {
    ASSERT_EQ(card.figures.size(), 1u);
    EXPECT_EQ(card.figures[0].caption,
              "(no explanation from bace: not asked for (--no-explain))<br>(no explanation from tox21: not asked for "
              "(--no-explain))");
  }
  EXPECT_EQ(html.find("model not found or changed"), std::string::npos);
}

// Imatinib, dasatinib, nilotinib and bosutinib (ABL1 inhibitors among Davis's ligands) and 20
// NCI molecules, scored for ABL1 by the shipped davis model, the protein named once by its
// target name and once by its sequence.
TEST(KinaseReport, DrugTargetDrawingsShadeTheAtomsOcclusionFindsForTheScoredTarget) {
  const ScratchDir dir;
  write_nci_head(dir.file("library.smi"), 20);
  std::ofstream(dir.file("library.smi"), std::ios::app)
      << "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1 imatinib\n"
         "Cc1nc(Nc2ncc(C(=O)Nc3c(C)cccc3Cl)s2)cc(N2CCN(CCO)CC2)n1 dasatinib\n"
         "Cc1cn(-c2cc(NC(=O)c3ccc(C)c(Nc4nccc(-c5cccnc5)n4)c3)cc(C(F)(F)F)c2)cn1 nilotinib\n"
         "COc1cc(Nc2c(C#N)cnc3cc(OCCCN4CCN(C)CC4)c(OC)cc23)c(Cl)cc1Cl bosutinib\n";
  const models::DrugTargetModel davis = models::DrugTargetModel::load(kPretrained + "davis.h5");
  const std::string abl1 = davis.proteins().sequence(davis.proteins().find("ABL1"));
  write_text(dir.file("kinase.toml"),
             "name = \"abl1\"\n[library]\ninputs = [\"" + dir.file("library.smi") +
                 "\"]\n[[affinity]]\nname = \"abl1\"\nmodel = \"davis\"\ntarget = \"ABL1\"\n"
                 "desirability = { low = 5.0, high = 8.0 }\n[[affinity]]\nname = \"abl1_by_sequence\"\n"
                 "model = \"davis\"\nsequence = \"" + abl1 + "\"\ndesirability = { low = 5.0, high = 8.0 }\n"
                 "[selection]\nkeep = 3\ndiversity = 0.5\n");
  const CommandRun screen = molsieve(dir, "screen " + dir.file("kinase.toml") + " -o " + dir.file("abl1.h5") + " --threads 2 -q");
  ASSERT_EQ(screen.status, 0) << screen.err;
  const CommandRun report =
      molsieve(dir, "report " + dir.file("abl1.h5") + " --top 3 --threads 2 -q -o " + dir.file("report.html"));
  ASSERT_EQ(report.status, 0) << report.err;
  const std::string html = read_text(dir.file("report.html"));
  EXPECT_EQ(html.find("no explanation"), std::string::npos);
  const std::vector<CandidateCard> cards = candidate_cards(html);
  ASSERT_EQ(cards.size(), 3u);
  for (const CandidateCard& card : cards) {
    ASSERT_EQ(card.figures.size(), 2u) << card.smiles;
    EXPECT_EQ(card.figures[0].caption, "abl1: affinity:ABL1");
    EXPECT_EQ(card.figures[1].caption, "abl1_by_sequence: affinity:abl1_by_sequence");
    const auto contributions =
        models::occlusion_contributions(davis, models::DrawnMolecules(davis.card()).featurize(card.smiles), 0, abl1);
    for (const Figure& figure : card.figures) expect_explained(card, figure, contributions);
  }
}

}  // namespace
}  // namespace molsieve::test
