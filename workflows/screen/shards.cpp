#include "workflows/screen/shards.h"

#include <hdf5.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "chem/library_store.h"
#include "core/csv_writer.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/json_node.h"
#include "core/sha256.h"
#include "core/store_file.h"

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;
using hdf5::Handle;

const std::string kManifest = "manifest.json";
constexpr std::uint64_t kCopyRows = 1 << 16;  // rows per read while copying a dataset

// The library store's ragged datasets: the CSR offsets [N+1] and the datasets they index.
struct Ragged {
  std::string offsets;
  std::vector<std::string> data;
};
const std::vector<Ragged>& ragged() {
  static const std::vector<Ragged> r = {
      {"/alerts/offsets", {"/alerts/indices"}},
      {"/graphs/atom_offsets", {"/graphs/atom_features", "/graphs/atom_mass"}},
      {"/graphs/bond_offsets", {"/graphs/bond_features", "/graphs/bond_atoms"}}};
  return r;
}
// Datasets about the store rather than its rows: copied whole.
bool describes_store(const std::string& path) {
  for (const char* whole : {"/alerts/names", "/alerts/families"})
    if (path == whole || path == hdf5::checksum_path(whole)) return true;
  return false;
}

std::vector<std::pair<std::string, H5O_type_t>> objects(hid_t file) {
  std::vector<std::pair<std::string, H5O_type_t>> found;
  auto visit = [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
    if (std::string(name) != ".")
      static_cast<std::vector<std::pair<std::string, H5O_type_t>>*>(data)->emplace_back("/" + std::string(name), info->type);
    return 0;
  };
  H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, visit, &found, H5O_INFO_BASIC);
  return found;
}

void copy_attributes(hid_t from, hid_t to, const std::string& where) {
  struct Target {
    hid_t to;
    const std::string* where;
  } target{to, &where};
  auto copy = [](hid_t object, const char* name, const H5A_info_t*, void* data) -> herr_t {
    const Target& t = *static_cast<Target*>(data);
    // The store header the writer set, and `complete`, which only its commit writes.
    if (std::string(name) == "complete" || H5Aexists(t.to, name) > 0) return 0;
    Handle attr(H5Aopen(object, name, H5P_DEFAULT));
    Handle type(H5Aget_type(attr.get()));
    Handle space(H5Aget_space(attr.get()));
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    std::vector<char> buffer(static_cast<std::size_t>(std::max<hssize_t>(n, 1)) * H5Tget_size(type.get()));
    if (H5Aread(attr.get(), type.get(), buffer.data()) < 0) return -1;
    Handle copy(H5Acreate2(t.to, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    const herr_t written = copy.valid() ? H5Awrite(copy.get(), type.get(), buffer.data()) : -1;
    if (H5Tdetect_class(type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(type.get()) > 0)
      H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buffer.data());
    return written < 0 ? -1 : 0;
  };
  if (H5Aiterate2(from, H5_INDEX_NAME, H5_ITER_INC, nullptr, copy, &target) < 0)
    throw Error(where + ": cannot copy the attributes");
}

// Copies rows [first, first + count) of the dataset `path` (any type, 1-D or 2-D) into `to`,
// with its filters, chunking and attributes; `adjust` may change each block before it is written.
template <typename Adjust>
void copy_rows(hid_t from, hid_t to, const std::string& path, std::uint64_t first, std::uint64_t count,
               const std::string& where, Adjust adjust) {
  Handle source(H5Dopen2(from, path.c_str(), H5P_DEFAULT));
  if (!source.valid()) throw Error(where + ": cannot open " + path);
  Handle type(H5Dget_type(source.get()));
  Handle space(H5Dget_space(source.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  hsize_t dims[2] = {0, 1};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  if (first + count > dims[0]) throw Error(where + ": " + path + " holds fewer rows than the store");
  const hsize_t width = rank == 2 ? dims[1] : 1;
  hsize_t out_dims[2] = {count, width};
  hsize_t max_dims[2] = {H5S_UNLIMITED, width};
  Handle create(H5Dget_create_plist(source.get()));
  Handle out_space(H5Screate_simple(rank, out_dims, max_dims));
  Handle links(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(links.get(), 1);
  Handle target(H5Dcreate2(to, path.c_str(), type.get(), out_space.get(), links.get(), create.get(), H5P_DEFAULT));
  if (!target.valid()) throw Error(where + ": cannot create " + path);
  const std::size_t row_bytes = H5Tget_size(type.get()) * width;
  const bool strings = H5Tis_variable_str(type.get()) > 0;
  std::vector<char> buffer;
  for (std::uint64_t done = 0; done < count;) {
    const hsize_t n = std::min<std::uint64_t>(kCopyRows, count - done);
    buffer.resize(n * row_bytes);
    hsize_t from_start[2] = {first + done, 0}, to_start[2] = {done, 0}, block[2] = {n, width};
    Handle memory(H5Screate_simple(rank, block, nullptr));
    H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, from_start, nullptr, block, nullptr);
    if (H5Dread(source.get(), type.get(), memory.get(), space.get(), H5P_DEFAULT, buffer.data()) < 0)
      throw Error(where + ": cannot read " + path + " (a damaged store?)");
    adjust(buffer.data(), n, first + done);
    H5Sselect_hyperslab(out_space.get(), H5S_SELECT_SET, to_start, nullptr, block, nullptr);
    const herr_t written = H5Dwrite(target.get(), type.get(), memory.get(), out_space.get(), H5P_DEFAULT, buffer.data());
    if (strings) H5Dvlen_reclaim(type.get(), memory.get(), H5P_DEFAULT, buffer.data());
    if (written < 0) throw Error(where + ": cannot write " + path + " (is the disk full?)");
    done += n;
  }
  copy_attributes(source.get(), target.get(), where);
}

void copy_rows(hid_t from, hid_t to, const std::string& path, std::uint64_t first, std::uint64_t count,
               const std::string& where) {
  copy_rows(from, to, path, first, count, where, [](char*, std::uint64_t, std::uint64_t) {});
}

// Writes one shard: rows [first, first + rows) of `source` into `path`.
void write_shard(const hdf5::File& source, const ShardManifest& manifest,
                 std::size_t index, const std::string& path) {
  const Shard& shard = manifest.shards[index];
  const std::uint64_t first = shard.first_row, n = shard.rows;
  const hdf5::StoreHeader header = hdf5::read_store_header(source);
  hdf5::StoreWriter out(path, header.schema, header.schema_version);
  const hid_t from = source.id(), to = out.file().id();
  {
    Handle root_from(H5Oopen(from, "/", H5P_DEFAULT)), root_to(H5Oopen(to, "/", H5P_DEFAULT));
    copy_attributes(root_from.get(), root_to.get(), path);
  }
  std::vector<std::string> sliced;  // datasets handled below
  for (const Ragged& r : ragged()) {
    if (!source.exists(r.offsets)) continue;
    const std::vector<std::int64_t> offsets = source.read_rows<std::int64_t>(r.offsets, first, n + 1);
    copy_rows(from, to, r.offsets, first, n + 1, path, [&](char* data, std::uint64_t count, std::uint64_t) {
      auto* values = reinterpret_cast<std::int64_t*>(data);
      for (std::uint64_t i = 0; i < count; ++i) values[i] -= offsets.front();
    });
    for (const std::string& data : r.data)
      copy_rows(from, to, data, static_cast<std::uint64_t>(offsets.front()),
                static_cast<std::uint64_t>(offsets.back() - offsets.front()), path);
    sliced.push_back(r.offsets);
    sliced.insert(sliced.end(), r.data.begin(), r.data.end());
  }
  // A copy whose first occurrence is in an earlier shard is a first occurrence here.
  std::uint64_t duplicates = 0;
  copy_rows(from, to, "/molecules/duplicate_of", first, n, path, [&](char* data, std::uint64_t count, std::uint64_t) {
    auto* rows = reinterpret_cast<std::int64_t*>(data);
    for (std::uint64_t i = 0; i < count; ++i) {
      rows[i] = rows[i] >= static_cast<std::int64_t>(first) ? rows[i] - static_cast<std::int64_t>(first) : -1;
      duplicates += rows[i] >= 0;
    }
  });
  sliced.push_back("/molecules/duplicate_of");
  for (const auto& [name, type] : objects(from)) {
    if (type == H5O_TYPE_GROUP) {
      if (!out.file().exists(name)) out.file().create_group(name);
      Handle g_from(H5Oopen(from, name.c_str(), H5P_DEFAULT)), g_to(H5Oopen(to, name.c_str(), H5P_DEFAULT));
      copy_attributes(g_from.get(), g_to.get(), path);
    } else if (type == H5O_TYPE_DATASET && std::find(sliced.begin(), sliced.end(), name) == sliced.end()) {
      if (describes_store(name))
        copy_rows(from, to, name, 0, source.shape(name).front(), path);
      else
        copy_rows(from, to, name, first, n, path);
    }
  }
  // The counts of the shard's own rows.
  const std::vector<std::int8_t> status = source.read_rows<std::int8_t>("/molecules/status", first, n);
  const auto valid = static_cast<std::int64_t>(std::count(status.begin(), status.end(), 0));
  hdf5::File& f = out.file();
  f.set_attribute("/", "records", static_cast<std::int64_t>(n));
  f.set_attribute("/", "valid", valid);
  f.set_attribute("/", "invalid", static_cast<std::int64_t>(n) - valid);
  f.set_attribute("/", "duplicates", static_cast<std::int64_t>(duplicates));
  if (source.exists("/alerts/offsets")) {
    const auto offsets = source.read_rows<std::int64_t>("/alerts/offsets", first, n + 1);
    std::int64_t with_alerts = 0;
    for (std::uint64_t i = 0; i < n; ++i) with_alerts += offsets[i + 1] > offsets[i];
    f.set_attribute("/", "with_alerts", with_alerts);
    for (const std::string& family : f.list("/alerts/counts")) {
      const std::string counts = "/alerts/counts/" + family;
      const auto hits = source.read_rows<std::int16_t>(counts, first, n);
      f.set_attribute(counts, "molecules_hit",
                      static_cast<std::int64_t>(std::count_if(hits.begin(), hits.end(), [](std::int16_t h) { return h > 0; })));
    }
  }
  f.set_attribute("/", "shard_index", static_cast<std::int64_t>(index));
  f.set_attribute("/", "shard_count", static_cast<std::int64_t>(manifest.shards.size()));
  f.set_attribute("/", "shard_first_row", static_cast<std::int64_t>(first));
  f.set_attribute("/", "shard_source", manifest.source);
  f.set_attribute("/", "shard_source_sha256", manifest.source_sha256);
  out.commit();
}

nlohmann::json to_json(const ShardManifest& m) {
  nlohmann::json shards = nlohmann::json::array();
  for (const Shard& s : m.shards)
    shards.push_back({{"file", s.file}, {"sha256", s.sha256}, {"first_row", s.first_row}, {"rows", s.rows}});
  return {{"source", m.source}, {"source_sha256", m.source_sha256}, {"rows", m.rows},
          {"align", m.align},   {"shards", shards}};
}

}  // namespace

int ShardManifest::find(const std::string& sha256) const {
  for (std::size_t k = 0; k < shards.size(); ++k)
    if (shards[k].sha256 == sha256) return static_cast<int>(k);
  return -1;
}

std::string ShardManifest::describe(std::size_t index) const {
  const Shard& s = shards[index];
  return "shard " + std::to_string(index) + " (" + s.file + ", rows " + std::to_string(s.first_row) + "-" +
         std::to_string(s.first_row + s.rows - 1) + ")";
}

ShardManifest write_shards(const std::string& library, unsigned count, std::uint64_t align, const std::string& dir) {
  if (count == 0) throw Error(library + ": cannot split into 0 shards");
  if (align == 0) align = 1;
  const chem::LibraryReader reader(library);  // checks it is a finished library store
  const hdf5::File source(library, hdf5::File::Mode::ReadOnly);
  ShardManifest m;
  m.source = library;
  m.source_sha256 = sha256_file(library);
  m.rows = reader.size();
  m.align = align;
  // Equal shards of whole blocks of `align` rows; the last takes the rest.
  const std::uint64_t blocks = (m.rows + align - 1) / align;
  if (blocks < count)
    throw Error(library + ": " + std::to_string(m.rows) + " rows make fewer than " + std::to_string(count) +
                " shards of whole " + std::to_string(align) + "-row chunks (use fewer shards or a smaller --align)");
  fs::create_directories(dir);
  m.path = (fs::path(dir) / kManifest).string();
  if (fs::exists(m.path)) throw Error(m.path + ": exists (shard into an empty folder)");
  for (unsigned k = 0, block = 0; k < count; ++k) {
    const std::uint64_t take = blocks / count + (k < blocks % count ? 1 : 0);
    Shard s;
    char name[32];
    std::snprintf(name, sizeof name, "shard-%04u.h5", k);
    s.file = name;
    s.first_row = block * align;
    s.rows = std::min<std::uint64_t>(m.rows, (block + take) * align) - s.first_row;
    block += static_cast<unsigned>(take);
    m.shards.push_back(s);
  }
  for (std::size_t k = 0; k < m.shards.size(); ++k) {
    const std::string path = (fs::path(dir) / m.shards[k].file).string();
    write_shard(source, m, k, path);
    m.shards[k].sha256 = sha256_file(path);
  }
  // Written last (write_whole_file renames it into place whole): a manifest names only whole shards.
  write_whole_file(m.path, to_json(m).dump(2) + "\n");
  return m;
}

ShardManifest read_shard_manifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read the shard manifest");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = parse_json_document(text.str(), path);
  const JsonNode root(doc, "", path);
  root.allow({"source", "source_sha256", "rows", "align", "shards"});
  ShardManifest m;
  m.path = path;
  auto whole = [](const JsonNode& node) {
    if (!node.raw().is_number_unsigned()) node.fail("expected a whole number");
    return node.raw().get<std::uint64_t>();
  };
  auto text_of = [](const JsonNode& node) {
    if (!node.is_string()) node.fail("expected a string");
    return node.raw().get<std::string>();
  };
  m.source = text_of(root.at("source"));
  m.source_sha256 = text_of(root.at("source_sha256"));
  m.rows = whole(root.at("rows"));
  m.align = whole(root.at("align"));
  const JsonNode shards = root.at("shards");
  std::uint64_t next = 0;
  for (std::size_t k = 0; k < shards.size(); ++k) {
    const JsonNode s = shards.element(k);
    s.allow({"file", "sha256", "first_row", "rows"});
    m.shards.push_back({text_of(s.at("file")), text_of(s.at("sha256")), whole(s.at("first_row")), whole(s.at("rows"))});
    if (m.shards.back().first_row != next) s.at("first_row").fail("expected " + std::to_string(next) + ", where the previous shard ends");
    next += m.shards.back().rows;
  }
  if (next != m.rows) root.at("rows").fail("the shards hold " + std::to_string(next) + " rows");
  return m;
}

}  // namespace molsieve::workflows
