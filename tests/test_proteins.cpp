// Protein tables and sequence checks for the drug-target models.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.h"
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

}  // namespace
}  // namespace molsieve
