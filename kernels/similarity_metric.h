#pragma once
// Similarity of two fingerprints from three counts: a = bits set in the query, b = bits set
// in the library fingerprint, c = bits set in both. The formulas and their empty-vector
// values are RDKit's (DataStructs), operation for operation, so scores are bit-identical
// to RDKit's and to every backend (kernels are compiled without FMA contraction).
// Free of CUDA headers; CUDA sources see the functions as host-and-device functions.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#ifdef __CUDACC__
#define MOLSIEVE_HOST_DEVICE __host__ __device__
#else
#define MOLSIEVE_HOST_DEVICE
#endif

namespace molsieve::kernels {

enum class MetricKind { Tanimoto, Dice, Cosine, Tversky };

struct Metric {
  MetricKind kind = MetricKind::Tanimoto;
  double alpha = 1.0;  // Tversky weights of the query's and the library molecule's own bits
  double beta = 1.0;
  // True when similarity(a, b, c) == similarity(b, a, c): required by clustering.
  bool symmetric() const { return kind != MetricKind::Tversky || alpha == beta; }
};

// "tanimoto", "dice", "cosine" or "tversky:ALPHA,BETA" (weights >= 0); throws
// molsieve::Error naming the bad text.
Metric parse_metric(const std::string& text);
std::string metric_name(const Metric& metric);

MOLSIEVE_HOST_DEVICE inline double similarity(const Metric& metric, std::uint32_t a,
                                              std::uint32_t b, std::uint32_t c) {
  const double x = c, y = a, z = b;
  switch (metric.kind) {
    case MetricKind::Tanimoto: {
      const double denominator = y + z - x;
      return denominator == 0.0 ? 1.0 : x / denominator;
    }
    case MetricKind::Dice: {
      const double denominator = y + z;
      return denominator == 0.0 ? 0.0 : 2.0 * x / denominator;
    }
    case MetricKind::Cosine: {
      const double product = y * z;
      return product == 0.0 ? 0.0 : x / sqrt(product);
    }
    case MetricKind::Tversky: {
      const double denominator =
          metric.alpha * y + metric.beta * z + (1.0 - metric.alpha - metric.beta) * x;
      return denominator == 0.0 ? 1.0 : x / denominator;
    }
  }
  return 0.0;
}

// The Swamidass-Baldi bound: the highest similarity a query with `a` bits can reach with
// any fingerprint of `b` bits (every metric grows with c, and c <= min(a, b)). Over b it
// peaks at b == a and falls off on both sides.
MOLSIEVE_HOST_DEVICE inline double similarity_bound(const Metric& metric, std::uint32_t a,
                                                    std::uint32_t b) {
  return similarity(metric, a, b, a < b ? a : b);
}

#ifndef __CUDACC__
// The similarity of two packed fingerprints of `words` words each, on the host: for the
// few pairs a selection compares, where building a SearchLibrary would cost more.
inline double pair_similarity(const Metric& metric, const std::uint64_t* query, const std::uint64_t* other,
                              std::size_t words) {
  std::uint32_t a = 0, b = 0, c = 0;
  for (std::size_t w = 0; w < words; ++w) {
    a += static_cast<std::uint32_t>(__builtin_popcountll(query[w]));
    b += static_cast<std::uint32_t>(__builtin_popcountll(other[w]));
    c += static_cast<std::uint32_t>(__builtin_popcountll(query[w] & other[w]));
  }
  return similarity(metric, a, b, c);
}
#endif

// Bounds are compared with this slack so that rounding can never skip a molecule that
// qualifies; the slack only costs a few comparisons that are then decided exactly.
constexpr double kBoundSlack = 1e-9;

}  // namespace molsieve::kernels
