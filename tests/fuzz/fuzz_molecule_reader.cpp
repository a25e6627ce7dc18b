// libFuzzer target: the SMILES, CSV/TSV and SDF readers (the first byte picks the format,
// the rest is the file). Bad input must end in bad records or molsieve::Error, never a crash.
#include <cstdint>
#include <vector>

#include "chem/molecule_reader.h"
#include "core/error.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const extensions[] = {".smi", ".csv", ".tsv", ".sdf"};
  const molsieve::fuzz::InputFile file(data + 1, size - 1, extensions[data[0] % 4]);
  try {
    molsieve::chem::ReaderOptions options;
    options.id_column = data[0] & 4 ? "name" : "";
    molsieve::chem::MoleculeReader reader({file.path()}, options);
    std::vector<molsieve::chem::InputRecord> records;
    while (reader.next_batch(records, 7)) records.clear();
  } catch (const molsieve::Error&) {
  }
  return 0;
}
