#include "kernels/similarity_metric.h"

#include <cstdlib>
#include <sstream>

#include "core/error.h"

namespace molsieve::kernels {
namespace {

double parse_weight(const std::string& text, const std::string& whole) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value >= 0.0) || !std::isfinite(value))
    throw Error("--metric: bad Tversky weight '" + text + "' in '" + whole +
                "' (expected tversky:ALPHA,BETA with weights >= 0)");
  return value;
}

}  // namespace

Metric parse_metric(const std::string& text) {
  Metric metric;
  if (text == "tanimoto") return metric;
  if (text == "dice") {
    metric.kind = MetricKind::Dice;
    return metric;
  }
  if (text == "cosine") {
    metric.kind = MetricKind::Cosine;
    return metric;
  }
  const std::string prefix = "tversky:";
  if (text.compare(0, prefix.size(), prefix) == 0) {
    const std::string weights = text.substr(prefix.size());
    const auto comma = weights.find(',');
    if (comma == std::string::npos)
      throw Error("--metric: '" + text + "' needs two weights: tversky:ALPHA,BETA");
    metric.kind = MetricKind::Tversky;
    metric.alpha = parse_weight(weights.substr(0, comma), text);
    metric.beta = parse_weight(weights.substr(comma + 1), text);
    return metric;
  }
  throw Error("--metric: unknown metric '" + text +
              "' (expected tanimoto, dice, cosine or tversky:ALPHA,BETA)");
}

std::string metric_name(const Metric& metric) {
  switch (metric.kind) {
    case MetricKind::Tanimoto: return "tanimoto";
    case MetricKind::Dice: return "dice";
    case MetricKind::Cosine: return "cosine";
    case MetricKind::Tversky: {
      std::ostringstream out;
      out << "tversky:" << metric.alpha << "," << metric.beta;
      return out.str();
    }
  }
  return "?";
}

}  // namespace molsieve::kernels
