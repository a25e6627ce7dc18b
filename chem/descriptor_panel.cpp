#include "chem/descriptor_panel.h"

#include <GraphMol/Descriptors/MQN.h>
#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <limits>
#include <memory>

namespace molsieve::chem {
namespace {

constexpr std::size_t kMqnCount = 42;

const RDKit::Descriptors::Properties& properties() {
  static const RDKit::Descriptors::Properties all;
  return all;
}

}  // namespace

const std::vector<std::string>& descriptor_panel_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out = properties().getPropertyNames();
    for (std::size_t i = 1; i <= kMqnCount; ++i) out.push_back("MQN" + std::to_string(i));
    return out;
  }();
  return names;
}

std::vector<double> descriptor_panel(const std::string& smiles) {
  std::vector<double> out;
  std::unique_ptr<RDKit::ROMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(smiles));
  } catch (...) {
    mol.reset();
  }
  if (!mol) return std::vector<double>(descriptor_panel_names().size(), std::numeric_limits<double>::quiet_NaN());
  out = properties().computeProperties(*mol);
  for (unsigned count : RDKit::Descriptors::calcMQNs(*mol)) out.push_back(count);
  return out;
}

}  // namespace molsieve::chem
