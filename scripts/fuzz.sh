#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang into build-fuzz/ and runs each for a
# fixed time, starting from its seed corpus (tests/fuzz/corpus/<target>/). A crash, a leak
# or a sanitizer report fails the run; the input that caused it is kept in
# build-fuzz/findings/<target>/ (rerun it: build-fuzz/tests/fuzz/fuzz_<target> FILE).
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
bash scripts/setup.sh
targets=(molecule_reader screen_job cohort_definition query_expression)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-15 \
    -DCMAKE_CXX_COMPILER=clang++-15 -DMOLSIEVE_WITH_CUDA=OFF -DMOLSIEVE_BUILD_TESTS=OFF -DMOLSIEVE_BUILD_FUZZERS=ON
fi
cmake --build build-fuzz -j "${MOLSIEVE_BUILD_JOBS:-2}" --target "${targets[@]/#/fuzz_}"
for target in "${targets[@]}"; do
  corpus="build-fuzz/corpus/$target"
  findings="build-fuzz/findings/$target"
  mkdir -p "$corpus" "$findings"
  echo "fuzz: $target for $seconds s"
  # New inputs go to the working corpus; the committed seeds are read, never written. The seed
  # is fixed (MOLSIEVE_FUZZ_SEED changes it), but runs still differ: the job parser looks at
  # the file system, so a run is not the replay of an earlier one.
  "build-fuzz/tests/fuzz/fuzz_$target" "$corpus" "tests/fuzz/corpus/$target" -max_total_time="$seconds" \
    -seed="${MOLSIEVE_FUZZ_SEED:-1}" \
    -max_len=8192 -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$findings/" -print_final_stats=1 \
    2> "build-fuzz/$target.log" || { tail -n 60 "build-fuzz/$target.log"; echo "fuzz: $target failed" >&2; exit 1; }
  grep -E "stat::number_of_executed_units|cov:" "build-fuzz/$target.log" | tail -n 2
done
echo "fuzz: no crash in ${#targets[@]} targets"
