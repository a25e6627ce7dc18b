#include "workflows/screen/domain_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models/model_card.h"

namespace molsieve::workflows {
namespace {

std::string describe(const ModelDistance& d) {
  char text[512];
  if (d.inside == 0) {
    std::snprintf(text, sizeof text,
                  "%s: none of the %zu molecules is inside its domain (median similarity %.2f to its nearest "
                  "training molecule; the domain starts at %.2f): every %s prediction here is an extrapolation, "
                  "and its interval is as wide as the training labels' own spread",
                  d.model.c_str(), d.molecules, d.median_similarity, d.domain_threshold, d.model.c_str());
  } else {
    std::snprintf(text, sizeof text,
                  "%s: %zu of the %zu molecules %s inside its domain (similarity %.2f or more to its nearest "
                  "training molecule; median %.2f); the others are extrapolations with wider intervals",
                  d.model.c_str(), d.inside, d.molecules, d.inside == 1 ? "is" : "are", d.domain_threshold,
                  d.median_similarity);
  }
  return text;
}

}  // namespace

std::vector<ModelDistance> model_distances(const ResultsStore& store) {
  const ResultsProvenance provenance = store.provenance();
  const auto columns = store.columns();
  auto has = [&](const std::string& name) {
    return std::any_of(columns.begin(), columns.end(), [&](const auto& c) { return c.first == name; });
  };
  std::vector<ModelDistance> out;
  for (std::size_t m = 0; m < provenance.models.size() && m < provenance.model_cards.size(); ++m) {
    const std::string& name = provenance.models[m];
    const std::string similarity_column = name + "_similarity", domain_column = name + "_in_domain";
    if (!has(similarity_column) || !has(domain_column)) continue;
    const ResultTable t = store.read(0, store.rows(), {similarity_column, domain_column});
    const Column& similarity = t.at(similarity_column);
    const Column& inside = t.at(domain_column);
    ModelDistance d;
    d.model = name;
    const models::ModelCard card = models::card_from_json(provenance.model_cards[m], store.path());
    d.domain_threshold = card.domain_threshold;
    if (!card.imported_from.empty()) {  // no training set: no distance to tell
      d.sentence = name + ": imported from " + card.imported_tool +
                   " without its training set, so no molecule's distance to its training data is known (no "
                   "applicability domain)" +
                   (card.spread_calibration.empty() && card.probability_calibration.empty()
                        ? "; its predictions have no interval (molsieve calibrate fits one on held-out data), and its "
                          "term scores the prediction alone"
                        : "");
      out.push_back(std::move(d));
      continue;
    }
    std::vector<double> values;
    for (std::size_t row = 0; row < t.rows(); ++row) {
      if (std::isnan(similarity.numbers[row])) continue;
      values.push_back(similarity.numbers[row]);
      d.inside += inside.flags[row] == 1;
    }
    d.molecules = values.size();
    if (values.empty()) continue;
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    d.median_similarity = *middle;
    d.sentence = describe(d);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace molsieve::workflows
