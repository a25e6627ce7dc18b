// Protein tables, sequence checks and pair files for the drug-target models.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.h"
#include "models/pairs.h"
#include "models/proteins.h"
#include "test_support.h"

namespace molsieve {
namespace {

TEST(ProteinTable, FastaNamesAreTheFirstWordAndSequencesJoinTheirLines) {
  test::ScratchDir dir;
  test::write_text(dir.file("kinases.fasta"),
                   ">ABL1 tyrosine-protein kinase\nMLEICLK\nlvgcks\n\n>EGFR\nMRPSGTAG\n");
  const models::ProteinTable table = models::read_protein_table(dir.file("kinases.fasta"));
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table.name(0), "ABL1");
  EXPECT_EQ(table.sequence(0), "MLEICLKLVGCKS");
  EXPECT_EQ(table.find("EGFR"), 1u);
  EXPECT_EQ(table.find("KIT"), table.size());
}

TEST(ProteinTable, NameSequenceTablesSkipTheirHeader) {
  test::ScratchDir dir;
  test::write_text(dir.file("proteins.csv"), "name,sequence\nAAK1,MKKFFDS\nAATK\tMALSS\n");
  const models::ProteinTable table = models::read_protein_table(dir.file("proteins.csv"));
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table.sequence(table.find("AATK")), "MALSS");
}

TEST(ProteinTable, ErrorsNameTheFileLineAndPosition) {
  test::ScratchDir dir;
  test::write_text(dir.file("bad.csv"), "name,sequence\nAAK1,MKKFFDS\nAATK,MAL1SS\n");
  EXPECT_EQ(test::error_of([&] { models::read_protein_table(dir.file("bad.csv")); }),
            dir.file("bad.csv") + ":3: '1' at position 4 of the sequence is not an amino-acid letter");
  test::write_text(dir.file("twice.fasta"), ">A\nMKK\n>A\nMKL\n");
  EXPECT_EQ(test::error_of([&] { models::read_protein_table(dir.file("twice.fasta")); }),
            dir.file("twice.fasta") + ":3: protein 'A' appears twice with different sequences");
  test::write_text(dir.file("empty.fasta"), ">A\n>B\nMKK\n");
  EXPECT_EQ(test::error_of([&] { models::read_protein_table(dir.file("empty.fasta")); }),
            dir.file("empty.fasta") + ":1: empty protein sequence");
  test::write_text(dir.file("headless.fasta"), "MKK\n>B\nMKK\n");
  EXPECT_EQ(test::error_of([&] { models::read_protein_table(dir.file("headless.fasta")); }),
            dir.file("headless.fasta") + ":1: sequence before the first '>' header");
  EXPECT_EQ(test::error_of([&] { models::read_protein_table(dir.file("missing.fasta")); }),
            dir.file("missing.fasta") + ": cannot open");
}

TEST(ProteinSequences, LowerCaseIsReadAsUpperCaseAndGapsAreRefused) {
  EXPECT_EQ(models::checked_sequence("mkXb", "here"), "MKXB");
  EXPECT_EQ(test::error_of([] { models::checked_sequence("MK-L", "pairs.csv:7"); }),
            "pairs.csv:7: '-' at position 3 of the sequence is not an amino-acid letter");
  EXPECT_EQ(test::error_of([] { models::checked_sequence("", "pairs.csv:8"); }), "pairs.csv:8: empty protein sequence");
}

TEST(ProteinSequences, IdentityCountsAlignedMatchesOverTheShorterSequence) {
  EXPECT_DOUBLE_EQ(models::sequence_identity("MKTAYIAKQR", "MKTAYIAKQR"), 1.0);
  EXPECT_DOUBLE_EQ(models::sequence_identity("MKTAYIAKQR", "MKTAWIAKQR"), 0.9);   // one substitution
  EXPECT_DOUBLE_EQ(models::sequence_identity("MKTAYIAKQR", "MKTAIAKQR"), 1.0);    // one deletion
  EXPECT_DOUBLE_EQ(models::sequence_identity("MKTAYIAKQR", "GGMKTAYIAKQRGG"), 1.0);  // a domain inside a longer chain
  EXPECT_EQ(models::sequence_identity("ACDEFGHIKL", "MNPQRSTVWY"), 0.0);
  EXPECT_EQ(models::sequence_identity("MKTAYIAKQR", "GGMKTAYIAK"), models::sequence_identity("GGMKTAYIAK", "MKTAYIAKQR"));
}

TEST(PairFile, NamesResolveThroughTheTableAndEachLigandIsFeaturizedOnce) {
  test::ScratchDir dir;
  test::write_text(dir.file("kinases.fasta"), ">ABL1\nMLEICLK\n>EGFR\nMRPSGTAG\n");
  test::write_text(dir.file("pairs.csv"),
                   "smiles,target,pKd\nCCO,EGFR,5\nc1ccccc1N,ABL1,7.25\nCCO,ABL1,6.5\nnot a smiles,EGFR,5\n");
  const models::ProteinTable table = models::read_protein_table(dir.file("kinases.fasta"));
  const models::PairSet pairs =
      models::read_pair_file(dir.file("pairs.csv"), {"smiles", "target", "pKd"}, &table);
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs.ligands.size(), 3u);
  EXPECT_EQ(pairs.ligand, (std::vector<std::uint32_t>{0, 1, 0, 2}));
  EXPECT_EQ(pairs.protein, (std::vector<std::uint32_t>{1, 0, 0, 1}));
  EXPECT_EQ(pairs.affinity, (std::vector<double>{5, 7.25, 6.5, 5}));
  EXPECT_TRUE(pairs.ligands.valid(0));
  EXPECT_FALSE(pairs.ligands.valid(2));
  EXPECT_EQ(pairs.ligands.smiles[1], "Nc1ccccc1");
}

TEST(PairFile, WithoutATableProteinCellsAreSequences) {
  test::ScratchDir dir;
  test::write_text(dir.file("pairs.csv"), "smiles,protein,affinity\nCCO,mlk,5\nCCN,MKL,6\nCCC,MLK,7\n");
  const models::PairSet pairs = models::read_pair_file(dir.file("pairs.csv"), {}, nullptr);
  ASSERT_EQ(pairs.proteins.size(), 2u);
  EXPECT_EQ(pairs.proteins.sequence(0), "MLK");
  EXPECT_EQ(pairs.protein, (std::vector<std::uint32_t>{0, 1, 0}));
}

TEST(PairFile, ErrorsNameTheFileLineAndColumn) {
  test::ScratchDir dir;
  const models::ProteinTable table = [&] {
    test::write_text(dir.file("t.csv"), "name,sequence\nABL1,MLEICLK\n");
    return models::read_protein_table(dir.file("t.csv"));
  }();
  const std::string file = dir.file("pairs.csv");
  auto error_with = [&](const std::string& text, const models::ProteinTable* t) {
    test::write_text(file, text);
    return test::error_of([&] { models::read_pair_file(file, {}, t); });
  };
  EXPECT_EQ(error_with("smiles,protein,affinity\nCCO,KIT,5\n", &table),
            file + ":2: protein 'KIT' is not in the protein table");
  EXPECT_EQ(error_with("smiles,protein,affinity\nCCO,ABL1,5\nCCN,,6\n", &table),
            file + ":3: column 'protein' is empty");
  EXPECT_EQ(error_with("smiles,protein,affinity\nCCO,MLK*,5\n", nullptr),
            file + ":2: '*' at position 4 of the sequence is not an amino-acid letter");
  EXPECT_EQ(error_with("smiles,protein,affinity\nCCO,ABL1,strong\n", &table),
            file + ":2: column 'affinity': 'strong' is not a number");
  EXPECT_EQ(error_with("smiles,protein,affinity\nCCO,ABL1,\n", &table), file + ":2: column 'affinity' is empty");
  EXPECT_EQ(error_with("smiles,target,affinity\nCCO,ABL1,5\n", &table), file + ": no column 'protein'");
}

}  // namespace
}  // namespace molsieve
