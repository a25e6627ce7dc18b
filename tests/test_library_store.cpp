#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "chem/featurize_library.h"
#include "chem/library_store.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "test_support.h"

namespace molsieve::chem {
namespace {

FeaturizeReport featurize(const std::vector<std::string>& inputs, const std::string& output,
                          unsigned threads = 2, std::size_t batch = 4) {
  FeaturizeRequest request;
  request.inputs = inputs;
  request.output = output;
  request.threads = threads;
  request.batch_size = batch;
  return featurize_library(request);
}

const char* kMixedSmiles =
    "CCO ethanol\n"
    "C1=CC=CC=C1 benzene\n"
    "not_a_smiles bad\n"
    "\n"
    "OCC ethanol_again\n"
    "CC(=O)[O-].[Na+] sodium_acetate\n"
    "C1CC1(C)N(C)C(=O)c1ccccc1 amide\n";

TEST(LibraryStore, RoundTripKeepsInputOrderStatusAndDuplicates) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), kMixedSmiles);
  auto report = featurize({dir.file("in.smi")}, dir.file("lib.h5"));
  EXPECT_EQ(report.counts.records, 7u);
  EXPECT_EQ(report.counts.valid, 5u);
  EXPECT_EQ(report.counts.invalid, 2u);
  EXPECT_EQ(report.counts.duplicates, 1u);

  LibraryReader library(dir.file("lib.h5"));
  const hdf5::File& f = library.file();
  EXPECT_EQ(library.size(), 7u);
  EXPECT_EQ(f.read_strings("/molecules/id"),
            (std::vector<std::string>{"ethanol", "benzene", "bad", "in_4", "ethanol_again",
                                      "sodium_acetate", "amide"}));
  auto smiles = f.read_strings("/molecules/smiles");
  EXPECT_EQ(smiles[0], "CCO");
  EXPECT_EQ(smiles[1], "c1ccccc1");
  EXPECT_EQ(smiles[2], "");
  EXPECT_EQ(smiles[5], "CC(=O)O");  // largest fragment, neutralized
  EXPECT_EQ(f.read_strings("/molecules/input_smiles")[5], "CC(=O)[O-].[Na+]");
  EXPECT_EQ(f.read<std::int8_t>("/molecules/status"),
            (std::vector<std::int8_t>{0, 0, 3, 1, 0, 0, 0}));
  auto errors = f.read_strings("/molecules/error");
  EXPECT_EQ(errors[0], "");
  EXPECT_NE(errors[2].find("in.smi:3: cannot parse SMILES 'not_a_smiles'"), std::string::npos);
  EXPECT_NE(errors[3].find("in.smi:4: empty line"), std::string::npos);
  EXPECT_EQ(f.read<std::int64_t>("/molecules/duplicate_of"),
            (std::vector<std::int64_t>{-1, -1, -1, -1, 0, -1, -1}));

  auto mw = library.descriptor("mw");
  EXPECT_NEAR(mw[0], 46.069, 1e-3);
  EXPECT_TRUE(std::isnan(mw[2]));
  EXPECT_NEAR(library.descriptor("heavy_atoms")[6], 14, 0);
  EXPECT_EQ(f.read<std::int8_t>("/rules/veber")[2], -1);

  std::vector<std::uint64_t> shape;
  auto fps = f.read<std::uint64_t>("/fingerprints/morgan", &shape);
  EXPECT_EQ(shape, (std::vector<std::uint64_t>{7, 32}));
  EXPECT_EQ(f.int_attribute("/fingerprints/morgan", "nbits"), 2048);
  for (int w = 0; w < 32; ++w) EXPECT_EQ(fps[2 * 32 + w], 0u);  // invalid row is empty
  EXPECT_EQ(std::vector<std::uint64_t>(fps.begin(), fps.begin() + 32),
            std::vector<std::uint64_t>(fps.begin() + 4 * 32, fps.begin() + 5 * 32));

  // Graphs: CSR offsets, atoms and bonds of ethanol (3 heavy atoms, 2 bonds) first.
  auto atom_offsets = f.read<std::int64_t>("/graphs/atom_offsets");
  auto bond_offsets = f.read<std::int64_t>("/graphs/bond_offsets");
  EXPECT_EQ(atom_offsets, (std::vector<std::int64_t>{0, 3, 9, 9, 9, 12, 16, 30}));
  EXPECT_EQ(bond_offsets, (std::vector<std::int64_t>{0, 2, 8, 8, 8, 10, 13, 28}));
  auto atoms = f.read<std::int8_t>("/graphs/atom_features", &shape);
  EXPECT_EQ(shape, (std::vector<std::uint64_t>{30, 7}));
  EXPECT_EQ(atoms[0 * 7 + 0], 6);  // C
  EXPECT_EQ(atoms[2 * 7 + 0], 8);  // O
  EXPECT_EQ(atoms[0 * 7 + 4], 3);  // CH3 has three hydrogens
  EXPECT_EQ(atoms[3 * 7 + 6], 1);  // benzene carbons are aromatic
  auto bond_atoms = f.read<std::int32_t>("/graphs/bond_atoms");
  EXPECT_EQ(bond_atoms[0], 0);
  EXPECT_EQ(bond_atoms[1], 1);
  auto bonds = f.read<std::int8_t>("/graphs/bond_features");
  EXPECT_EQ(bonds[2 * 4 + 0], 12);  // first benzene bond is aromatic

  EXPECT_EQ(f.int_attribute("/", "complete"), 1);
  EXPECT_EQ(f.int_attribute("/", "schema_version"), kLibrarySchemaVersion);
  auto summary = library.summary();
  ASSERT_EQ(summary.inputs.size(), 1u);
  EXPECT_EQ(summary.inputs[0].sha256.size(), 64u);
  EXPECT_EQ(summary.atoms, 30u);
}

TEST(LibraryStore, BrokenSdfRecordIsRecordedAndTheRunContinues) {
  test::ScratchDir dir;
  const std::string water =
      "water\n  test\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
      "    0.0000    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n"
      "> <pKa>\n15.7\n\n$$$$\n";
  const std::string bad_counts =
      "garbled\n  test\n\n  x  y  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n";
  test::write_gzip(dir.file("in.sdf.gz"), water + bad_counts + water);
  auto report = featurize({dir.file("in.sdf.gz")}, dir.file("lib.h5"));
  EXPECT_EQ(report.counts.records, 3u);
  EXPECT_EQ(report.counts.valid, 2u);
  LibraryReader library(dir.file("lib.h5"));
  EXPECT_EQ(library.status(), (std::vector<std::int8_t>{0, 3, 0}));
  auto errors = library.file().read_strings("/molecules/error");
  EXPECT_NE(errors[1].find("in.sdf.gz:11: "), std::string::npos) << errors[1];
  EXPECT_EQ(library.file().read_strings("/molecules/smiles"),
            (std::vector<std::string>{"O", "", "O"}));
  EXPECT_EQ(library.file().read_strings("/properties/pKa"),
            (std::vector<std::string>{"15.7", "", "15.7"}));
  EXPECT_EQ(library.file().read<std::int64_t>("/molecules/duplicate_of"),
            (std::vector<std::int64_t>{-1, -1, 0}));
}

TEST(LibraryStore, ExtraColumnsAppearingLateAreBackfilled) {
  test::ScratchDir dir;
  test::write_text(dir.file("a.smi"), "C\nCC\n");
  test::write_text(dir.file("b.csv"), "smiles,pIC50\nCCC,7.5\n");
  featurize({dir.file("a.smi"), dir.file("b.csv")}, dir.file("lib.h5"), 1, 1);
  LibraryReader library(dir.file("lib.h5"));
  EXPECT_EQ(library.file().read_strings("/properties/pIC50"),
            (std::vector<std::string>{"", "", "7.5"}));
  EXPECT_EQ(library.summary().property_columns, (std::vector<std::string>{"pIC50"}));
}

// The input's column order, not the datasets' (by name), which version 1 stores, without
// the `columns` attribute, still read by.
TEST(LibraryStore, PropertiesKeepTheInputsColumnOrderAndVersionOneStoresStillRead) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.csv"), "smiles,vendor_id,pIC50_measured,batch\nCCO,V-1,6.5,b7\nCCN,V-2,,b8\n");
  featurize({dir.file("in.csv")}, dir.file("lib.h5"));
  const std::vector<std::string> in_order{"vendor_id", "pIC50_measured", "batch"};
  {
    LibraryReader library(dir.file("lib.h5"));
    EXPECT_EQ(library.summary().property_columns, in_order);
    EXPECT_EQ(library.properties(1, 1), (std::vector<std::vector<std::string>>{{"V-2"}, {""}, {"b8"}}));
  }
  {
    hdf5::File f(dir.file("lib.h5"), hdf5::File::Mode::ReadWrite);
    f.set_attribute("/", "schema_version", std::int64_t{1});
    const hid_t group = H5Gopen2(f.id(), "/properties", H5P_DEFAULT);
    ASSERT_GE(H5Adelete(group, "columns"), 0);
    H5Gclose(group);
  }
  LibraryReader old(dir.file("lib.h5"));
  EXPECT_EQ(old.summary().property_columns, (std::vector<std::string>{"batch", "pIC50_measured", "vendor_id"}));
  EXPECT_EQ(old.properties(0, 1), (std::vector<std::vector<std::string>>{{"b7"}, {"6.5"}, {"V-1"}}));
}

TEST(LibraryStore, OutputIsIdenticalForOneAndSeveralThreads) {
  test::ScratchDir dir;
  std::string text;
  std::ifstream nci(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::string line;
  for (int i = 0; i < 600 && std::getline(nci, line); ++i) text += line + "\n";
  test::write_text(dir.file("in.smi"), text);
  featurize({dir.file("in.smi")}, dir.file("one.h5"), 1, 7);
  featurize({dir.file("in.smi")}, dir.file("four.h5"), 4, 7);
  LibraryReader one(dir.file("one.h5")), four(dir.file("four.h5"));
  EXPECT_EQ(one.file().read_strings("/molecules/id"), four.file().read_strings("/molecules/id"));
  EXPECT_EQ(one.file().read_strings("/molecules/smiles"),
            four.file().read_strings("/molecules/smiles"));
  EXPECT_EQ(one.fingerprints(0, 600), four.fingerprints(0, 600));
  EXPECT_EQ(one.file().read<std::int16_t>("/alerts/indices"),
            four.file().read<std::int16_t>("/alerts/indices"));
  EXPECT_EQ(one.file().read<std::int32_t>("/graphs/bond_atoms"),
            four.file().read<std::int32_t>("/graphs/bond_atoms"));
  EXPECT_EQ(one.file().read<std::int64_t>("/molecules/duplicate_of"),
            four.file().read<std::int64_t>("/molecules/duplicate_of"));
}

TEST(LibraryStore, ExistingOutputIsRefusedUnlessOverwrite) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), "CCO\n");
  test::write_text(dir.file("lib.h5"), "keep me");
  try {
    featurize({dir.file("in.smi")}, dir.file("lib.h5"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lib.h5: already exists (use --overwrite"),
              std::string::npos);
  }
  FeaturizeRequest request;
  request.inputs = {dir.file("in.smi")};
  request.output = dir.file("lib.h5");
  request.overwrite = true;
  featurize_library(request);
  EXPECT_EQ(LibraryReader(dir.file("lib.h5")).size(), 1u);
}

TEST(LibraryStore, FailedRunLeavesNoStoreBehind) {
  test::ScratchDir dir;
  test::write_text(dir.file("good.smi"), "CCO\nCCN\n");
  test::write_text(dir.file("bad.csv"), "structure\nCCO\n");  // no 'smiles' column
  EXPECT_THROW(featurize({dir.file("good.smi"), dir.file("bad.csv")}, dir.file("lib.h5")), Error);
  auto names = test::list_dir(dir.path());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"bad.csv", "good.smi"}));
}

TEST(LibraryStore, CancelledRunStopsAndLeavesNoStoreBehind) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), "CCO\nCCN\n");
  CancellationToken cancel;
  cancel.cancel();
  FeaturizeRequest request;
  request.inputs = {dir.file("in.smi")};
  request.output = dir.file("lib.h5");
  request.cancel = &cancel;
  try {
    featurize_library(request);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("interrupted"), std::string::npos);
  }
  EXPECT_EQ(test::list_dir(dir.path()), (std::vector<std::string>{"in.smi"}));
}

TEST(LibraryStore, ReaderRefusesIncompleteAndForeignFiles) {
  test::ScratchDir dir;
  {
    hdf5::File f(dir.file("partial.h5"), hdf5::File::Mode::Create);
    f.set_attribute("/", "schema", std::string("molsieve library store"));
    f.set_attribute("/", "schema_version", std::int64_t{kLibrarySchemaVersion});
    f.set_attribute("/", "complete", std::int64_t{0});
  }
  EXPECT_THROW(LibraryReader(dir.file("partial.h5")), Error);
  {
    hdf5::File f(dir.file("old.h5"), hdf5::File::Mode::Create);
    f.set_attribute("/", "schema", std::string("molsieve library store"));
    f.set_attribute("/", "schema_version", std::int64_t{0});
  }
  try {
    LibraryReader reader(dir.file("old.h5"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 0"), std::string::npos);
  }
  test::write_text(dir.file("text.h5"), "not hdf5");
  EXPECT_THROW(LibraryReader(dir.file("text.h5")), Error);
  // A model store where a library belongs: the message says what the file is.
  {
    hdf5::File f(dir.file("model.h5"), hdf5::File::Mode::Create);
    f.set_attribute("/", "schema", std::string("molsieve drug-target model store"));
    f.set_attribute("/", "schema_version", std::int64_t{2});
  }
  EXPECT_EQ(test::error_of([&] { LibraryReader reader(dir.file("model.h5")); }),
            dir.file("model.h5") + ": not a molsieve library store (it is a molsieve drug-target model store)");
}

TEST(LibraryStore, BadFingerprintSizeIsRefusedBeforeWriting) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), "CCO\n");
  FeaturizeRequest request;
  request.inputs = {dir.file("in.smi")};
  request.output = dir.file("lib.h5");
  request.featurizer.fp_bits = 1000;
  EXPECT_THROW(featurize_library(request), Error);
  EXPECT_EQ(test::list_dir(dir.path()).size(), 1u);
}


// Damage inside a stored file is found when it is read, and named; a store never reads back
// wrong values silently.
class DamagedStore : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_text(dir_.file("in.smi"), "CCO ethanol\nC(Br)C(I)C bromoiodopropane\nc1ccccc1 benzene\n");
    featurize({dir_.file("in.smi")}, store());
  }
  std::string store() const { return dir_.file("lib.h5"); }
  std::string bytes() const {
    return test::read_text(store());
  }
  void write_byte(std::uint64_t offset, char value) const {
    std::fstream out(store(), std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(static_cast<std::streamoff>(offset));
    out.put(value);
  }
  test::ScratchDir dir_;
};

TEST_F(DamagedStore, FlippedByteInANumericChunkFailsNamingTheDataset) {
  haddr_t address = 0;
  hsize_t size = 0;
  {
    const hdf5::File f(store(), hdf5::File::Mode::ReadOnly);
    const hdf5::Handle dataset(H5Dopen2(f.id(), "/descriptors/mw", H5P_DEFAULT));
    ASSERT_TRUE(dataset.valid());
    const hdf5::Handle space(H5Dget_space(dataset.get()));
    unsigned filter_mask = 0;
    hsize_t offset[1];
    ASSERT_GE(H5Dget_chunk_info(dataset.get(), space.get(), 0, offset, &filter_mask, &address, &size), 0);
    ASSERT_GT(size, 0u);
  }
  const char old_value = bytes()[address + size / 2];
  write_byte(address + size / 2, static_cast<char>(old_value ^ 0x10));
  const hdf5::File f(store(), hdf5::File::Mode::ReadOnly);
  try {
    f.read<double>("/descriptors/mw");
    FAIL() << "a damaged chunk was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/descriptors/mw: the data is damaged"), std::string::npos) << e.what();
  }
}

TEST_F(DamagedStore, ChangedStringInTheHeapFailsNamingDatasetAndRow) {
  // Closed before the damage: HDF5 would serve an open file's heap from its cache.
  const std::string smiles = hdf5::File(store(), hdf5::File::Mode::ReadOnly).read_strings("/molecules/smiles")[1];
  ASSERT_NE(smiles.find('I'), std::string::npos) << smiles;
  const std::string file = bytes();
  const auto at = file.find(smiles);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(file.find(smiles, at + 1), std::string::npos) << "the SMILES is stored more than once";
  write_byte(at + smiles.find('I'), 'F');  // same length: the heap still parses
  const hdf5::File f(store(), hdf5::File::Mode::ReadOnly);
  for (const bool whole : {true, false}) {
    SCOPED_TRACE(whole ? "whole dataset" : "rows");
    try {
      if (whole)
        f.read_strings("/molecules/smiles");
      else
        f.read_string_rows("/molecules/smiles", 1, 2);
      FAIL() << "a changed string was read";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("/molecules/smiles row 1: checksum mismatch"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(f.read_strings("/molecules/id")[1], "bromoiodopropane");  // undamaged datasets read on
}

}  // namespace
}  // namespace molsieve::chem

namespace molsieve::chem {
namespace {

TEST(LibraryStore, RowRangeReadersAndAMiddleSliceHoldTheSameRowsAsTheWholeStore) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), kMixedSmiles);
  featurize({dir.file("in.smi")}, dir.file("lib.h5"));
  const LibraryReader library(dir.file("lib.h5"));
  const hdf5::File& f = library.file();
  const auto all_ids = f.read_strings("/molecules/id");
  const auto all_smiles = f.read_strings("/molecules/smiles");
  const auto all_mw = f.read<double>("/descriptors/mw");
  EXPECT_EQ(library.ids(2, 3), std::vector<std::string>(all_ids.begin() + 2, all_ids.begin() + 5));
  EXPECT_EQ(library.smiles(4, 3), std::vector<std::string>(all_smiles.begin() + 4, all_smiles.end()));
  EXPECT_EQ(library.status(1, 3), (std::vector<std::int8_t>{0, 3, 1}));
  const auto mw = library.descriptor("mw", 5, 2);
  EXPECT_EQ(mw, std::vector<double>(all_mw.begin() + 5, all_mw.end()));
  const std::vector<MolGraph> graphs = library.graphs(5, 2);
  ASSERT_EQ(graphs.size(), 2u);
  EXPECT_EQ(graphs[0].atoms(), 4u);  // acetic acid, the sodium acetate's largest fragment neutralized
  EXPECT_EQ(graphs[0].bonds(), 3u);

  write_library_rows(library, 3, 3, dir.file("slice.h5"), [](hdf5::File&) {});
  const LibraryReader slice(dir.file("slice.h5"));
  EXPECT_EQ(slice.size(), 3u);
  EXPECT_EQ(slice.ids(0, 3), library.ids(3, 3));
  EXPECT_EQ(slice.fingerprints(0, 3), library.fingerprints(3, 3));
  const std::vector<MolGraph> sliced = slice.graphs(2, 1), whole = library.graphs(5, 1);
  EXPECT_EQ(sliced[0].atom_features, whole[0].atom_features);
  EXPECT_EQ(sliced[0].bond_atoms, whole[0].bond_atoms);
  EXPECT_EQ(slice.summary().counts.records, 3u);
  EXPECT_EQ(slice.summary().counts.invalid, 1u);  // the empty line, row 3 of the whole
}

}  // namespace
}  // namespace molsieve::chem
