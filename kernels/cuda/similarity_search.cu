// CUDA backend of the similarity search, in two passes over the GPU-resident library for
// each batch of queries:
//   1. every (query, molecule) pair is scored and counted into a 256-bin histogram of
//      scores per query (block-level histograms in shared memory, merged with atomics);
//      from it the host finds, per query, the lowest bin that still holds the k best, so
//      the number of candidates is known exactly before anything is allocated;
//   2. the pairs in or above that bin are written out as (position, common bits).
// The host then scores the candidates with the same similarity() as every backend, sorts
// them (score down, row up) and keeps k: the answer is identical to the reference.
// Both passes skip molecules whose Swamidass-Baldi bound cannot reach the cut-off.
// Queries sit in shared memory (32 per block, read as broadcasts); each thread keeps its
// library fingerprint in registers. A library too large for the GPU is streamed through
// two buffers on two streams, so one chunk's copy overlaps the other's kernel.
#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/cuda/cuda_check.h"
#include "kernels/popcount.h"
#include "kernels/similarity_scores.h"
#include "kernels/similarity_search.h"

namespace molsieve::kernels {
namespace {

constexpr int kBins = 256;
constexpr int kQueriesPerBlock = 32;
constexpr int kThreads = 256;
constexpr std::size_t kQueryBatch = 1024;
// Candidates copied back per pass-2 launch group (8 bytes each).
constexpr std::size_t kMaxCandidatesPerGroup = std::size_t{1} << 27;

struct Candidate {
  std::uint32_t position;  // in the popcount-sorted library
  std::uint32_t common;    // bits in common with the query
};

struct PassArgs {
  const std::uint64_t* library;
  const std::uint32_t* library_counts;
  std::size_t rows;            // in this chunk
  std::size_t first_position;  // sorted position of the chunk's first row
  const std::uint64_t* queries;
  const std::uint32_t* query_counts;
  int queries_in_batch;
  int words;
  Metric metric;
  double threshold;
  // Pass 1.
  unsigned* histogram;  // [query][kBins]
  // Pass 2.
  const int* cutoff_bin;       // per query; -1: the query takes no candidates in this group
  const double* cutoff_score;  // per query: max(threshold, cutoff_bin / kBins)
  const std::size_t* offsets;  // per query + 1: its slots in `candidates`
  unsigned* fill;              // per query: slots used
  Candidate* candidates;
};

__device__ inline int score_bin(double score) {
  // score * 256 is exact, so bin >= h exactly when score >= h / 256.
  return score >= 1.0 ? kBins - 1 : static_cast<int>(score * kBins);
}

template <int kWords>  // 0: any width, read from global memory
__global__ void similarity_pass(PassArgs args, bool emit) {
  extern __shared__ std::uint64_t shared[];
  const int words = kWords ? kWords : args.words;
  const int first_query = blockIdx.y * kQueriesPerBlock;
  const int queries = min(kQueriesPerBlock, args.queries_in_batch - first_query);
  std::uint64_t* query_fps = shared;
  unsigned* histogram = reinterpret_cast<unsigned*>(shared + kQueriesPerBlock * words);
  for (int i = threadIdx.x; i < queries * words; i += blockDim.x)
    query_fps[i] = args.queries[static_cast<std::size_t>(first_query) * words + i];
  if (!emit)
    for (int i = threadIdx.x; i < kQueriesPerBlock * kBins; i += blockDim.x) histogram[i] = 0;
  __syncthreads();

  const std::size_t r = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r < args.rows) {
    const std::uint32_t b = args.library_counts[r];
    const std::uint64_t* row = args.library + r * words;
    std::uint64_t held[kWords ? kWords : 1];
    if (kWords) {
#pragma unroll
      for (int w = 0; w < (kWords ? kWords : 1); ++w) held[w] = row[w];
    }
    for (int j = 0; j < queries; ++j) {
      const int q = first_query + j;
      if (emit && args.cutoff_bin[q] < 0) continue;
      const std::uint32_t a = args.query_counts[q];
      const double cutoff = emit ? args.cutoff_score[q] : args.threshold;
      if (similarity_bound(args.metric, a, b) < cutoff - kBoundSlack) continue;
      const std::uint64_t* query = query_fps + j * words;
      std::uint32_t c = 0;
      if (kWords) {
#pragma unroll
        for (int w = 0; w < (kWords ? kWords : 1); ++w) c += __popcll(held[w] & query[w]);
      } else {
        for (int w = 0; w < words; ++w) c += __popcll(row[w] & query[w]);
      }
      const double score = similarity(args.metric, a, b, c);
      if (score < args.threshold) continue;
      const int bin = score_bin(score);
      if (!emit) {
        atomicAdd(&histogram[j * kBins + bin], 1u);
      } else if (bin >= args.cutoff_bin[q]) {
        const std::size_t slot = args.offsets[q] + atomicAdd(&args.fill[q], 1u);
        if (slot < args.offsets[q + 1])
          args.candidates[slot] = {static_cast<std::uint32_t>(args.first_position + r), c};
      }
    }
  }
  if (!emit) {
    __syncthreads();
    for (int i = threadIdx.x; i < queries * kBins; i += blockDim.x)
      if (histogram[i])
        atomicAdd(&args.histogram[static_cast<std::size_t>(first_query + i / kBins) * kBins +
                                  i % kBins],
                  histogram[i]);
  }
}

std::size_t shared_bytes(int words) {
  return static_cast<std::size_t>(kQueriesPerBlock) * words * sizeof(std::uint64_t) +
         static_cast<std::size_t>(kQueriesPerBlock) * kBins * sizeof(unsigned);
}

template <typename T>
std::unique_ptr<cuda::DeviceBuffer<T>> device_array(std::size_t count) {
  return std::make_unique<cuda::DeviceBuffer<T>>(std::max<std::size_t>(count, 1));
}

template <typename T>
void upload(cuda::DeviceBuffer<T>& device, const T* host, std::size_t count,
            cudaStream_t stream = nullptr) {
  if (count > 0)
    MOLSIEVE_CUDA_CHECK(cudaMemcpyAsync(device.get(), host, count * sizeof(T),
                                        cudaMemcpyHostToDevice, stream));
}

template <typename T>
std::vector<T> download(cuda::DeviceBuffer<T>& device, std::size_t count) {
  std::vector<T> host(count);
  if (count > 0)
    MOLSIEVE_CUDA_CHECK(
        cudaMemcpy(host.data(), device.get(), count * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}

class Stream {
 public:
  Stream() { MOLSIEVE_CUDA_CHECK(cudaStreamCreate(&stream_)); }
  ~Stream() { cudaStreamDestroy(stream_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

}  // namespace

// The library on the GPU: resident in one piece when it fits in half the free memory,
// otherwise streamed in chunks through two buffers for every pass.
struct DeviceLibrary {
  std::size_t chunk_rows = 0;
  bool resident = false;
  std::unique_ptr<cuda::DeviceBuffer<std::uint64_t>> fingerprints[2];
  std::unique_ptr<cuda::DeviceBuffer<std::uint32_t>> popcounts[2];
  Stream streams[2];
};

namespace {

DeviceLibrary& device_library(const SearchLibrary& library) {
  std::shared_ptr<DeviceLibrary>& copy = library.device_copy();
  if (copy) return *copy;
  auto device = std::make_shared<DeviceLibrary>();
  std::size_t free_bytes = 0, total_bytes = 0;
  MOLSIEVE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const std::size_t row_bytes = library.words() * sizeof(std::uint64_t) + sizeof(std::uint32_t);
  const std::size_t rows = std::max<std::size_t>(library.size(), 1);
  if (rows * row_bytes <= free_bytes / 2) {
    device->resident = true;
    device->chunk_rows = rows;
    device->fingerprints[0] = device_array<std::uint64_t>(rows * library.words());
    device->popcounts[0] = device_array<std::uint32_t>(rows);
    upload(*device->fingerprints[0], library.sorted().data, library.size() * library.words());
    upload(*device->popcounts[0], library.popcounts().data(), library.size());
    MOLSIEVE_CUDA_CHECK(cudaDeviceSynchronize());
  } else {
    device->chunk_rows = std::max<std::size_t>(free_bytes / 8 / row_bytes, kThreads);
    for (int i = 0; i < 2; ++i) {
      device->fingerprints[i] = device_array<std::uint64_t>(device->chunk_rows * library.words());
      device->popcounts[i] = device_array<std::uint32_t>(device->chunk_rows);
    }
  }
  copy = device;
  return *copy;
}

// Calls visit(slot, stream, first, rows) for each chunk of the library, with the chunk's
// fingerprints and popcounts in device.fingerprints[slot] / device.popcounts[slot]
// (copied there on `stream` first when the library is not resident).
template <typename Visit>
void for_each_chunk(const SearchLibrary& library, DeviceLibrary& device, Visit visit) {
  std::size_t chunk = 0;
  for (std::size_t first = 0; first < library.size(); first += device.chunk_rows, ++chunk) {
    const std::size_t rows = std::min(device.chunk_rows, library.size() - first);
    const int slot = device.resident ? 0 : static_cast<int>(chunk % 2);
    cudaStream_t stream = device.streams[slot].get();
    if (!device.resident) {
      upload(*device.fingerprints[slot], library.fingerprint(first), rows * library.words(), stream);
      upload(*device.popcounts[slot], library.popcounts().data() + first, rows, stream);
    }
    visit(slot, stream, first, rows);
  }
}

// Runs one pass over the whole library, chunk by chunk.
void run_pass(const SearchLibrary& library, DeviceLibrary& device, PassArgs args, bool emit) {
  const int words = static_cast<int>(library.words());
  const std::size_t bytes = shared_bytes(words);
  const unsigned query_blocks =
      static_cast<unsigned>((args.queries_in_batch + kQueriesPerBlock - 1) / kQueriesPerBlock);
  auto kernel = words == 32 ? similarity_pass<32> : words == 16 ? similarity_pass<16>
                                                                : similarity_pass<0>;
  MOLSIEVE_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           static_cast<int>(bytes)));
  for_each_chunk(library, device, [&](int slot, cudaStream_t stream, std::size_t first,
                                      std::size_t rows) {
    args.library = device.fingerprints[slot]->get();
    args.library_counts = device.popcounts[slot]->get();
    args.rows = rows;
    args.first_position = first;
    const dim3 grid(static_cast<unsigned>((rows + kThreads - 1) / kThreads), query_blocks);
    kernel<<<grid, kThreads, bytes, stream>>>(args, emit);
    MOLSIEVE_CUDA_CHECK(cudaGetLastError());
  });
  MOLSIEVE_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace

SearchResults search_cuda(const SearchLibrary& library, FingerprintMatrix queries,
                          const SearchOptions& options) {
  cuda::bind_device();
  SearchResults results;
  const std::size_t nq = queries.rows;
  const std::size_t words = library.words();
  if (nq == 0) return results;
  if (library.size() == 0) {
    results.offsets.assign(nq + 1, 0);
    return results;
  }
  DeviceLibrary& device = device_library(library);
  std::vector<std::uint32_t> query_counts(nq);
  popcount_rows_cpu(queries.data, nq, words, query_counts.data());

  auto device_queries = device_array<std::uint64_t>(kQueryBatch * words);
  auto device_query_counts = device_array<std::uint32_t>(kQueryBatch);
  auto device_histogram = device_array<unsigned>(kQueryBatch * kBins);
  auto device_cutoff_bin = device_array<int>(kQueryBatch);
  auto device_cutoff_score = device_array<double>(kQueryBatch);
  auto device_offsets = device_array<std::size_t>(kQueryBatch + 1);
  auto device_fill = device_array<unsigned>(kQueryBatch);

  for (std::size_t first = 0; first < nq; first += kQueryBatch) {
    const std::size_t batch = std::min(kQueryBatch, nq - first);
    upload(*device_queries, queries.row(first), batch * words);
    upload(*device_query_counts, query_counts.data() + first, batch);
    MOLSIEVE_CUDA_CHECK(cudaMemset(device_histogram->get(), 0, batch * kBins * sizeof(unsigned)));
    PassArgs args{};
    args.queries = device_queries->get();
    args.query_counts = device_query_counts->get();
    args.queries_in_batch = static_cast<int>(batch);
    args.words = static_cast<int>(words);
    args.metric = options.metric;
    args.threshold = options.threshold;
    args.histogram = device_histogram->get();
    run_pass(library, device, args, false);
    const std::vector<unsigned> histogram = download(*device_histogram, batch * kBins);

    // Per query: the lowest bin that keeps the k best (bin 0 for threshold search) and the
    // exact number of pairs at or above it.
    std::vector<int> bin(batch, 0);
    std::vector<std::size_t> expected(batch, 0);
    for (std::size_t q = 0; q < batch; ++q) {
      const unsigned* counts = histogram.data() + q * kBins;
      std::size_t above = 0;
      int h = kBins - 1;
      for (; h >= 0; --h) {
        above += counts[h];
        if (options.top_k > 0 && above >= options.top_k) break;
      }
      bin[q] = std::max(h, 0);
      expected[q] = above;
    }

    // Pass 2 in groups of queries whose candidates fit the copy-back budget.
    std::vector<std::vector<Hit>> hits(batch);
    for (std::size_t group_begin = 0; group_begin < batch;) {
      std::size_t group_end = group_begin, total = 0;
      while (group_end < batch &&
             (group_end == group_begin || total + expected[group_end] <= kMaxCandidatesPerGroup))
        total += expected[group_end++];
      std::vector<int> group_bin(batch, -1);
      std::vector<double> cutoff_score(batch, 0.0);
      std::vector<std::size_t> offsets(batch + 1, 0);
      for (std::size_t q = 0; q < batch; ++q) {
        const bool in_group = q >= group_begin && q < group_end;
        if (in_group) {
          group_bin[q] = bin[q];
          cutoff_score[q] = std::max(options.threshold, static_cast<double>(bin[q]) / kBins);
        }
        offsets[q + 1] = offsets[q] + (in_group ? expected[q] : 0);
      }
      auto device_candidates = device_array<Candidate>(total);
      upload(*device_cutoff_bin, group_bin.data(), batch);
      upload(*device_cutoff_score, cutoff_score.data(), batch);
      upload(*device_offsets, offsets.data(), batch + 1);
      MOLSIEVE_CUDA_CHECK(cudaMemset(device_fill->get(), 0, batch * sizeof(unsigned)));
      args.cutoff_bin = device_cutoff_bin->get();
      args.cutoff_score = device_cutoff_score->get();
      args.offsets = device_offsets->get();
      args.fill = device_fill->get();
      args.candidates = device_candidates->get();
      run_pass(library, device, args, true);
      const std::vector<unsigned> fill = download(*device_fill, batch);
      const std::vector<Candidate> candidates = download(*device_candidates, total);
      for (std::size_t q = group_begin; q < group_end; ++q) {
        if (fill[q] != expected[q])
          throw Error("CUDA similarity search: pass 2 found " + std::to_string(fill[q]) +
                      " candidates where pass 1 counted " + std::to_string(expected[q]));
        const std::uint32_t a = query_counts[first + q];
        std::vector<Hit>& list = hits[q];
        list.reserve(expected[q]);
        for (std::size_t i = offsets[q]; i < offsets[q + 1]; ++i) {
          const Candidate& candidate = candidates[i];
          list.push_back({library.indices()[candidate.position],
                          similarity(options.metric, a, library.popcounts()[candidate.position],
                                     candidate.common)});
        }
        const std::size_t keep = options.top_k > 0 ? std::min(options.top_k, list.size()) : list.size();
        std::partial_sort(list.begin(), list.begin() + keep, list.end(), ranks_before);
        list.resize(keep);
      }
      group_begin = group_end;
    }
    for (std::size_t q = 0; q < batch; ++q) {
      results.hits.insert(results.hits.end(), hits[q].begin(), hits[q].end());
      results.offsets.push_back(results.hits.size());
    }
  }
  return results;
}

namespace {

__global__ void similarity_scores_kernel(const std::uint64_t* __restrict__ library,
                                         const std::uint32_t* __restrict__ library_counts,
                                         std::size_t rows, const std::uint64_t* __restrict__ query,
                                         std::uint32_t a, int words, Metric metric,
                                         double* __restrict__ scores) {
  const std::size_t r = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  std::uint32_t c = 0;
  for (int w = 0; w < words; ++w) c += __popcll(library[r * words + w] & query[w]);
  scores[r] = similarity(metric, a, library_counts[r], c);
}

}  // namespace

void similarity_scores_cuda(const SearchLibrary& library, const std::uint64_t* query,
                            const Metric& metric, double* scores) {
  if (library.size() == 0) return;
  cuda::bind_device();
  DeviceLibrary& device = device_library(library);
  const std::size_t words = library.words();
  std::uint32_t a = 0;
  popcount_rows_cpu(query, 1, words, &a);
  auto device_query = device_array<std::uint64_t>(words);
  upload(*device_query, query, words);
  MOLSIEVE_CUDA_CHECK(cudaDeviceSynchronize());
  std::unique_ptr<cuda::DeviceBuffer<double>> device_scores[2] = {
      device_array<double>(device.chunk_rows), device_array<double>(device.chunk_rows)};
  for_each_chunk(library, device, [&](int slot, cudaStream_t stream, std::size_t first,
                                      std::size_t rows) {
    const unsigned blocks = static_cast<unsigned>((rows + kThreads - 1) / kThreads);
    similarity_scores_kernel<<<blocks, kThreads, 0, stream>>>(
        device.fingerprints[slot]->get(), device.popcounts[slot]->get(), rows, device_query->get(),
        a, static_cast<int>(words), metric, device_scores[slot]->get());
    MOLSIEVE_CUDA_CHECK(cudaGetLastError());
    MOLSIEVE_CUDA_CHECK(cudaMemcpyAsync(scores + first, device_scores[slot]->get(),
                                        rows * sizeof(double), cudaMemcpyDeviceToHost, stream));
  });
  MOLSIEVE_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace molsieve::kernels
