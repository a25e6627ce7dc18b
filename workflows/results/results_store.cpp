#include "workflows/results/results_store.h"

#include <set>

#include "core/error.h"
#include "core/timestamp.h"
#include "workflows/results/export.h"

namespace molsieve::workflows {
namespace {

const std::string kSchema = "molsieve results store";
const std::string kResults = "/results";
const std::string kSelectionRows = "/selection/index";
const std::string kSelectionScores = "/selection/score";
const std::string kScoreTerms = "/score_terms";
const std::string kProvenance = "/provenance";
const std::string kPoolRows = "/pool/rows";
const std::string kPoolFingerprints = "/pool/fingerprints";
const std::string kInputPrefix = "input:";

}  // namespace

const char* const kDuplicateColumn = "duplicate";
const char* const kDuplicateOfColumn = "duplicate_of";
const char* const kCopiesColumn = "copies";

std::vector<std::string> stored_input_names(const std::vector<std::string>& library_columns,
                                            const std::vector<std::string>& result_columns,
                                            const std::string& output) {
  std::set<std::string> molsieve(result_columns.begin(), result_columns.end());
  molsieve.insert(kPosition);
  std::set<std::string> taken = molsieve;
  std::vector<std::string> stored;
  for (const auto& name : library_columns) {
    stored.push_back(molsieve.count(name) ? kInputPrefix + name : name);
    if (!taken.insert(stored.back()).second)
      throw Error(output + ": the library column '" + name + "' would be stored as '" + stored.back() +
                  "', which another column has; rename one of them in the library");
  }
  return stored;
}

ResultsWriter::ResultsWriter(std::string path) : store_(std::move(path), kSchema, kResultsSchemaVersion) {
  store_.file().set_attribute("/", "tool_version", std::string(MOLSIEVE_VERSION));
  store_.file().set_attribute("/", "created", utc_timestamp());
  results_ = std::make_unique<TableWriter>(store_.file(), kResults);
}

ResultsWriter::~ResultsWriter() = default;

void ResultsWriter::append_results(const ResultTable& piece) { results_->append(piece); }

void ResultsWriter::write_selection(const std::vector<std::int64_t>& rows, const std::vector<double>& scores) {
  hdf5::AppendableDataset(store_.file(), kSelectionRows, hdf5::Type::Int64, 0, 1024).append(rows);
  hdf5::AppendableDataset(store_.file(), kSelectionScores, hdf5::Type::Float64, 0, 1024).append(scores);
}

void ResultsWriter::write_score_terms(const std::vector<ScoreTerm>& terms) {
  ResultTable t;
  auto& name = t.add("name", ColumnKind::Text).texts;
  auto& kind = t.add("kind", ColumnKind::Text).texts;
  auto& value = t.add("value", ColumnKind::Text).texts;
  auto& spread = t.add("spread", ColumnKind::Text).texts;
  auto& domain = t.add("domain", ColumnKind::Text).texts;
  auto& desirability = t.add("desirability", ColumnKind::Text).texts;
  auto& weight = t.add("weight", ColumnKind::Number).numbers;
  for (const ScoreTerm& term : terms) {
    name.push_back(term.name);
    kind.push_back(term.kind);
    value.push_back(term.value);
    spread.push_back(term.spread);
    domain.push_back(term.domain);
    desirability.push_back(term.desirability);
    weight.push_back(term.weight);
  }
  write_table(store_.file(), kScoreTerms, t);
}

void ResultsWriter::write_pool(const SelectionPool& pool) {
  hdf5::File& f = store_.file();
  hdf5::AppendableDataset(f, kPoolRows, hdf5::Type::UInt64, 0, 1024).append(pool.rows);
  hdf5::AppendableDataset(f, kPoolFingerprints, hdf5::Type::UInt64, pool.words, 64).append(pool.fingerprints);
  f.set_attribute("/pool", "keep", static_cast<std::int64_t>(pool.keep));
  f.set_attribute("/pool", "size", static_cast<std::int64_t>(pool.size));
  f.set_attribute("/pool", "diversity", pool.diversity);
}

void ResultsWriter::write_provenance(const ResultsProvenance& p) {
  hdf5::File& f = store_.file();
  f.create_group(kProvenance);
  f.set_attribute(kProvenance, "job_file", p.job_file);
  f.set_attribute(kProvenance, "job_name", p.job_name);
  f.set_attribute(kProvenance, "job", p.job_text);
  f.set_attribute(kProvenance, "job_sha256", p.job_sha256);
  f.set_attribute(kProvenance, "campaign_sha256", p.campaign_sha256);
  f.set_attribute(kProvenance, "library", p.library);
  f.set_attribute(kProvenance, "library_sha256", p.library_sha256);
  f.set_attribute(kProvenance, "models", p.models);
  f.set_attribute(kProvenance, "model_paths", p.model_paths);
  f.set_attribute(kProvenance, "model_sha256", p.model_sha256);
  f.set_attribute(kProvenance, "model_cards", p.model_cards);
  f.set_attribute(kProvenance, "model_roles", p.model_roles);
  f.set_attribute(kProvenance, "references", p.references);
  f.set_attribute(kProvenance, "references_sha256", p.references_sha256);
  f.set_attribute(kProvenance, "chunk_size", p.chunk_size);
  f.set_attribute(kProvenance, "device", p.device);
}

void ResultsWriter::write_input_columns(const std::vector<std::string>& stored,
                                        const std::vector<std::string>& library) {
  store_.file().set_attribute(kResults, "input_columns", stored);
  store_.file().set_attribute(kResults, "input_column_sources", library);
}

void ResultsWriter::commit(const ResultsCounts& counts) {
  results_->finish();
  results_.reset();
  hdf5::File& f = store_.file();
  f.set_attribute("/", "rows", counts.rows);
  f.set_attribute("/", "valid", counts.valid);
  f.set_attribute("/", "passed_filters", counts.passed_filters);
  f.set_attribute("/", "selected", counts.selected);
  f.set_attribute("/", "copies", counts.copies);
  f.set_attribute("/", "selection_rule", counts.selection_rule);
  store_.commit();
}

ResultsStore::ResultsStore(const std::string& path) : file_(path, hdf5::File::Mode::ReadOnly) {
  const hdf5::StoreHeader header = hdf5::read_store_header(file_);
  if (header.schema != kSchema) throw Error(path + ": not a molsieve results store");
  if (!header.complete)
    throw Error(path + ": the results store is incomplete (the screen was interrupted; finish it with --resume)");
}

const std::string& ResultsStore::results_group() { return kResults; }

std::uint64_t ResultsStore::rows() const { return table_rows(file_, kResults); }

std::vector<std::pair<std::string, ColumnKind>> ResultsStore::columns() const { return table_columns(file_, kResults); }

ResultTable ResultsStore::read(std::uint64_t first, std::uint64_t count, const std::vector<std::string>& names) const {
  return read_table(file_, kResults, first, count, names);
}

std::vector<std::int64_t> ResultsStore::selection() const { return file_.read<std::int64_t>(kSelectionRows); }

std::vector<ScoreTerm> ResultsStore::score_terms() const {
  std::vector<ScoreTerm> terms;
  if (!file_.exists(kScoreTerms)) return terms;
  const ResultTable t = read_table(file_, kScoreTerms, 0, table_rows(file_, kScoreTerms));
  for (std::size_t i = 0; i < t.rows(); ++i)
    terms.push_back({t.at("name").texts[i], t.at("kind").texts[i], t.at("value").texts[i], t.at("spread").texts[i],
                     t.at("domain").texts[i], t.at("desirability").texts[i], t.at("weight").numbers[i]});
  return terms;
}

bool ResultsStore::has_pool() const { return file_.exists(kPoolRows); }

SelectionPool ResultsStore::pool() const {
  if (!has_pool()) throw Error(path() + ": has no selection pool (written before molsieve kept one; screen it again)");
  SelectionPool pool;
  pool.rows = file_.read<std::uint64_t>(kPoolRows);
  std::vector<std::uint64_t> shape;
  pool.fingerprints = file_.read<std::uint64_t>(kPoolFingerprints, &shape);
  pool.words = shape.size() == 2 ? static_cast<unsigned>(shape[1]) : 0;
  pool.keep = static_cast<std::uint64_t>(file_.int_attribute("/pool", "keep"));
  pool.size = static_cast<std::uint64_t>(file_.int_attribute("/pool", "size"));
  pool.diversity = file_.double_attribute("/pool", "diversity");
  return pool;
}

ResultsProvenance ResultsStore::provenance() const {
  const hdf5::File& f = file_;
  ResultsProvenance p;
  p.job_file = f.string_attribute(kProvenance, "job_file");
  p.job_name = f.string_attribute(kProvenance, "job_name");
  p.job_text = f.string_attribute(kProvenance, "job");
  p.job_sha256 = f.string_attribute(kProvenance, "job_sha256");
  if (f.has_attribute(kProvenance, "campaign_sha256")) p.campaign_sha256 = f.string_attribute(kProvenance, "campaign_sha256");
  p.library = f.string_list_attribute(kProvenance, "library");
  p.library_sha256 = f.string_list_attribute(kProvenance, "library_sha256");
  p.models = f.string_list_attribute(kProvenance, "models");
  p.model_paths = f.string_list_attribute(kProvenance, "model_paths");
  p.model_sha256 = f.string_list_attribute(kProvenance, "model_sha256");
  p.model_cards = f.string_list_attribute(kProvenance, "model_cards");
  p.model_roles = f.string_list_attribute(kProvenance, "model_roles");
  p.references = f.string_attribute(kProvenance, "references");
  p.references_sha256 = f.string_attribute(kProvenance, "references_sha256");
  p.chunk_size = f.int_attribute(kProvenance, "chunk_size");
  p.device = f.string_attribute(kProvenance, "device");
  return p;
}

ResultsCounts ResultsStore::counts() const {
  ResultsCounts c;
  c.rows = file_.int_attribute("/", "rows");
  c.valid = file_.int_attribute("/", "valid");
  c.passed_filters = file_.int_attribute("/", "passed_filters");
  c.selected = file_.int_attribute("/", "selected");
  if (file_.has_attribute("/", "copies")) c.copies = file_.int_attribute("/", "copies");
  if (file_.has_attribute("/", "selection_rule")) c.selection_rule = file_.string_attribute("/", "selection_rule");
  return c;
}

std::vector<std::string> ResultsStore::input_columns() const {
  if (!file_.has_attribute(kResults, "input_columns")) return {};
  return file_.string_list_attribute(kResults, "input_columns");
}

std::vector<std::string> ResultsStore::input_column_sources() const {
  if (!file_.has_attribute(kResults, "input_column_sources")) return {};
  return file_.string_list_attribute(kResults, "input_column_sources");
}

std::string ResultsStore::tool_version() const { return file_.string_attribute("/", "tool_version"); }
std::string ResultsStore::created() const { return file_.string_attribute("/", "created"); }

bool ResultsStore::is_complete(const std::string& path) {
  if (!hdf5::is_hdf5_file(path)) return false;
  return hdf5::read_store_header(hdf5::File(path, hdf5::File::Mode::ReadOnly)).complete;
}

std::string ResultsStore::job_fingerprint(const std::string& path) {
  const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  return file.has_attribute(kProvenance, "job_sha256") ? file.string_attribute(kProvenance, "job_sha256")
                                                       : std::string();
}

}  // namespace molsieve::workflows
