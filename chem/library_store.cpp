#include "chem/library_store.h"

#include <ctime>
#include <map>
#include <unordered_map>

#include "chem/alerts.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "core/hdf5_file.h"
#include "core/store_file.h"

namespace molsieve::chem {
namespace {

using hdf5::AppendableDataset;
using hdf5::Type;

constexpr const char* kLibrarySchema = "molsieve library store";
constexpr std::uint64_t kMoleculeChunk = 8192;
constexpr std::uint64_t kFingerprintChunk = 1024;
constexpr std::uint64_t kAtomChunk = 65536;

// 128-bit fingerprint of a canonical SMILES: two independent 64-bit hashes.
struct SmilesKey {
  std::uint64_t a, b;
  bool operator==(const SmilesKey& o) const { return a == o.a && b == o.b; }
};
struct SmilesKeyHash {
  std::size_t operator()(const SmilesKey& k) const { return static_cast<std::size_t>(k.a); }
};
SmilesKey key_of(const std::string& smiles) {
  std::uint64_t fnv = 1469598103934665603ULL;
  for (unsigned char c : smiles) fnv = (fnv ^ c) * 1099511628211ULL;
  return {fnv, std::hash<std::string>{}(smiles)};
}

const std::string kProperties = "/properties";

}  // namespace

struct StructureIndex::Map {
  std::unordered_map<SmilesKey, std::int64_t, SmilesKeyHash> first_row;
};

StructureIndex::StructureIndex() : map_(std::make_unique<Map>()) {}
StructureIndex::~StructureIndex() = default;

std::int64_t StructureIndex::first_row(const std::string& smiles, std::int64_t row) {
  const auto [it, inserted] = map_->first_row.emplace(key_of(smiles), row);
  return inserted ? -1 : it->second;
}

struct LibraryWriter::Datasets {
  AppendableDataset id, input_smiles, smiles, status, error, duplicate_of;
  std::vector<AppendableDataset> descriptors;
  AppendableDataset lipinski, veber;
  AppendableDataset alert_offsets, alert_indices;
  std::vector<AppendableDataset> family_counts;
  AppendableDataset fingerprints;
  AppendableDataset atom_offsets, bond_offsets, atom_features, atom_mass, bond_features,
      bond_atoms;
  std::map<std::string, AppendableDataset> properties;  // by column name
  std::vector<std::string> property_order;              // as first seen
  StructureIndex structures;
  std::int64_t alerts_written = 0, atoms_written = 0, bonds_written = 0;
};

LibraryWriter::LibraryWriter(const std::string& path, const FeaturizerOptions& options,
                             const AlertCatalog& alerts, const std::vector<InputFile>& inputs)
    : store_(std::make_unique<hdf5::StoreWriter>(path, kLibrarySchema, kLibrarySchemaVersion)),
      datasets_(std::make_unique<Datasets>()),
      alerts_(alerts) {
  hdf5::File& f = store_->file();
  Datasets& d = *datasets_;
  f.set_attribute("/", "tool_version", std::string(MOLSIEVE_VERSION));
  f.set_attribute("/", "created", utc_timestamp());
  f.set_attribute("/", "standardize", std::int64_t{options.standardize});
  f.set_attribute("/", "fp_radius", std::int64_t{options.fp_radius});
  f.set_attribute("/", "fp_bits", std::int64_t{options.fp_bits});
  std::vector<std::string> names, hashes;
  for (const auto& input : inputs) {
    names.push_back(input.name);
    hashes.push_back(input.sha256);
  }
  f.set_attribute("/", "inputs", names);
  f.set_attribute("/", "inputs_sha256", hashes);

  d.id = AppendableDataset(f, "/molecules/id", Type::String, 0, kMoleculeChunk);
  d.input_smiles = AppendableDataset(f, "/molecules/input_smiles", Type::String, 0, kMoleculeChunk);
  d.smiles = AppendableDataset(f, "/molecules/smiles", Type::String, 0, kMoleculeChunk);
  d.status = AppendableDataset(f, "/molecules/status", Type::Int8, 0, kMoleculeChunk);
  d.error = AppendableDataset(f, "/molecules/error", Type::String, 0, kMoleculeChunk);
  d.duplicate_of = AppendableDataset(f, "/molecules/duplicate_of", Type::Int64, 0, kMoleculeChunk);
  for (const char* name : descriptor_names())
    d.descriptors.emplace_back(f, std::string("/descriptors/") + name, Type::Float64, 0,
                               kMoleculeChunk);
  d.lipinski = AppendableDataset(f, "/rules/lipinski_violations", Type::Int8, 0, kMoleculeChunk);
  d.veber = AppendableDataset(f, "/rules/veber", Type::Int8, 0, kMoleculeChunk);

  f.create_group("/alerts");
  std::vector<std::string> alert_names, alert_families;
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    alert_names.push_back(alerts.name(i));
    alert_families.push_back(alerts.family(i));
  }
  AppendableDataset(f, "/alerts/names", Type::String, 0, 1024).append_strings(alert_names);
  AppendableDataset(f, "/alerts/families", Type::String, 0, 1024).append_strings(alert_families);
  f.set_attribute("/alerts", "source", std::string("RDKit FilterCatalog"));
  d.alert_offsets = AppendableDataset(f, "/alerts/offsets", Type::Int64, 0, kMoleculeChunk);
  d.alert_offsets.append(std::vector<std::int64_t>{0});
  d.alert_indices = AppendableDataset(f, "/alerts/indices", Type::Int16, 0, kMoleculeChunk);
  for (const auto& family : AlertCatalog::families())
    d.family_counts.emplace_back(f, "/alerts/counts/" + family, Type::Int16, 0, kMoleculeChunk);

  const unsigned words = options.fp_bits / 64;
  d.fingerprints =
      AppendableDataset(f, "/fingerprints/morgan", Type::UInt64, words, kFingerprintChunk);
  f.set_attribute("/fingerprints/morgan", "radius", std::int64_t{options.fp_radius});
  f.set_attribute("/fingerprints/morgan", "nbits", std::int64_t{options.fp_bits});
  f.set_attribute("/fingerprints/morgan", "generator",
                  std::string("RDKit MorganGenerator (no chirality, bond types, no counts)"));

  d.atom_offsets = AppendableDataset(f, "/graphs/atom_offsets", Type::Int64, 0, kMoleculeChunk);
  d.atom_offsets.append(std::vector<std::int64_t>{0});
  d.bond_offsets = AppendableDataset(f, "/graphs/bond_offsets", Type::Int64, 0, kMoleculeChunk);
  d.bond_offsets.append(std::vector<std::int64_t>{0});
  d.atom_features =
      AppendableDataset(f, "/graphs/atom_features", Type::Int8, kAtomColumns, kAtomChunk);
  d.atom_mass = AppendableDataset(f, "/graphs/atom_mass", Type::Float32, 0, kAtomChunk);
  d.bond_features =
      AppendableDataset(f, "/graphs/bond_features", Type::Int8, kBondColumns, kAtomChunk);
  d.bond_atoms = AppendableDataset(f, "/graphs/bond_atoms", Type::Int32, 2, kAtomChunk);
  f.set_attribute("/graphs", "featurizer_version", std::int64_t{kGraphFeaturizerVersion});
  std::vector<std::string> atom_columns(atom_column_names().begin(), atom_column_names().end());
  std::vector<std::string> bond_columns(bond_column_names().begin(), bond_column_names().end());
  f.set_attribute("/graphs/atom_features", "columns", atom_columns);
  f.set_attribute("/graphs/bond_features", "columns", bond_columns);
  f.create_group(kProperties);
  counts_.alert_family_hits.assign(AlertCatalog::families().size(), 0);
}

LibraryWriter::~LibraryWriter() = default;

// Buffered so that each dataset grows once per batch.
struct LibraryWriter::Batch {
  Batch(std::size_t n, std::size_t families, const Datasets& d)
      : rows(n),
        family_counts(families, std::vector<std::int16_t>(n, 0)),
        descriptors(kDescriptorCount, std::vector<double>(n)) {
    for (const auto& [name, dataset] : d.properties) properties[name].assign(n, "");
  }

  std::size_t rows;
  std::vector<std::string> ids, inputs, smiles, errors;
  std::vector<std::int8_t> status, lipinski, veber;
  std::vector<std::int64_t> duplicate_of, alert_offsets, atom_offsets, bond_offsets;
  std::vector<std::int16_t> alert_indices;
  std::vector<std::vector<std::int16_t>> family_counts;  // per family, per row
  std::vector<std::vector<double>> descriptors;          // per descriptor, per row
  std::vector<std::uint64_t> fingerprints;
  std::vector<std::int8_t> atom_features, bond_features;
  std::vector<float> atom_mass;
  std::vector<std::int32_t> bond_atoms;
  std::map<std::string, std::vector<std::string>> properties;  // by column name
};

void LibraryWriter::append(const std::vector<FeaturizedMolecule>& batch) {
  Batch columns(batch.size(), AlertCatalog::families().size(), *datasets_);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const FeaturizedMolecule& m = batch[i];
    const std::int64_t row = static_cast<std::int64_t>(counts_.records);
    ++counts_.records;
    add_identity(m, row, columns);
    for (int k = 0; k < kDescriptorCount; ++k) columns.descriptors[k][i] = m.descriptors.values[k];
    columns.lipinski.push_back(m.ok() ? m.descriptors.lipinski_violations : std::int8_t{-1});
    columns.veber.push_back(m.ok() ? static_cast<std::int8_t>(m.descriptors.veber) : std::int8_t{-1});
    add_alerts(m, i, columns);
    add_graph(m, columns);
    add_properties(m, i, row, columns);
  }
  write(columns);
}

// Identity and status; a valid molecule seen before refers to the row it first appeared in.
void LibraryWriter::add_identity(const FeaturizedMolecule& m, std::int64_t row, Batch& batch) {
  batch.ids.push_back(m.id);
  batch.inputs.push_back(m.input_smiles);
  batch.smiles.push_back(m.smiles);
  batch.errors.push_back(m.error);
  batch.status.push_back(static_cast<std::int8_t>(m.status));
  std::int64_t first = -1;
  if (m.ok()) {
    ++counts_.valid;
    first = datasets_->structures.first_row(m.smiles, row);
    if (first >= 0) ++counts_.duplicates;
  } else {
    ++counts_.invalid;
  }
  batch.duplicate_of.push_back(first);
}

// The row's alerts and its per-family counts, and which families it hits for the summary.
void LibraryWriter::add_alerts(const FeaturizedMolecule& m, std::size_t i, Batch& batch) {
  Datasets& d = *datasets_;
  std::vector<bool> family_hit(batch.family_counts.size(), false);
  for (std::uint16_t alert : m.alerts) {
    batch.alert_indices.push_back(static_cast<std::int16_t>(alert));
    const std::size_t f = alerts_.family_index(alert);
    ++batch.family_counts[f][i];
    family_hit[f] = true;
  }
  for (std::size_t f = 0; f < family_hit.size(); ++f) counts_.alert_family_hits[f] += family_hit[f];
  if (!m.alerts.empty()) ++counts_.with_alerts;
  d.alerts_written += static_cast<std::int64_t>(m.alerts.size());
  batch.alert_offsets.push_back(d.alerts_written);
}

// The fingerprint and the molecular graph, with the running atom and bond offsets.
void LibraryWriter::add_graph(const FeaturizedMolecule& m, Batch& batch) {
  Datasets& d = *datasets_;
  batch.fingerprints.insert(batch.fingerprints.end(), m.fingerprint.begin(), m.fingerprint.end());
  batch.atom_features.insert(batch.atom_features.end(), m.graph.atom_features.begin(), m.graph.atom_features.end());
  batch.atom_mass.insert(batch.atom_mass.end(), m.graph.atom_mass.begin(), m.graph.atom_mass.end());
  batch.bond_features.insert(batch.bond_features.end(), m.graph.bond_features.begin(), m.graph.bond_features.end());
  batch.bond_atoms.insert(batch.bond_atoms.end(), m.graph.bond_atoms.begin(), m.graph.bond_atoms.end());
  d.atoms_written += static_cast<std::int64_t>(m.graph.atoms());
  d.bonds_written += static_cast<std::int64_t>(m.graph.bonds());
  batch.atom_offsets.push_back(d.atoms_written);
  batch.bond_offsets.push_back(d.bonds_written);
}

// Input properties by column; a column can first appear in any row of any batch.
void LibraryWriter::add_properties(const FeaturizedMolecule& m, std::size_t i, std::int64_t row, Batch& batch) {
  Datasets& d = *datasets_;
  for (const auto& [column, value] : m.properties) {
    auto found = batch.properties.find(column);
    if (found == batch.properties.end()) {
      // A column first seen now: earlier rows had no value for it.
      auto path = kProperties + "/" + hdf5::link_name(column);
      auto [it, inserted] = d.properties.emplace(
          column, AppendableDataset(store_->file(), path, Type::String, 0, kMoleculeChunk));
      if (inserted) {
        store_->file().set_attribute(path, "column", column);
        d.property_order.push_back(column);
        it->second.append_strings(std::vector<std::string>(static_cast<std::size_t>(row) - i, ""));
      }
      found = batch.properties.emplace(column, std::vector<std::string>(batch.rows, "")).first;
    }
    found->second[i] = value;
  }
}

void LibraryWriter::write(const Batch& batch) {
  Datasets& d = *datasets_;
  d.id.append_strings(batch.ids);
  d.input_smiles.append_strings(batch.inputs);
  d.smiles.append_strings(batch.smiles);
  d.status.append(batch.status);
  d.error.append_strings(batch.errors);
  d.duplicate_of.append(batch.duplicate_of);
  for (int k = 0; k < kDescriptorCount; ++k) d.descriptors[k].append(batch.descriptors[k]);
  d.lipinski.append(batch.lipinski);
  d.veber.append(batch.veber);
  d.alert_offsets.append(batch.alert_offsets);
  d.alert_indices.append(batch.alert_indices);
  for (std::size_t f = 0; f < batch.family_counts.size(); ++f) d.family_counts[f].append(batch.family_counts[f]);
  d.fingerprints.append(batch.fingerprints);
  d.atom_offsets.append(batch.atom_offsets);
  d.bond_offsets.append(batch.bond_offsets);
  d.atom_features.append(batch.atom_features);
  d.atom_mass.append(batch.atom_mass);
  d.bond_features.append(batch.bond_features);
  d.bond_atoms.append(batch.bond_atoms);
  for (const auto& [column, values] : batch.properties) d.properties.at(column).append_strings(values);
}

void LibraryWriter::finish(double seconds) {
  hdf5::File& f = store_->file();
  f.set_attribute("/", "records", static_cast<std::int64_t>(counts_.records));
  f.set_attribute("/", "valid", static_cast<std::int64_t>(counts_.valid));
  f.set_attribute("/", "invalid", static_cast<std::int64_t>(counts_.invalid));
  f.set_attribute("/", "duplicates", static_cast<std::int64_t>(counts_.duplicates));
  f.set_attribute("/", "with_alerts", static_cast<std::int64_t>(counts_.with_alerts));
  f.set_attribute("/", "featurize_seconds", seconds);
  for (std::size_t k = 0; k < AlertCatalog::families().size(); ++k)
    f.set_attribute("/alerts/counts/" + AlertCatalog::families()[k], "molecules_hit",
                    static_cast<std::int64_t>(counts_.alert_family_hits[k]));
  f.set_attribute(kProperties, "columns", datasets_->property_order);
  datasets_.reset();
  store_->commit();
}

LibraryReader::LibraryReader(const std::string& path)
    : file_(std::make_unique<hdf5::File>(path, hdf5::File::Mode::ReadOnly)) {
  const hdf5::StoreHeader header = hdf5::read_store_header(*file_);
  // A model store given where a library belongs is a common slip: say what it is.
  if (header.schema != kLibrarySchema)
    throw Error(path + ": not a molsieve library store" +
                (header.schema.empty() ? "" : " (it is a " + header.schema + ")"));
  if (header.schema_version < kOldestLibrarySchemaVersion || header.schema_version > kLibrarySchemaVersion)
    throw Error(path + ": library store schema version " + std::to_string(header.schema_version) +
                ", this molsieve reads versions " + std::to_string(kOldestLibrarySchemaVersion) + " to " +
                std::to_string(kLibrarySchemaVersion) + "; featurize the library again");
  if (!header.complete) throw Error(path + ": library store is incomplete (featurization was interrupted)");
}

LibraryReader::~LibraryReader() = default;

std::uint64_t LibraryReader::size() const {
  return static_cast<std::uint64_t>(file_->int_attribute("/", "records"));
}

unsigned LibraryReader::fingerprint_words() const {
  auto shape = file_->shape("/fingerprints/morgan");
  return shape.size() == 2 ? static_cast<unsigned>(shape[1]) : 0;
}

std::vector<std::uint64_t> LibraryReader::fingerprints(std::uint64_t first,
                                                       std::uint64_t count) const {
  return file_->read_rows<std::uint64_t>("/fingerprints/morgan", first, count);
}

std::vector<double> LibraryReader::descriptor(const std::string& name) const {
  return file_->read<double>("/descriptors/" + name);
}

std::vector<std::int8_t> LibraryReader::status() const {
  return file_->read<std::int8_t>("/molecules/status");
}

std::vector<std::string> LibraryReader::property_columns() const {
  // Version 1 stores have no column order: their datasets' order (by name) stands in.
  if (file_->has_attribute(kProperties, "columns")) return file_->string_list_attribute(kProperties, "columns");
  std::vector<std::string> columns;
  for (const auto& name : file_->list(kProperties))
    columns.push_back(file_->string_attribute(kProperties + "/" + name, "column"));
  return columns;
}

std::vector<std::vector<std::string>> LibraryReader::properties(std::uint64_t first, std::uint64_t count) const {
  std::vector<std::vector<std::string>> values;
  for (const auto& column : property_columns())
    values.push_back(file_->read_string_rows(kProperties + "/" + hdf5::link_name(column), first, count));
  return values;
}

LibrarySummary LibraryReader::summary() const {
  const hdf5::File& f = *file_;
  LibrarySummary s;
  s.path = f.name();
  s.schema_version = static_cast<int>(f.int_attribute("/", "schema_version"));
  s.tool_version = f.string_attribute("/", "tool_version");
  s.created = f.string_attribute("/", "created");
  s.complete = f.int_attribute("/", "complete") == 1;
  s.standardized = f.int_attribute("/", "standardize") != 0;
  s.fp_radius = static_cast<unsigned>(f.int_attribute("/", "fp_radius"));
  s.fp_bits = static_cast<unsigned>(f.int_attribute("/", "fp_bits"));
  s.graph_featurizer_version = static_cast<int>(f.int_attribute("/graphs", "featurizer_version"));
  auto names = f.string_list_attribute("/", "inputs");
  auto hashes = f.string_list_attribute("/", "inputs_sha256");
  for (std::size_t i = 0; i < names.size(); ++i)
    s.inputs.push_back({names[i], i < hashes.size() ? hashes[i] : ""});
  s.counts.records = static_cast<std::uint64_t>(f.int_attribute("/", "records"));
  s.counts.valid = static_cast<std::uint64_t>(f.int_attribute("/", "valid"));
  s.counts.invalid = static_cast<std::uint64_t>(f.int_attribute("/", "invalid"));
  s.counts.duplicates = static_cast<std::uint64_t>(f.int_attribute("/", "duplicates"));
  s.counts.with_alerts = static_cast<std::uint64_t>(f.int_attribute("/", "with_alerts"));
  for (const auto& family : AlertCatalog::families())
    s.counts.alert_family_hits.push_back(static_cast<std::uint64_t>(
        f.int_attribute("/alerts/counts/" + family, "molecules_hit")));
  s.seconds = f.double_attribute("/", "featurize_seconds");
  auto atoms = f.shape("/graphs/atom_mass");
  auto bonds = f.shape("/graphs/bond_atoms");
  s.atoms = atoms.empty() ? 0 : atoms[0];
  s.bonds = bonds.empty() ? 0 : bonds[0];
  s.property_columns = property_columns();
  return s;
}

}  // namespace molsieve::chem
