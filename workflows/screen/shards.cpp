#include "workflows/screen/shards.h"

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

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;

const std::string kManifest = "manifest.json";

// Writes one shard: its rows of `source`, and which shard of which library it is.
void write_shard(const chem::LibraryReader& source, const ShardManifest& manifest, std::size_t index,
                 const std::string& path) {
  const Shard& shard = manifest.shards[index];
  chem::write_library_rows(source, shard.first_row, shard.rows, path, [&](hdf5::File& f) {
    f.set_attribute("/", "shard_index", static_cast<std::int64_t>(index));
    f.set_attribute("/", "shard_count", static_cast<std::int64_t>(manifest.shards.size()));
    f.set_attribute("/", "shard_first_row", static_cast<std::int64_t>(shard.first_row));
    f.set_attribute("/", "shard_source", manifest.source);
    f.set_attribute("/", "shard_source_sha256", manifest.source_sha256);
  });
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
    write_shard(reader, m, k, path);
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
