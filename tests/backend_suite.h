#pragma once
// Kernel behaviour tests that run on every backend: a fixture derived from BackendTest (or
// BackendTest itself under another name), TEST_P bodies that use backend(), and one of the
// instantiations below. On a machine with no usable CUDA the Cuda cases skip, saying why.
#include <gtest/gtest.h>

#include <string>

#include "kernels/backend.h"
#include "kernels/cuda_status.h"

namespace molsieve::test {

// Skips the current test when no CUDA device can run kernels; gtest prints the reason.
// Called from SetUp, the skip also spares the test body.
inline void skip_without_cuda() {
  const kernels::CudaStatus& cuda = kernels::cuda_status();
  if (!cuda.available) GTEST_SKIP() << "CUDA unavailable: " << cuda.reason;
}

class BackendTest : public ::testing::TestWithParam<kernels::Backend> {
 protected:
  void SetUp() override {
    if (backend() == kernels::Backend::Cuda) skip_without_cuda();
  }
  kernels::Backend backend() const { return GetParam(); }
};

// For tests that need a CUDA device whatever the backend (device selection).
class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override { skip_without_cuda(); }
};

// Test names end in /Reference, /Cpu or /Cuda.
inline std::string backend_test_name(const ::testing::TestParamInfo<kernels::Backend>& info) {
  switch (info.param) {
    case kernels::Backend::Reference: return "Reference";
    case kernels::Backend::Cpu: return "Cpu";
    case kernels::Backend::Cuda: return "Cuda";
  }
  return "Unknown";
}

}  // namespace molsieve::test

// Every backend, each checked against values the test knows independently of the kernels.
#define MOLSIEVE_INSTANTIATE_BACKEND_SUITE(suite)                                                          \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                                \
                           ::testing::Values(::molsieve::kernels::Backend::Reference,                      \
                                             ::molsieve::kernels::Backend::Cpu,                            \
                                             ::molsieve::kernels::Backend::Cuda),                          \
                           ::molsieve::test::backend_test_name)

// The backends that prune by popcount bounds (CPU, CUDA): for suites that take the reference
// backend as the oracle (against itself it would prove nothing), and for sizes that its
// bit-by-bit loops over every pair would take minutes over.
#define MOLSIEVE_INSTANTIATE_PRUNING_BACKEND_SUITE(suite)                                             \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                                \
                           ::testing::Values(::molsieve::kernels::Backend::Cpu,                            \
                                             ::molsieve::kernels::Backend::Cuda),                          \
                           ::molsieve::test::backend_test_name)
