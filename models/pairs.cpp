#include "models/pairs.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"

namespace molsieve::models {
namespace {

const std::string* cell(const chem::InputRecord& record, const std::string& column, const std::string& path) {
  const auto found = std::find_if(record.properties.begin(), record.properties.end(),
                                  [&](const auto& p) { return p.first == column; });
  if (found == record.properties.end()) throw Error(path + ": no column '" + column + "'");
  return &found->second;
}

}  // namespace

PairSet read_pair_file(const std::string& path, const PairColumns& columns, const ProteinTable* table) {
  const chem::FileFormat format = chem::format_of(path);
  if (format != chem::FileFormat::Csv && format != chem::FileFormat::Tsv)
    throw Error(path + ": a pair file must be a .csv or .tsv file with a header");
  chem::ReaderOptions options;
  options.smiles_column = columns.smiles;
  chem::MoleculeReader reader({path}, options);
  std::vector<chem::InputRecord> records;
  while (reader.next_batch(records, 4096)) {
  }
  if (records.empty()) throw Error(path + ": no data rows");

  PairSet pairs;
  if (table) pairs.proteins = *table;
  std::unordered_map<std::string, std::uint32_t> ligand_of_smiles;
  std::vector<chem::InputRecord> ligands;
  for (chem::InputRecord& record : records) {
    const std::string& protein = *cell(record, columns.protein, path);
    const double affinity = parse_label(*cell(record, columns.affinity, path), record.location, columns.affinity);
    if (std::isnan(affinity)) throw Error(record.location + ": column '" + columns.affinity + "' is empty");
    if (protein.empty()) throw Error(record.location + ": column '" + columns.protein + "' is empty");
    std::size_t protein_index;
    if (table) {
      protein_index = pairs.proteins.find(protein);
      if (protein_index == pairs.proteins.size())
        throw Error(record.location + ": protein '" + protein + "' is not in the protein table");
    } else {
      const std::string sequence = checked_sequence(protein, record.location);
      protein_index = pairs.proteins.add(sequence, sequence, record.location);
    }
    const auto [found, added] = ligand_of_smiles.emplace(record.text, static_cast<std::uint32_t>(ligands.size()));
    if (added) {
      record.row = ligands.size();
      ligands.push_back(std::move(record));
    }
    pairs.ligand.push_back(found->second);
    pairs.protein.push_back(static_cast<std::uint32_t>(protein_index));
    pairs.affinity.push_back(affinity);
  }
  pairs.ligands = MoleculeFeaturizer().featurize(std::move(ligands));
  return pairs;
}

}  // namespace molsieve::models
