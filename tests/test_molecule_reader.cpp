#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "chem/molecule_reader.h"
#include "core/error.h"
#include "test_support.h"

namespace molsieve::chem {
namespace {

std::vector<InputRecord> read_all(const std::vector<std::string>& paths,
                                  ReaderOptions options = {}) {
  MoleculeReader reader(paths, options);
  std::vector<InputRecord> records;
  while (reader.next_batch(records, 3)) {
  }
  return records;
}

TEST(MoleculeReader, SmilesFileWithIdsBlankLinesAndHeader) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), "SMILES Name\nCCO ethanol\n\nc1ccccc1\tbenzene ring\nCC\n");
  auto records = read_all({dir.file("in.smi")});
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].text, "CCO");
  EXPECT_EQ(records[0].id, "ethanol");
  EXPECT_EQ(records[0].location, dir.file("in.smi") + ":2");
  EXPECT_EQ(records[1].status, RecordStatus::Empty);
  EXPECT_NE(records[1].error.find(":3: empty line"), std::string::npos);
  EXPECT_EQ(records[2].id, "benzene ring");
  EXPECT_EQ(records[3].id, "in_4");  // no id: file stem and record number
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].row, i);
}

TEST(MoleculeReader, NonUtf8LineIsRecordedAndReadingContinues) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), "CCO a\nC\xff\xfeN b\nCCN c\n");
  auto records = read_all({dir.file("in.smi")});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].status, RecordStatus::NotUtf8);
  EXPECT_NE(records[1].error.find(":2: line is not valid UTF-8"), std::string::npos);
  EXPECT_EQ(records[2].text, "CCN");
}

TEST(MoleculeReader, GzipCsvKeepsExtraColumnsAndQuotedFields) {
  test::ScratchDir dir;
  test::write_gzip(dir.file("in.csv.gz"),
                   "name,SMILES,note\nasp,CC(=O)Oc1ccccc1C(=O)O,\"painkiller, old\"\n"
                   "none,,\"multi\nline\"\nwater,O,\"say \"\"hi\"\"\"\n");
  ReaderOptions options;
  options.id_column = "name";
  auto records = read_all({dir.file("in.csv.gz")}, options);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].id, "asp");
  EXPECT_EQ(records[0].text, "CC(=O)Oc1ccccc1C(=O)O");  // column matched case-insensitively
  ASSERT_EQ(records[0].properties.size(), 1u);
  EXPECT_EQ(records[0].properties[0].first, "note");
  EXPECT_EQ(records[0].properties[0].second, "painkiller, old");
  EXPECT_EQ(records[1].status, RecordStatus::Empty);
  EXPECT_NE(records[1].error.find("no value in column 'SMILES'"), std::string::npos);
  EXPECT_EQ(records[1].properties[0].second, "multi\nline");
  EXPECT_EQ(records[2].location, dir.file("in.csv.gz") + ":5");
  EXPECT_EQ(records[2].properties[0].second, "say \"hi\"");
}

TEST(MoleculeReader, TsvUsesTabs) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.tsv"), "smiles\tactivity\nCCO\t1.5\n");
  auto records = read_all({dir.file("in.tsv")});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].text, "CCO");
  EXPECT_EQ(records[0].properties[0], std::make_pair(std::string("activity"), std::string("1.5")));
}

TEST(MoleculeReader, SdfRecordsKeepPropertiesAndFlagTruncatedBlocks) {
  test::ScratchDir dir;
  const std::string methane =
      "methane\n  test\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
      "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n";
  test::write_text(dir.file("in.sdf"), methane + "> <pIC50>\n7.2\n\n> <source>\nline one\nline two\n\n$$$$\n" +
                                           "broken\n  no end line\n\n$$$$\n" + methane + "$$$$\n");
  auto records = read_all({dir.file("in.sdf")});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].id, "methane");
  EXPECT_EQ(records[0].format, RecordFormat::MolBlock);
  ASSERT_EQ(records[0].properties.size(), 2u);
  EXPECT_EQ(records[0].properties[0], std::make_pair(std::string("pIC50"), std::string("7.2")));
  EXPECT_EQ(records[0].properties[1].second, "line one\nline two");
  EXPECT_EQ(records[1].status, RecordStatus::ParseFailed);
  EXPECT_NE(records[1].error.find(":15: record has no 'M  END' line"), std::string::npos);
  EXPECT_EQ(records[2].status, RecordStatus::Ok);
}

TEST(MoleculeReader, SeveralFilesContinueRowNumbers) {
  test::ScratchDir dir;
  test::write_text(dir.file("a.smi"), "C\nCC\n");
  test::write_gzip(dir.file("b.smi.gz"), "CCC\n");
  auto records = read_all({dir.file("a.smi"), dir.file("b.smi.gz")});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].row, 2u);
  EXPECT_EQ(records[2].text, "CCC");
  EXPECT_EQ(records[2].id, "b_1");
}

TEST(MoleculeReader, MissingFileIsOneClearError) {
  EXPECT_NE(test::error_of([] { MoleculeReader({"/nonexistent/in.smi"}, {}); })
                .find("/nonexistent/in.smi: cannot open for reading"),
            std::string::npos);
}

TEST(MoleculeReader, UnknownExtensionIsRefused) {
  EXPECT_NE(test::error_of([] { MoleculeReader({"molecules.xyz"}, {}); })
                .find("molecules.xyz: unknown molecule file type"),
            std::string::npos);
}

TEST(MoleculeReader, MissingNamedColumnListsTheColumns) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.csv"), "mol,y\nCCO,1\n");
  std::string message = test::error_of([&] { read_all({dir.file("in.csv")}); });
  EXPECT_NE(message.find("in.csv:1: no column 'smiles' (--smiles-column); the columns are: mol, y"),
            std::string::npos)
      << message;
}

TEST(Utf8, AcceptsMultibyteAndRejectsMalformed) {
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\x8a"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));            // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));        // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));    // surrogate
  EXPECT_FALSE(is_valid_utf8("abc\x80"));         // stray continuation byte
}

// Found by fuzz_molecule_reader: a CSV whose header lacks the SMILES column threw while the
// file was being opened and left it open.
TEST(MoleculeReader, RefusedCsvHeaderClosesTheFile) {
  test::ScratchDir dir;
  test::write_text(dir.file("bad.csv"), "smile,name\nCCO,x\n");
  const auto open_files = [] {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) n += entry.exists() ? 1 : 0;
    return n;
  };
  const std::size_t before = open_files();
  for (int i = 0; i < 20; ++i) {
    MoleculeReader reader({dir.file("bad.csv")}, ReaderOptions{});
    std::vector<InputRecord> records;
    EXPECT_THROW(reader.next_batch(records, 10), Error);
  }
  EXPECT_EQ(open_files(), before);
}

// A small gzip file fits in zlib's read-ahead buffer: progress must count the text handed
// out, not the compressed bytes zlib has read (which said 91% after 15% of the molecules).
TEST(MoleculeReader, GzipProgressFollowsTheRecordsRead) {
  test::ScratchDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "CC(C)Cc1ccc(cc1)C(C)C(=O)O mol" + std::to_string(i) + "\n";
  test::write_gzip(dir.file("in.smi.gz"), text);
  MoleculeReader reader({dir.file("in.smi.gz")}, ReaderOptions{});
  std::vector<InputRecord> records;
  ASSERT_TRUE(reader.next_batch(records, 300));
  const Progress p = reader.progress();
  ASSERT_EQ(p.bytes_total, text.size());
  const double fraction = static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total);
  EXPECT_NEAR(fraction, 300.0 / 2000.0, 0.01);
  while (reader.next_batch(records, 300)) {
  }
  EXPECT_EQ(reader.progress().bytes_done, reader.progress().bytes_total);
}

}  // namespace
}  // namespace molsieve::chem
