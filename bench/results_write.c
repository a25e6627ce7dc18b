/* How MPI ranks should write one results table: a benchmark.
 *   mpirun -n N results_write ROWS COLUMNS CHUNK_ROWS STRATEGY OUTDIR
 * Table: ROWS rows, /results/c0..c{COLUMNS-1} (float64, sin(row*(col+1)*1e-3)) and
 * /results/index (int64, = row); 1-D datasets chunked CHUNK_ROWS rows, shuffle+deflate(4).
 * Work chunk k (CHUNK_ROWS rows) belongs to rank k % size. Strategies:
 *   mpio            one file through MPI-IO, collective writes (needs parallel HDF5)
 *   parts-merge     one part file per chunk, rank 0 decodes/re-encodes them into one file
 *   parts-merge-raw as parts-merge, but copies compressed chunks (H5Dread_chunk/H5Dwrite_chunk)
 *   parts-vds       one part file per chunk, rank 0 writes a virtual-dataset file (no copy)
 * Data are generated before the clock starts; only writing is timed (no fsync).
 * Prints one line: RESULT key=value ... ; rank 0 then verifies the final table. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <mpi.h>
#include <hdf5.h>

static long long g_rows, g_chunk;
static int g_cols, g_rank, g_size;
static const char *g_out;

static double value(long long row, int col) { return sin((double)row * (col + 1) * 1e-3); }

static void die(const char *what) {
  fprintf(stderr, "rank %d: %s failed\n", g_rank, what);
  MPI_Abort(MPI_COMM_WORLD, 2);
}
#define CHECK(x) do { if ((x) < 0) die(#x); } while (0)

static long long nchunks(void) { return (g_rows + g_chunk - 1) / g_chunk; }
static long long chunk_len(long long k) {
  long long n = g_rows - k * g_chunk;
  return n < g_chunk ? n : g_chunk;
}
static void part_name(char *buf, size_t n, long long k) { snprintf(buf, n, "parts/part-%06lld.h5", k); }
static void path_of(char *buf, size_t n, const char *rel) { snprintf(buf, n, "%s/%s", g_out, rel); }
static void col_name(char *buf, size_t n, int c) {
  if (c == g_cols) snprintf(buf, n, "index"); else snprintf(buf, n, "c%d", c);
}

/* dcpl for a 1-D dataset of len rows, chunked min(len, CHUNK_ROWS) rows */
static hid_t make_dcpl(long long len, int compress) {
  hid_t p = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t ch = (hsize_t)(len < g_chunk ? len : g_chunk);
  CHECK(H5Pset_chunk(p, 1, &ch));
  CHECK(H5Pset_fill_time(p, H5D_FILL_TIME_NEVER));
  if (compress) { CHECK(H5Pset_shuffle(p)); CHECK(H5Pset_deflate(p, 4)); }
  return p;
}

/* my data: cols+1 arrays of my rows in chunk order (my j-th chunk at j*CHUNK_ROWS) */
static double **g_data; static int64_t *g_index; static long long g_mine;

static void generate(void) {
  g_mine = 0;
  for (long long k = g_rank; k < nchunks(); k += g_size) g_mine += chunk_len(k);
  g_data = malloc(sizeof(double *) * g_cols);
  for (int c = 0; c < g_cols; c++) g_data[c] = malloc(sizeof(double) * (g_mine ? g_mine : 1));
  g_index = malloc(sizeof(int64_t) * (g_mine ? g_mine : 1));
  long long o = 0;
  for (long long k = g_rank; k < nchunks(); k += g_size)
    for (long long r = k * g_chunk; r < k * g_chunk + chunk_len(k); r++, o++) {
      g_index[o] = r;
      for (int c = 0; c < g_cols; c++) g_data[c][o] = value(r, c);
    }
}
static const void *col_buf(int c, long long off) {
  return c == g_cols ? (const void *)(g_index + off) : (const void *)(g_data[c] + off);
}
static hid_t mem_type(int c) { return c == g_cols ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE; }
static hid_t file_type(int c) { return c == g_cols ? H5T_STD_I64LE : H5T_IEEE_F64LE; }

static long long file_bytes(const char *p, long long *disk) {
  struct stat st;
  if (stat(p, &st) != 0) return 0;
  *disk += (long long)st.st_blocks * 512;
  return (long long)st.st_size;
}

#ifdef H5_HAVE_PARALLEL
/* returns 0 on success, -1 when any rank failed (e.g. filters refused) */
static int write_mpio(int compress) {
  char path[4096]; path_of(path, sizeof path, "results.h5");
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  CHECK(H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL));
  CHECK(H5Pset_all_coll_metadata_ops(fapl, 1));
  CHECK(H5Pset_coll_metadata_write(fapl, 1));
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  CHECK(f);
  hid_t g = H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t dx = H5Pcreate(H5P_DATASET_XFER);
  CHECK(H5Pset_dxpl_mpio(dx, H5FD_MPIO_COLLECTIVE));
  hsize_t dims = (hsize_t)g_rows, mdims = (hsize_t)(g_mine ? g_mine : 1);
  hid_t fs = H5Screate_simple(1, &dims, NULL), ms = H5Screate_simple(1, &mdims, NULL);
  /* my rows in the file: union of my chunks; in memory: all of the buffer */
  CHECK(H5Sselect_none(fs));
  for (long long k = g_rank; k < nchunks(); k += g_size) {
    hsize_t st = (hsize_t)(k * g_chunk), n = (hsize_t)chunk_len(k);
    CHECK(H5Sselect_hyperslab(fs, H5S_SELECT_OR, &st, NULL, &n, NULL));
  }
  if (!g_mine) CHECK(H5Sselect_none(ms));
  int ok = 1;
  hid_t dcpl = make_dcpl(g_rows, compress);
  for (int c = 0; c <= g_cols && ok; c++) {
    char name[32]; col_name(name, sizeof name, c);
    hid_t d = H5Dcreate2(g, name, file_type(c), fs, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) { ok = 0; break; }
    if (H5Dwrite(d, mem_type(c), ms, fs, dx, col_buf(c, 0)) < 0) ok = 0;
    H5Dclose(d);
  }
  H5Pclose(dcpl); H5Sclose(fs); H5Sclose(ms); H5Pclose(dx); H5Gclose(g);
  H5Fclose(f); H5Pclose(fapl);
  int all_ok;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all_ok ? 0 : -1;
}
#endif

/* each rank: one part file per own chunk, default (sec2) driver */
static void write_parts(void) {
  long long j = 0;
  for (long long k = g_rank; k < nchunks(); k += g_size, j++) {
    char rel[64], path[4096]; part_name(rel, sizeof rel, k); path_of(path, sizeof path, rel);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(f);
    hid_t g = H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = (hsize_t)chunk_len(k);
    hid_t s = H5Screate_simple(1, &n, NULL), dcpl = make_dcpl((long long)n, 1);
    for (int c = 0; c <= g_cols; c++) {
      char name[32]; col_name(name, sizeof name, c);
      hid_t d = H5Dcreate2(g, name, file_type(c), s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
      CHECK(d);
      CHECK(H5Dwrite(d, mem_type(c), H5S_ALL, H5S_ALL, H5P_DEFAULT, col_buf(c, j * g_chunk)));
      H5Dclose(d);
    }
    H5Pclose(dcpl); H5Sclose(s); H5Gclose(g); H5Fclose(f);
  }
}

/* rank 0: read every part in order, write one file of the same layout */
static void merge_parts(int raw) {
  char path[4096]; path_of(path, sizeof path, "results.h5");
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f);
  hid_t g = H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims = (hsize_t)g_rows;
  hid_t fs = H5Screate_simple(1, &dims, NULL), dcpl = make_dcpl(g_rows, 1);
  hid_t *out = malloc(sizeof(hid_t) * (g_cols + 1));
  for (int c = 0; c <= g_cols; c++) {
    char name[32]; col_name(name, sizeof name, c);
    out[c] = H5Dcreate2(g, name, file_type(c), fs, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(out[c]);
  }
  size_t cap = (size_t)g_chunk * 8 + 4096;
  void *buf = malloc(cap);
  for (long long k = 0; k < nchunks(); k++) {
    char rel[64], ppath[4096]; part_name(rel, sizeof rel, k); path_of(ppath, sizeof ppath, rel);
    hid_t pf = H5Fopen(ppath, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(pf);
    hsize_t st = (hsize_t)(k * g_chunk), n = (hsize_t)chunk_len(k);
    hid_t ms = H5Screate_simple(1, &n, NULL);
    CHECK(H5Sselect_hyperslab(fs, H5S_SELECT_SET, &st, NULL, &n, NULL));
    for (int c = 0; c <= g_cols; c++) {
      char name[64]; col_name(name, sizeof name, c);
      char full[80]; snprintf(full, sizeof full, "results/%s", name);
      hid_t d = H5Dopen2(pf, full, H5P_DEFAULT);
      CHECK(d);
      if (raw && (long long)n == g_chunk) {  /* full chunk: copy it still compressed */
        hsize_t off = 0, sz; uint32_t mask = 0;
        CHECK(H5Dget_chunk_storage_size(d, &off, &sz));
        if (sz > cap) die("chunk larger than buffer");
        CHECK(H5Dread_chunk(d, H5P_DEFAULT, &off, &mask, buf));
        CHECK(H5Dwrite_chunk(out[c], H5P_DEFAULT, mask, &st, (size_t)sz, buf));
      } else {
        CHECK(H5Dread(d, mem_type(c), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
        CHECK(H5Dwrite(out[c], mem_type(c), ms, fs, H5P_DEFAULT, buf));
      }
      H5Dclose(d);
    }
    H5Sclose(ms); H5Fclose(pf);
  }
  for (int c = 0; c <= g_cols; c++) H5Dclose(out[c]);
  free(out); free(buf);
  H5Pclose(dcpl); H5Sclose(fs); H5Gclose(g); H5Fclose(f);
}

/* rank 0: /results/<col> of results-vds.h5 map each part's rows; source names are
 * relative (parts/...), so the folder can move as a whole */
static void write_vds(void) {
  char path[4096]; path_of(path, sizeof path, "results-vds.h5");
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f);
  hid_t g = H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims = (hsize_t)g_rows;
  hid_t vs = H5Screate_simple(1, &dims, NULL);
  for (int c = 0; c <= g_cols; c++) {
    char name[32], src[64]; col_name(name, sizeof name, c);
    snprintf(src, sizeof src, "/results/%s", name);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    /* rows of a missing part read as the fill value: NaN / -1 rather than 0 */
    double nan = NAN; int64_t minus1 = -1;
    CHECK(c == g_cols ? H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &minus1)
                      : H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan));
    for (long long k = 0; k < nchunks(); k++) {
      char rel[64]; part_name(rel, sizeof rel, k);
      hsize_t st = (hsize_t)(k * g_chunk), n = (hsize_t)chunk_len(k);
      hid_t ss = H5Screate_simple(1, &n, NULL);
      CHECK(H5Sselect_hyperslab(vs, H5S_SELECT_SET, &st, NULL, &n, NULL));
      CHECK(H5Pset_virtual(dcpl, vs, rel, src, ss));
      H5Sclose(ss);
    }
    CHECK(H5Sselect_all(vs));
    hid_t d = H5Dcreate2(g, name, file_type(c), vs, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(d);
    H5Dclose(d); H5Pclose(dcpl);
  }
  H5Sclose(vs); H5Gclose(g); H5Fclose(f);
}

/* rank 0: read index, c0, c{cols/2}, c{cols-1} fully through the final file (sec2 driver) */
static int verify(const char *file) {
  char path[4096]; path_of(path, sizeof path, file);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return 0;
  int cols[4] = {g_cols, 0, g_cols / 2, g_cols - 1}, ok = 1;
  void *buf = malloc(sizeof(double) * (size_t)g_rows);
  for (int i = 0; i < 4 && ok; i++) {
    char name[32], full[64]; col_name(name, sizeof name, cols[i]);
    snprintf(full, sizeof full, "results/%s", name);
    hid_t d = H5Dopen2(f, full, H5P_DEFAULT);
    if (d < 0) { ok = 0; break; }
    hid_t s = H5Dget_space(d);
    if (H5Sget_simple_extent_npoints(s) != g_rows) ok = 0;
    H5Sclose(s);
    if (ok && H5Dread(d, mem_type(cols[i]), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) ok = 0;
    for (long long r = 0; ok && r < g_rows; r++) {
      if (cols[i] == g_cols ? ((int64_t *)buf)[r] != r : ((double *)buf)[r] != value(r, cols[i])) {
        fprintf(stderr, "verify: %s row %lld wrong\n", name, r);
        ok = 0;
      }
    }
    H5Dclose(d);
  }
  free(buf);
  H5Fclose(f);
  return ok;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  if (argc != 6) {
    if (!g_rank) fprintf(stderr, "usage: %s ROWS COLUMNS CHUNK_ROWS "
                         "mpio|parts-merge|parts-merge-raw|parts-vds OUTDIR\n", argv[0]);
    MPI_Finalize();
    return 1;
  }
  g_rows = atoll(argv[1]); g_cols = atoi(argv[2]); g_chunk = atoll(argv[3]);
  const char *strategy = argv[4]; g_out = argv[5];
  int parts = !strncmp(strategy, "parts-", 6);
  if (g_rows <= 0 || g_cols <= 0 || g_chunk <= 0 ||
      (strcmp(strategy, "mpio") && strcmp(strategy, "parts-merge") &&
       strcmp(strategy, "parts-merge-raw") && strcmp(strategy, "parts-vds"))) {
    if (!g_rank) fprintf(stderr, "bad arguments\n");
    MPI_Finalize();
    return 1;
  }
#ifndef H5_HAVE_PARALLEL
  if (!strcmp(strategy, "mpio")) {
    if (!g_rank) fprintf(stderr, "mpio needs a parallel HDF5 build\n");
    MPI_Finalize();
    return 1;
  }
#endif
  if (!g_rank) {
    char p[4096]; path_of(p, sizeof p, "parts");
    if ((mkdir(g_out, 0755) && errno != EEXIST) || (parts && mkdir(p, 0755) && errno != EEXIST))
      die("mkdir");
  }
  generate();
  MPI_Barrier(MPI_COMM_WORLD);

  int compress = 1;
  double t0 = MPI_Wtime(), t1, t2;
#ifdef H5_HAVE_PARALLEL
  if (!parts) {
    H5E_auto2_t fn; void *data;
    H5Eget_auto2(H5E_DEFAULT, &fn, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = write_mpio(1);
    H5Eset_auto2(H5E_DEFAULT, fn, data);
    if (rc) {  /* filters refused: measure without compression, restart the clock */
      if (!g_rank) fprintf(stderr, "mpio: shuffle+deflate failed, writing uncompressed\n");
      compress = 0;
      MPI_Barrier(MPI_COMM_WORLD);
      t0 = MPI_Wtime();
      if (write_mpio(0)) die("write_mpio(uncompressed)");
    }
  }
#endif
  if (parts) write_parts();
  MPI_Barrier(MPI_COMM_WORLD);
  t1 = MPI_Wtime();
  if (!g_rank && !strcmp(strategy, "parts-merge")) merge_parts(0);
  if (!g_rank && !strcmp(strategy, "parts-merge-raw")) merge_parts(1);
  if (!g_rank && !strcmp(strategy, "parts-vds")) write_vds();
  t2 = MPI_Wtime();

  int rc = 0;
  if (!g_rank) {
    const char *final = !strcmp(strategy, "parts-vds") ? "results-vds.h5" : "results.h5";
    char p[4096]; long long disk = 0, pdisk = 0, bytes, pbytes = 0;
    path_of(p, sizeof p, final);
    bytes = file_bytes(p, &disk);
    for (long long k = 0; parts && k < nchunks(); k++) {
      char rel[64]; part_name(rel, sizeof rel, k); path_of(p, sizeof p, rel);
      pbytes += file_bytes(p, &pdisk);
    }
    int vds = !strcmp(strategy, "parts-vds");
    int ok = verify(final);
    unsigned maj, min, rel; H5get_libversion(&maj, &min, &rel);
    /* final_* : what the table consists of (VDS: its file + all parts) */
    printf("RESULT strategy=%s ranks=%d rows=%lld columns=%d chunk_rows=%lld compress=%d "
           "seconds_write=%.4f seconds_merge=%.4f seconds_total=%.4f "
           "final_bytes=%lld final_disk_bytes=%lld parts_bytes=%lld parts_files=%lld "
           "hdf5=%u.%u.%u verify=%s\n",
           strategy, g_size, g_rows, g_cols, g_chunk, compress, t1 - t0, t2 - t1, t2 - t0,
           bytes + (vds ? pbytes : 0), disk + (vds ? pdisk : 0), pbytes, parts ? nchunks() : 0,
           maj, min, rel, ok ? "ok" : "FAIL");
    fflush(stdout);
    rc = ok ? 0 : 3;
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  for (int c = 0; c < g_cols; c++) free(g_data[c]);
  free(g_data); free(g_index);
  MPI_Finalize();
  return rc;
}
