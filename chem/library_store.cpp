#include "chem/library_store.h"

#include <hdf5.h>

#include <algorithm>
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

// The store's layout (docs/library-store.md); no other file spells these paths.
const std::string kIds = "/molecules/id";
const std::string kInputSmiles = "/molecules/input_smiles";
const std::string kSmiles = "/molecules/smiles";
const std::string kStatus = "/molecules/status";
const std::string kErrors = "/molecules/error";
const std::string kDuplicateOf = "/molecules/duplicate_of";
const std::string kLipinski = "/rules/lipinski_violations";
const std::string kVeber = "/rules/veber";
const std::string kAlerts = "/alerts";
const std::string kAlertNames = "/alerts/names";
const std::string kAlertFamilies = "/alerts/families";
const std::string kAlertOffsets = "/alerts/offsets";
const std::string kAlertIndices = "/alerts/indices";
const std::string kAlertCounts = "/alerts/counts";
const std::string kFingerprints = "/fingerprints/morgan";
const std::string kGraphs = "/graphs";
const std::string kAtomOffsets = "/graphs/atom_offsets";
const std::string kBondOffsets = "/graphs/bond_offsets";
const std::string kAtomFeatures = "/graphs/atom_features";
const std::string kAtomMass = "/graphs/atom_mass";
const std::string kBondFeatures = "/graphs/bond_features";
const std::string kBondAtoms = "/graphs/bond_atoms";
const std::string kProperties = "/properties";

std::string descriptor_path(const std::string& name) { return "/descriptors/" + name; }
std::string alert_counts_path(const std::string& family) { return kAlertCounts + "/" + family; }

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

  d.id = AppendableDataset(f, kIds, Type::String, 0, kMoleculeChunk);
  d.input_smiles = AppendableDataset(f, kInputSmiles, Type::String, 0, kMoleculeChunk);
  d.smiles = AppendableDataset(f, kSmiles, Type::String, 0, kMoleculeChunk);
  d.status = AppendableDataset(f, kStatus, Type::Int8, 0, kMoleculeChunk);
  d.error = AppendableDataset(f, kErrors, Type::String, 0, kMoleculeChunk);
  d.duplicate_of = AppendableDataset(f, kDuplicateOf, Type::Int64, 0, kMoleculeChunk);
  for (const char* name : descriptor_names())
    d.descriptors.emplace_back(f, descriptor_path(name), Type::Float64, 0, kMoleculeChunk);
  d.lipinski = AppendableDataset(f, kLipinski, Type::Int8, 0, kMoleculeChunk);
  d.veber = AppendableDataset(f, kVeber, Type::Int8, 0, kMoleculeChunk);

  f.create_group(kAlerts);
  std::vector<std::string> alert_names, alert_families;
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    alert_names.push_back(alerts.name(i));
    alert_families.push_back(alerts.family(i));
  }
  AppendableDataset(f, kAlertNames, Type::String, 0, 1024).append_strings(alert_names);
  AppendableDataset(f, kAlertFamilies, Type::String, 0, 1024).append_strings(alert_families);
  f.set_attribute(kAlerts, "source", std::string("RDKit FilterCatalog"));
  d.alert_offsets = AppendableDataset(f, kAlertOffsets, Type::Int64, 0, kMoleculeChunk);
  d.alert_offsets.append(std::vector<std::int64_t>{0});
  d.alert_indices = AppendableDataset(f, kAlertIndices, Type::Int16, 0, kMoleculeChunk);
  for (const auto& family : AlertCatalog::families())
    d.family_counts.emplace_back(f, alert_counts_path(family), Type::Int16, 0, kMoleculeChunk);

  const unsigned words = options.fp_bits / 64;
  d.fingerprints = AppendableDataset(f, kFingerprints, Type::UInt64, words, kFingerprintChunk);
  f.set_attribute(kFingerprints, "radius", std::int64_t{options.fp_radius});
  f.set_attribute(kFingerprints, "nbits", std::int64_t{options.fp_bits});
  f.set_attribute(kFingerprints, "generator",
                  std::string("RDKit MorganGenerator (no chirality, bond types, no counts)"));

  d.atom_offsets = AppendableDataset(f, kAtomOffsets, Type::Int64, 0, kMoleculeChunk);
  d.atom_offsets.append(std::vector<std::int64_t>{0});
  d.bond_offsets = AppendableDataset(f, kBondOffsets, Type::Int64, 0, kMoleculeChunk);
  d.bond_offsets.append(std::vector<std::int64_t>{0});
  d.atom_features = AppendableDataset(f, kAtomFeatures, Type::Int8, kAtomColumns, kAtomChunk);
  d.atom_mass = AppendableDataset(f, kAtomMass, Type::Float32, 0, kAtomChunk);
  d.bond_features = AppendableDataset(f, kBondFeatures, Type::Int8, kBondColumns, kAtomChunk);
  d.bond_atoms = AppendableDataset(f, kBondAtoms, Type::Int32, 2, kAtomChunk);
  f.set_attribute(kGraphs, "featurizer_version", std::int64_t{kGraphFeaturizerVersion});
  std::vector<std::string> atom_columns(atom_column_names().begin(), atom_column_names().end());
  std::vector<std::string> bond_columns(bond_column_names().begin(), bond_column_names().end());
  f.set_attribute(kAtomFeatures, "columns", atom_columns);
  f.set_attribute(kBondFeatures, "columns", bond_columns);
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
    f.set_attribute(alert_counts_path(AlertCatalog::families()[k]), "molecules_hit",
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
  auto shape = file_->shape(kFingerprints);
  return shape.size() == 2 ? static_cast<unsigned>(shape[1]) : 0;
}

std::vector<std::uint64_t> LibraryReader::fingerprints(std::uint64_t first,
                                                       std::uint64_t count) const {
  return file_->read_rows<std::uint64_t>(kFingerprints, first, count);
}

void LibraryReader::require_fingerprints() const {
  if (!file_->exists(kFingerprints)) throw Error(file_->name() + ": the library store has no " + kFingerprints);
}

std::vector<double> LibraryReader::descriptor(const std::string& name) const {
  return file_->read<double>(descriptor_path(name));
}

std::vector<std::int8_t> LibraryReader::status() const {
  return file_->read<std::int8_t>(kStatus);
}

std::vector<std::string> LibraryReader::ids(std::uint64_t first, std::uint64_t count) const {
  return file_->read_string_rows(kIds, first, count);
}

std::vector<std::string> LibraryReader::input_smiles(std::uint64_t first, std::uint64_t count) const {
  return file_->read_string_rows(kInputSmiles, first, count);
}

std::vector<std::string> LibraryReader::smiles(std::uint64_t first, std::uint64_t count) const {
  return file_->read_string_rows(kSmiles, first, count);
}

std::vector<std::string> LibraryReader::errors(std::uint64_t first, std::uint64_t count) const {
  return file_->read_string_rows(kErrors, first, count);
}

std::vector<std::int8_t> LibraryReader::status(std::uint64_t first, std::uint64_t count) const {
  return file_->read_rows<std::int8_t>(kStatus, first, count);
}

std::vector<double> LibraryReader::descriptor(const std::string& name, std::uint64_t first,
                                              std::uint64_t count) const {
  return file_->read_rows<double>(descriptor_path(name), first, count);
}

std::vector<std::int8_t> LibraryReader::lipinski_violations(std::uint64_t first, std::uint64_t count) const {
  return file_->read_rows<std::int8_t>(kLipinski, first, count);
}

std::vector<std::int8_t> LibraryReader::veber(std::uint64_t first, std::uint64_t count) const {
  return file_->read_rows<std::int8_t>(kVeber, first, count);
}

std::vector<std::int16_t> LibraryReader::alert_counts(const std::string& family, std::uint64_t first,
                                                      std::uint64_t count) const {
  return file_->read_rows<std::int16_t>(alert_counts_path(family), first, count);
}

// One read per dataset for all the rows, then split at the CSR offsets.
std::vector<MolGraph> LibraryReader::graphs(std::uint64_t first, std::uint64_t count) const {
  const hdf5::File& file = *file_;
  const auto atom_offsets = file.read_rows<std::int64_t>(kAtomOffsets, first, count + 1);
  const auto bond_offsets = file.read_rows<std::int64_t>(kBondOffsets, first, count + 1);
  const std::uint64_t atom_first = atom_offsets.front(), atoms = atom_offsets.back() - atom_first;
  const std::uint64_t bond_first = bond_offsets.front(), bonds = bond_offsets.back() - bond_first;
  const auto atom_features = file.read_rows<std::int8_t>(kAtomFeatures, atom_first, atoms);
  const auto atom_mass = file.read_rows<float>(kAtomMass, atom_first, atoms);
  const auto bond_features = file.read_rows<std::int8_t>(kBondFeatures, bond_first, bonds);
  const auto bond_atoms = file.read_rows<std::int32_t>(kBondAtoms, bond_first, bonds);
  std::vector<MolGraph> graphs(count);
  for (std::size_t i = 0; i < count; ++i) {
    MolGraph& g = graphs[i];
    const std::size_t a0 = atom_offsets[i] - atom_first, a1 = atom_offsets[i + 1] - atom_first;
    const std::size_t b0 = bond_offsets[i] - bond_first, b1 = bond_offsets[i + 1] - bond_first;
    g.atom_features.assign(atom_features.begin() + a0 * kAtomColumns, atom_features.begin() + a1 * kAtomColumns);
    g.atom_mass.assign(atom_mass.begin() + a0, atom_mass.begin() + a1);
    g.bond_features.assign(bond_features.begin() + b0 * kBondColumns, bond_features.begin() + b1 * kBondColumns);
    g.bond_atoms.assign(bond_atoms.begin() + 2 * b0, bond_atoms.begin() + 2 * b1);
  }
  return graphs;
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
  s.graph_featurizer_version = static_cast<int>(f.int_attribute(kGraphs, "featurizer_version"));
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
        f.int_attribute(alert_counts_path(family), "molecules_hit")));
  s.seconds = f.double_attribute("/", "featurize_seconds");
  auto atoms = f.shape(kAtomMass);
  auto bonds = f.shape(kBondAtoms);
  s.atoms = atoms.empty() ? 0 : atoms[0];
  s.bonds = bonds.empty() ? 0 : bonds[0];
  s.property_columns = property_columns();
  return s;
}


namespace {

using hdf5::Handle;

constexpr std::uint64_t kCopyRows = 1 << 16;  // rows per read while copying a dataset

// The ragged datasets: the CSR offsets [N+1] and the datasets they index.
struct Ragged {
  std::string offsets;
  std::vector<std::string> data;
};
const std::vector<Ragged>& ragged() {
  static const std::vector<Ragged> r = {{kAlertOffsets, {kAlertIndices}},
                                        {kAtomOffsets, {kAtomFeatures, kAtomMass}},
                                        {kBondOffsets, {kBondFeatures, kBondAtoms}}};
  return r;
}
// Datasets about the store rather than its rows: copied whole.
bool describes_store(const std::string& path) {
  for (const std::string& whole : {kAlertNames, kAlertFamilies})
    if (path == whole || path == hdf5::checksum_path(whole)) return true;
  return false;
}

std::vector<std::pair<std::string, H5O_type_t>> objects(hid_t file) {
  std::vector<std::pair<std::string, H5O_type_t>> found;
  auto visit = [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
    if (std::string(name) != ".")
      static_cast<std::vector<std::pair<std::string, H5O_type_t>>*>(data)->emplace_back("/" + std::string(name), info->type);
    return 0;
  };
  H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, visit, &found, H5O_INFO_BASIC);
  return found;
}

void copy_attributes(hid_t from, hid_t to, const std::string& where) {
  struct Target {
    hid_t to;
    const std::string* where;
  } target{to, &where};
  auto copy = [](hid_t object, const char* name, const H5A_info_t*, void* data) -> herr_t {
    const Target& t = *static_cast<Target*>(data);
    // The store header the writer set, and `complete`, which only its commit writes.
    if (std::string(name) == "complete" || H5Aexists(t.to, name) > 0) return 0;
    Handle attr(H5Aopen(object, name, H5P_DEFAULT));
    Handle type(H5Aget_type(attr.get()));
    Handle space(H5Aget_space(attr.get()));
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    std::vector<char> buffer(static_cast<std::size_t>(std::max<hssize_t>(n, 1)) * H5Tget_size(type.get()));
    if (H5Aread(attr.get(), type.get(), buffer.data()) < 0) return -1;
    Handle copy(H5Acreate2(t.to, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    const herr_t written = copy.valid() ? H5Awrite(copy.get(), type.get(), buffer.data()) : -1;
    if (H5Tdetect_class(type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(type.get()) > 0)
      H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buffer.data());
    return written < 0 ? -1 : 0;
  };
  if (H5Aiterate2(from, H5_INDEX_NAME, H5_ITER_INC, nullptr, copy, &target) < 0)
    throw Error(where + ": cannot copy the attributes");
}

// Copies rows [first, first + count) of the dataset `path` (any type, 1-D or 2-D) into `to`,
// with its filters, chunking and attributes; `adjust` may change each block before it is written.
template <typename Adjust>
void copy_rows(hid_t from, hid_t to, const std::string& path, std::uint64_t first, std::uint64_t count,
               const std::string& where, Adjust adjust) {
  Handle source(H5Dopen2(from, path.c_str(), H5P_DEFAULT));
  if (!source.valid()) throw Error(where + ": cannot open " + path);
  Handle type(H5Dget_type(source.get()));
  Handle space(H5Dget_space(source.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  hsize_t dims[2] = {0, 1};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  if (first + count > dims[0]) throw Error(where + ": " + path + " holds fewer rows than the store");
  const hsize_t width = rank == 2 ? dims[1] : 1;
  hsize_t out_dims[2] = {count, width};
  hsize_t max_dims[2] = {H5S_UNLIMITED, width};
  Handle create(H5Dget_create_plist(source.get()));
  Handle out_space(H5Screate_simple(rank, out_dims, max_dims));
  Handle links(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(links.get(), 1);
  Handle target(H5Dcreate2(to, path.c_str(), type.get(), out_space.get(), links.get(), create.get(), H5P_DEFAULT));
  if (!target.valid()) throw Error(where + ": cannot create " + path);
  const std::size_t row_bytes = H5Tget_size(type.get()) * width;
  const bool strings = H5Tis_variable_str(type.get()) > 0;
  std::vector<char> buffer;
  for (std::uint64_t done = 0; done < count;) {
    const hsize_t n = std::min<std::uint64_t>(kCopyRows, count - done);
    buffer.resize(n * row_bytes);
    hsize_t from_start[2] = {first + done, 0}, to_start[2] = {done, 0}, block[2] = {n, width};
    Handle memory(H5Screate_simple(rank, block, nullptr));
    H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, from_start, nullptr, block, nullptr);
    if (H5Dread(source.get(), type.get(), memory.get(), space.get(), H5P_DEFAULT, buffer.data()) < 0)
      throw Error(where + ": cannot read " + path + " (a damaged store?)");
    adjust(buffer.data(), n, first + done);
    H5Sselect_hyperslab(out_space.get(), H5S_SELECT_SET, to_start, nullptr, block, nullptr);
    const herr_t written = H5Dwrite(target.get(), type.get(), memory.get(), out_space.get(), H5P_DEFAULT, buffer.data());
    if (strings) H5Dvlen_reclaim(type.get(), memory.get(), H5P_DEFAULT, buffer.data());
    if (written < 0) throw Error(where + ": cannot write " + path + " (is the disk full?)");
    done += n;
  }
  copy_attributes(source.get(), target.get(), where);
}

void copy_rows(hid_t from, hid_t to, const std::string& path, std::uint64_t first, std::uint64_t count,
               const std::string& where) {
  copy_rows(from, to, path, first, count, where, [](char*, std::uint64_t, std::uint64_t) {});
}


}  // namespace

void write_library_rows(const LibraryReader& reader, std::uint64_t first, std::uint64_t n,
                        const std::string& path, const std::function<void(hdf5::File&)>& annotate) {
  const hdf5::File& source = reader.file();
  const hdf5::StoreHeader header = hdf5::read_store_header(source);
  hdf5::StoreWriter out(path, header.schema, header.schema_version);
  const hid_t from = source.id(), to = out.file().id();
  {
    Handle root_from(H5Oopen(from, "/", H5P_DEFAULT)), root_to(H5Oopen(to, "/", H5P_DEFAULT));
    copy_attributes(root_from.get(), root_to.get(), path);
  }
  std::vector<std::string> sliced;  // datasets handled below
  for (const Ragged& r : ragged()) {
    if (!source.exists(r.offsets)) continue;
    const std::vector<std::int64_t> offsets = source.read_rows<std::int64_t>(r.offsets, first, n + 1);
    copy_rows(from, to, r.offsets, first, n + 1, path, [&](char* data, std::uint64_t count, std::uint64_t) {
      auto* values = reinterpret_cast<std::int64_t*>(data);
      for (std::uint64_t i = 0; i < count; ++i) values[i] -= offsets.front();
    });
    for (const std::string& data : r.data)
      copy_rows(from, to, data, static_cast<std::uint64_t>(offsets.front()),
                static_cast<std::uint64_t>(offsets.back() - offsets.front()), path);
    sliced.push_back(r.offsets);
    sliced.insert(sliced.end(), r.data.begin(), r.data.end());
  }
  // A copy whose first occurrence is before the slice is a first occurrence here.
  std::uint64_t duplicates = 0;
  copy_rows(from, to, kDuplicateOf, first, n, path, [&](char* data, std::uint64_t count, std::uint64_t) {
    auto* rows = reinterpret_cast<std::int64_t*>(data);
    for (std::uint64_t i = 0; i < count; ++i) {
      rows[i] = rows[i] >= static_cast<std::int64_t>(first) ? rows[i] - static_cast<std::int64_t>(first) : -1;
      duplicates += rows[i] >= 0;
    }
  });
  sliced.push_back(kDuplicateOf);
  for (const auto& [name, type] : objects(from)) {
    if (type == H5O_TYPE_GROUP) {
      if (!out.file().exists(name)) out.file().create_group(name);
      Handle g_from(H5Oopen(from, name.c_str(), H5P_DEFAULT)), g_to(H5Oopen(to, name.c_str(), H5P_DEFAULT));
      copy_attributes(g_from.get(), g_to.get(), path);
    } else if (type == H5O_TYPE_DATASET && std::find(sliced.begin(), sliced.end(), name) == sliced.end()) {
      if (describes_store(name))
        copy_rows(from, to, name, 0, source.shape(name).front(), path);
      else
        copy_rows(from, to, name, first, n, path);
    }
  }
  // The counts of the slice's own rows.
  const std::vector<std::int8_t> status = reader.status(first, n);
  const auto valid = static_cast<std::int64_t>(std::count(status.begin(), status.end(), 0));
  hdf5::File& f = out.file();
  f.set_attribute("/", "records", static_cast<std::int64_t>(n));
  f.set_attribute("/", "valid", valid);
  f.set_attribute("/", "invalid", static_cast<std::int64_t>(n) - valid);
  f.set_attribute("/", "duplicates", static_cast<std::int64_t>(duplicates));
  if (source.exists(kAlertOffsets)) {
    const auto offsets = source.read_rows<std::int64_t>(kAlertOffsets, first, n + 1);
    std::int64_t with_alerts = 0;
    for (std::uint64_t i = 0; i < n; ++i) with_alerts += offsets[i + 1] > offsets[i];
    f.set_attribute("/", "with_alerts", with_alerts);
    for (const std::string& family : f.list(kAlertCounts)) {
      const auto hits = reader.alert_counts(family, first, n);
      f.set_attribute(alert_counts_path(family), "molecules_hit",
                      static_cast<std::int64_t>(std::count_if(hits.begin(), hits.end(), [](std::int16_t h) { return h > 0; })));
    }
  }
  annotate(f);
  out.commit();
}

}  // namespace molsieve::chem
