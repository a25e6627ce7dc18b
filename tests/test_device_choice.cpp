// --device: one parser for kernels and models, one rule for the CUDA device index (one GPU per rank).
#include <gtest/gtest.h>

#include "backend_suite.h"
#include "core/error.h"
#include "kernels/backend.h"
#include "kernels/cuda_status.h"

namespace molsieve::kernels {
namespace {

using Kind = DeviceChoice::Kind;

TEST(DeviceChoice, ParsesNamesAndIndexedCudaDevices) {
  EXPECT_EQ(parse_device("auto"), (DeviceChoice{Kind::Auto, -1}));
  EXPECT_EQ(parse_device("cpu"), (DeviceChoice{Kind::Cpu, -1}));
  EXPECT_EQ(parse_device("cuda"), (DeviceChoice{Kind::Cuda, -1}));
  EXPECT_EQ(parse_device("cuda:0"), (DeviceChoice{Kind::Cuda, 0}));
  EXPECT_EQ(parse_device("cuda:13"), (DeviceChoice{Kind::Cuda, 13}));
}

TEST(DeviceChoice, BadValuesAreNamedWithTheAcceptedForms) {
  for (const char* bad : {"gpu", "CUDA", "cuda:", "cuda:-1", "cuda:1a", "cuda:12345", "cpu:0", ""}) {
    SCOPED_TRACE(bad);
    try {
      parse_device(bad);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                "--device: unknown device '" + std::string(bad) + "' (expected auto, cpu, cuda or cuda:N)");
    }
  }
}

TEST(DeviceChoice, ToStringReadsBackAsTheSameChoice) {
  for (const char* text : {"auto", "cpu", "cuda", "cuda:0", "cuda:13"}) {
    SCOPED_TRACE(text);
    const DeviceChoice choice = parse_device(text);
    EXPECT_EQ(to_string(choice), text);
    EXPECT_EQ(parse_device(to_string(choice)), choice);
  }
}

TEST(DeviceChoice, ANamedIndexIsKeptAndAnUnnamedOneWrapsTheDefaultAroundTheCount) {
  const int saved = default_cuda_device();
  set_default_cuda_device(5);  // the sixth rank of a node
  EXPECT_EQ(resolve_cuda_index(DeviceChoice{Kind::Cuda, 3}, 4), 3);
  EXPECT_EQ(resolve_cuda_index(DeviceChoice{Kind::Cuda, -1}, 4), 1);
  EXPECT_EQ(resolve_cuda_index(DeviceChoice{Kind::Auto, -1}, 2), 1);
  EXPECT_EQ(resolve_cuda_index(DeviceChoice{Kind::Auto, -1}, 6), 5);
  set_default_cuda_device(saved);
}

TEST(DeviceChoice, ResolvingAnIndexBeyondTheCountOrWithoutDevicesNamesBoth) {
  try {
    resolve_cuda_index(DeviceChoice{Kind::Cuda, 4}, 4);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--device cuda:4: there are 4 CUDA device(s), numbered from 0");
  }
  try {
    resolve_cuda_index(DeviceChoice{Kind::Cuda, -1}, 0);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--device cuda: there is no CUDA device");
  }
}

TEST(DeviceChoice, CpuNeverTouchesCudaAndAutoSaysWhyItFellBack) {
  const BackendSelection cpu = select_backend(parse_device("cpu"));
  EXPECT_EQ(cpu.backend, Backend::Cpu);
  EXPECT_EQ(cpu.cuda_device, -1);
  const CudaStatus& cuda = cuda_status();
  const BackendSelection automatic = select_backend(parse_device("auto"));
  if (cuda.available) {
    EXPECT_EQ(automatic.backend, Backend::Cuda);
    EXPECT_EQ(automatic.cuda_device, default_cuda_device() % cuda.device_count);
  } else {
    EXPECT_EQ(automatic.backend, Backend::Cpu);
    EXPECT_EQ(automatic.reason, "CUDA unavailable: " + cuda.reason);
    EXPECT_THROW(select_backend(parse_device("cuda:0")), Error);
  }
}

using DeviceChoiceOnCuda = test::CudaTest;

TEST_F(DeviceChoiceOnCuda, AnIndexBeyondTheDevicesIsRefusedNamingTheCount) {
  const CudaStatus& cuda = cuda_status();
  try {
    select_backend(DeviceChoice{Kind::Cuda, cuda.device_count});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(cuda.device_count) + " CUDA device(s)"), std::string::npos);
  }
}

}  // namespace
}  // namespace molsieve::kernels
