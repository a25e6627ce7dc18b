#!/usr/bin/env bash
# How MPI ranks should write one results table (bench/results_write.c): parallel HDF5 over
# MPI-IO into one file, versus part files merged by rank 0 (decoded and re-encoded, or
# compressed chunks copied raw), versus part files joined by a virtual-dataset (VDS) file.
# Parallel HDF5 is unpacked from Debian's packages into the work folder, not installed.
#   bash bench/results_write.sh [WORKDIR]      (default bench-work)
# Environment: ROWS_LIST ("20000 1000000"), COLUMNS (80), CHUNK_ROWS (1024), REPS (3),
#   RANKS_LIST ("1 2"), STRATEGIES ("mpio parts-merge parts-merge-raw parts-vds"),
#   MPIRUN_EXTRA (extra mpirun words, e.g. "--mca io romio321"), KEEP=1 keeps big outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}"
base="$work/hdf5-write"
rows_list="${ROWS_LIST:-20000 1000000}"
columns="${COLUMNS:-80}"
chunk_rows="${CHUNK_ROWS:-1024}"
reps="${REPS:-3}"
ranks_list="${RANKS_LIST:-1 2}"
strategies="${STRATEGIES:-mpio parts-merge parts-merge-raw parts-vds}"
mkdir -p "$base/debs" "$base/bin"
base="$(cd "$base" && pwd)"
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# shellcheck disable=SC2206
# Open MPI's default binding (a core per rank here): with --bind-to none each collective
# MPI-IO call (MPI_File_set_view) took milliseconds on the 2-core test machine.
mpirun=(mpirun --oversubscribe ${MPIRUN_EXTRA:-})

# (i) parallel HDF5, downloaded and unpacked (the serial libhdf5-dev stays the system's)
prefix="$base/prefix"
if [ ! -e "$prefix/usr/include/hdf5/openmpi/hdf5.h" ]; then
  (cd "$base/debs" && apt-get download libhdf5-openmpi-dev libhdf5-openmpi-103-1 > /dev/null 2>&1)
  for deb in "$base"/debs/*.deb; do dpkg -x "$deb" "$prefix"; done
fi
plib="$prefix/usr/lib/x86_64-linux-gnu"
if LD_LIBRARY_PATH="$plib" ldd "$plib/libhdf5_openmpi.so.103" | grep -q "not found"; then
  echo "results_write: parallel HDF5 misses libraries:" >&2
  LD_LIBRARY_PATH="$plib" ldd "$plib/libhdf5_openmpi.so.103" | grep "not found" >&2
  exit 1
fi

# (ii) two builds: parallel HDF5 (all strategies), the system's serial HDF5 (part strategies)
cflags=(-std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L)
mpicc "${cflags[@]}" -I"$prefix/usr/include/hdf5/openmpi" bench/results_write.c \
  -L"$plib/hdf5/openmpi" -lhdf5 -lm -o "$base/bin/results_write_parallel"
mpicc "${cflags[@]}" -I/usr/include/hdf5/serial bench/results_write.c \
  -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lm -o "$base/bin/results_write_serial"
par=(env LD_LIBRARY_PATH="$plib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$base/bin/results_write_parallel")

rm -rf "$base"/out-*
results="$base/results.txt"
: > "$results"
log="$base/log.txt"
: > "$log"
echo "start: $(uptime)" >> "$log"
# noise: every 2 s, note runnable user processes other than this benchmark's
noise="$base/noise.txt"
: > "$noise"
(while sleep 2; do
  echo "$(date +%T) $(ps -eo stat=,comm= | awk '$1 ~ /^R/ && $2 !~ /^(results_write|ps|awk|mpirun|orted|sleep|sort|tr|date|bash|sync|rm|sed|kworker|rcu_|ksoftirqd|kdamond|memfd)/ {print $2}' | sort -u | tr '\n' ' ')"
done >> "$noise") &
sampler=$!
trap 'kill "$sampler" 2> /dev/null || true' EXIT

# serial-HDF5 build: part strategies only, one smoke run each (not in the table)
for s in parts-merge parts-vds; do
  rm -rf "$base/out-serial"
  "${mpirun[@]}" -n 2 "$base/bin/results_write_serial" 20000 "$columns" "$chunk_rows" "$s" \
    "$base/out-serial" 2>> "$log" | sed 's/^RESULT/SERIAL-BUILD/' >> "$log"
done
rm -rf "$base/out-serial"

# (iii) runs; the last repetition of each strategy at the highest rank count is kept for h5py
last_ranks="${ranks_list##* }"
for rows in $rows_list; do
  for ranks in $ranks_list; do
    for s in $strategies; do
      for ((r = 1; r <= reps; r++)); do
        out="$base/out-$rows-$s"
        rm -rf "$out"
        sync
        n0=$(wc -l < "$noise"); b0=$(awk 'NF > 1' "$noise" | wc -l)
        "${mpirun[@]}" -n "$ranks" "${par[@]}" "$rows" "$columns" "$chunk_rows" "$s" "$out" \
          2>> "$log" | tee -a "$log" | grep '^RESULT' > "$base/last.txt" \
          || { echo "results_write: $s at $ranks ranks, $rows rows failed (see $log)" >&2; exit 1; }
        # noise=B/N: B of the N samples taken during the run saw another busy process
        echo "$(cat "$base/last.txt") noise=$(($(awk 'NF > 1' "$noise" | wc -l) - b0))/$(($(wc -l < "$noise") - n0))" \
          >> "$results"
        [ "$ranks" = "$last_ranks" ] && [ "$r" -eq "$reps" ] || rm -rf "$out"
      done
    done
  done
done
echo "end: $(uptime)" >> "$log"
kill "$sampler" 2> /dev/null || true
grep -q 'verify=FAIL' "$results" && { echo "results_write: a table did not read back" >&2; exit 1; }

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
stat_of() { { grep "^RESULT strategy=$1 ranks=$2 rows=$3 " "$results" || true; } | field "$4"; }

echo "| strategy | ranks | rows | write s | merge s | total s (min-max) | bytes on disk | total / parts-merge | busy samples |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for rows in $rows_list; do
  for ranks in $ranks_list; do
    ref=$(stat_of parts-merge "$ranks" "$rows" seconds_total | median)
    for s in $strategies; do
      w=$(stat_of "$s" "$ranks" "$rows" seconds_write | median)
      m=$(stat_of "$s" "$ranks" "$rows" seconds_merge | median)
      t=$(stat_of "$s" "$ranks" "$rows" seconds_total | median)
      lo=$(stat_of "$s" "$ranks" "$rows" seconds_total | sort -g | head -n 1)
      hi=$(stat_of "$s" "$ranks" "$rows" seconds_total | sort -g | tail -n 1)
      b=$(stat_of "$s" "$ranks" "$rows" final_disk_bytes | median)
      busy=$(stat_of "$s" "$ranks" "$rows" noise | awk -F/ '{b += $1; n += $2} END {print b "/" n}')
      label=$s
      [ "$(stat_of "$s" "$ranks" "$rows" compress | sort -u)" = 1 ] || label="$s (no filters)"
      printf "| %s | %s | %s | %.2f | %.2f | %.2f (%.2f-%.2f) | %s | %s | %s |\n" "$label" "$ranks" \
        "$rows" "$w" "$m" "$t" "$lo" "$hi" "$b" \
        "$([ -n "$ref" ] && [ "$ref" != 0 ] && awk -v a="$t" -v b="$ref" 'BEGIN {printf "%.2f", a / b}' || echo -)" "$busy"
    done
  done
done
echo
echo "medians of $reps runs; $columns float64 columns + int64 index, chunks of $chunk_rows rows," \
  "shuffle+deflate(4); write = parts or collective write, merge = rank 0's merge or VDS file;" \
  "bytes: allocated blocks of the final file (VDS: its file + all parts)." \
  "Part files at the largest size: $(stat_of parts-vds "$last_ranks" "${rows_list##* }" parts_files | head -n 1)" \
  "files, $(stat_of parts-vds "$last_ranks" "${rows_list##* }" parts_bytes | head -n 1) bytes." \
  "$(grep -c '^SERIAL-BUILD.*verify=ok' "$log") of 2 serial-HDF5 smoke runs verified." \
  "busy samples: 2-s samples, over all repetitions, that saw another process running."
echo "load: $(sed -n 's/^start:.*load/load/p' "$log") at start, $(sed -n 's/^end:.*load/load/p' "$log") at end;" \
  "other runnable processes in $(awk 'NF > 1' "$noise" | wc -l) of $(wc -l < "$noise") 2-s samples:" \
  "$(awk '{for (i = 2; i <= NF; i++) n[$i]++} END {for (p in n) printf "%s x%d ", p, n[p]}' "$noise")"

# (iv) readable without our code: h5py (Debian's python3-h5py) from another folder
py=/usr/bin/python3
[ -x "$py" ] || py=python3
for rows in $rows_list; do
  for s in $strategies; do
    f="$base/out-$rows-$s/results.h5"
    [ "$s" = parts-vds ] && f="$base/out-$rows-$s/results-vds.h5"
    [ -e "$f" ] || continue
    (cd / && "$py" - "$f" "$rows" "$s" << 'EOF') || echo "h5py: $s at $rows rows: FAILED"
import sys, math, numpy as np, h5py
path, rows, s = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with h5py.File(path, "r") as f:
    c = f["/results/c7"][:]  # libm's sin, as the writer: numpy's may differ in the last bit
    want = np.fromiter((math.sin(r * 8 * 1e-3) for r in range(rows)), float, rows)
    ok = c.shape == (rows,) and np.array_equal(c, want) \
        and np.array_equal(f["/results/index"][:], np.arange(rows))
    print(f"h5py {h5py.__version__}: {s} {rows} rows: virtual={f['/results/c0'].is_virtual} "
          f"c0[:3]={f['/results/c0'][:3]} full c7+index {'ok' if ok else 'WRONG'}")
EOF
  done
done
# a lost part under the VDS: what a reader sees (the part is put back afterwards)
vdir="$base/out-${rows_list%% *}-parts-vds"
if [ -e "$vdir/parts/part-000001.h5" ]; then
  mv "$vdir/parts/part-000001.h5" "$vdir/lost.h5"
  (cd / && "$py" -c "import sys, h5py; f = h5py.File(sys.argv[1], 'r'); \
print('VDS with part 1 missing: c0[1024:1027] =', f['/results/c0'][1024:1027], \
'index =', f['/results/index'][1024:1027])" "$vdir/results-vds.h5") || echo "h5py: missing part: error"
  mv "$vdir/lost.h5" "$vdir/parts/part-000001.h5"
fi
[ "${KEEP:-0}" = 1 ] || for rows in $rows_list; do
  [ "$rows" = "${rows_list%% *}" ] || rm -rf "$base"/out-"$rows"-*
done
