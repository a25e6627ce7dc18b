#include "chem/featurizer.h"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include <limits>

#include "chem/alerts.h"
#include "chem/fingerprints.h"
#include "chem/qed.h"
#include "chem/standardizer.h"
#include "core/error.h"

namespace molsieve::chem {
namespace {

// RDKit logs parse and sanitization problems to stderr; the record's error carries them
// instead, so the library stays silent.
void silence_rdkit_logs() {
  static const bool silenced = [] {
    RDLog::InitLogs();
    boost::logging::disable_logs("rdApp.*");
    return true;
  }();
  (void)silenced;
}

std::unique_ptr<RDKit::RWMol> parse(const InputRecord& record, std::string& why) {
  try {
    if (record.format == RecordFormat::Smiles) {
      std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(record.text));
      if (!mol) why = "cannot parse SMILES '" + record.text + "'";
      return mol;
    }
    std::unique_ptr<RDKit::RWMol> mol(RDKit::MolBlockToMol(record.text, true, true));
    if (!mol) why = "cannot parse the mol block";
    return mol;
  } catch (const std::exception& e) {
    why = e.what();
    return nullptr;
  }
}

}  // namespace

struct Featurizer::Parts {
  Standardizer standardizer;
  MorganFingerprinter morgan;
  explicit Parts(const FeaturizerOptions& o) : morgan(o.fp_radius, o.fp_bits) {}
};

Featurizer::Featurizer(const FeaturizerOptions& options, const AlertCatalog& alerts,
                       const Qed& qed)
    : options_(options), alerts_(alerts), qed_(qed), parts_(std::make_unique<Parts>(options)) {
  silence_rdkit_logs();
}

Featurizer::~Featurizer() = default;

// What an invalid row holds: no SMILES, alerts or graph, a zero fingerprint, NaN values.
void Featurizer::clear_features(FeaturizedMolecule& out) const {
  out.smiles.clear();
  out.alerts.clear();
  out.graph = MolGraph{};
  out.fingerprint.assign(parts_->morgan.words(), 0);
  out.descriptors = DescriptorValues{};
  out.descriptors.values.fill(std::numeric_limits<double>::quiet_NaN());
}

FeaturizedMolecule Featurizer::featurize(InputRecord record) {
  FeaturizedMolecule out;
  out.row = record.row;
  out.id = std::move(record.id);
  out.status = record.status;
  out.error = std::move(record.error);
  out.properties = std::move(record.properties);
  clear_features(out);
  if (record.format == RecordFormat::Smiles) out.input_smiles = record.text;
  if (!out.ok()) return out;

  std::string why;
  std::unique_ptr<RDKit::RWMol> mol = parse(record, why);
  if (!mol) {
    out.status = RecordStatus::ParseFailed;
    out.error = record.location + ": " + why;
    return out;
  }
  try {
    if (record.format == RecordFormat::MolBlock) out.input_smiles = RDKit::MolToSmiles(*mol);
    bool as_parsed = true;
    if (options_.standardize) {
      try {
        StandardizedMolecule standardized = parts_->standardizer.standardize(*mol);
        mol = std::move(standardized.mol);
        as_parsed = standardized.as_parsed;
      } catch (const Error& e) {
        out.status = RecordStatus::StandardizeFailed;
        out.error = record.location + ": " + e.what();
        return out;
      }
    }
    if (!mol->getRingInfo()->isInitialized()) RDKit::MolOps::findSSSR(*mol);
    out.smiles = RDKit::MolToSmiles(*mol);
    parts_->morgan.compute(*mol, out.fingerprint.data());
    if (options_.descriptors || options_.alerts) {
      const ScreenBits screen = screen_of(*mol);
      if (options_.descriptors) out.descriptors = compute_descriptors(*mol, qed_, screen, as_parsed);
      if (options_.alerts) out.alerts = alerts_.match(*mol, screen);
    }
    if (options_.graph) out.graph = build_graph(*mol);
  } catch (const std::exception& e) {
    out.status = RecordStatus::FeaturizeFailed;
    out.error = record.location + ": featurization failed: " + e.what();
    clear_features(out);
  }
  return out;
}

}  // namespace molsieve::chem
