#include "cohort/omop_database.h"

#include <libpq-fe.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/error.h"

namespace molsieve::cohort {
namespace {

namespace fs = std::filesystem;

struct Table {
  const char* name;
  bool required;
};
// cohort/omop_csv.h reads these files; the optional ones add genotypes, the source's
// description (its SYNTHETIC mark) and the vocabulary.
constexpr Table kTables[] = {{"person", true},         {"observation_period", true}, {"condition_occurrence", true},
                             {"drug_exposure", true},  {"measurement", true},        {"genotype", false},
                             {"cdm_source", false},    {"concept", false},           {"concept_ancestor", false}};

constexpr std::uint64_t kProgressBytes = 1 << 20;

// libpq's messages end in a newline and may run over several lines: the first is the reason.
std::string first_line(const char* message) {
  std::string text = message ? message : "";
  if (const auto end = text.find('\n'); end != std::string::npos) text.resize(end);
  return text.empty() ? "unknown error" : text;
}

struct ConnectionCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

class Database {
 public:
  explicit Database(const std::string& uri) : name_(describe_database(uri)), connection_(PQconnectdb(uri.c_str())) {
    if (!connection_ || PQstatus(connection_.get()) != CONNECTION_OK)
      throw Error(name_ + ": cannot connect: " + first_line(PQerrorMessage(connection_.get())));
    // ISO dates are what the CSV reader parses; 17 significant digits keep every double.
    command("SET DateStyle TO ISO, YMD; SET extra_float_digits TO 3; SET client_encoding TO 'UTF8'");
  }
  const std::string& name() const { return name_; }

  std::string identifier(const std::string& text) const {
    char* quoted = PQescapeIdentifier(connection_.get(), text.c_str(), text.size());
    if (!quoted) throw Error(name_ + ": cannot quote '" + text + "': " + first_line(PQerrorMessage(connection_.get())));
    std::string out = quoted;
    PQfreemem(quoted);
    return out;
  }

  bool has_relation(const std::string& qualified) const {
    const char* values[] = {qualified.c_str()};
    const Result r(PQexecParams(connection_.get(), "SELECT to_regclass($1) IS NOT NULL", 1, nullptr, values, nullptr,
                                nullptr, 0));
    check(r.get(), PGRES_TUPLES_OK, "looking up " + qualified);
    return std::strcmp(PQgetvalue(r.get(), 0, 0), "t") == 0;
  }

  // Streams `qualified` as CSV with a header into `path`.
  void copy_to_csv(const std::string& table, const std::string& qualified, const std::string& path,
                   const std::function<void(const TableCopyProgress&)>& progress) const {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!out) throw Error(path + ": cannot write: " + std::strerror(errno));
    {
      const Result started(PQexec(connection_.get(),
                                  ("COPY (SELECT * FROM " + qualified + ") TO STDOUT WITH (FORMAT csv, HEADER true)").c_str()));
      check(started.get(), PGRES_COPY_OUT, "copying " + qualified);
    }
    TableCopyProgress status{table, 0, false};
    std::uint64_t reported = 0;
    char* buffer = nullptr;
    int length = 0;
    while ((length = PQgetCopyData(connection_.get(), &buffer, 0)) > 0) {
      const std::size_t written = std::fwrite(buffer, 1, static_cast<std::size_t>(length), out.get());
      PQfreemem(buffer);
      if (written != static_cast<std::size_t>(length))
        throw Error(path + ": write failed: " + std::strerror(errno));
      status.bytes += static_cast<std::uint64_t>(length);
      if (progress && status.bytes - reported >= kProgressBytes) {
        reported = status.bytes;
        progress(status);
      }
    }
    if (length == -2) throw Error(name_ + ": copying " + qualified + ": " + first_line(PQerrorMessage(connection_.get())));
    const Result finished(PQgetResult(connection_.get()));
    check(finished.get(), PGRES_COMMAND_OK, "copying " + qualified);
    while (PGresult* rest = PQgetResult(connection_.get())) PQclear(rest);
    if (std::fclose(out.release()) != 0) throw Error(path + ": write failed: " + std::strerror(errno));
    status.done = true;
    if (progress) progress(status);
  }

 private:
  void command(const char* sql) const {
    const Result r(PQexec(connection_.get(), sql));
    check(r.get(), PGRES_COMMAND_OK, "setting up the session");
  }
  void check(const PGresult* r, ExecStatusType expected, const std::string& doing) const {
    if (!r || PQresultStatus(r) != expected)
      throw Error(name_ + ": " + doing + ": " +
                  first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(connection_.get())));
  }

  std::string name_;
  Connection connection_;
};

}  // namespace

bool is_database_uri(const std::string& source) {
  return source.rfind("postgresql://", 0) == 0 || source.rfind("postgres://", 0) == 0;
}

std::string describe_database(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (!options) {
    const std::string reason = first_line(error);
    PQfreemem(error);
    throw Error("--omop: not a PostgreSQL connection URI: " + reason);
  }
  std::string host, port, dbname, user;
  for (const PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string key = o->keyword;
    if (key == "host") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
    if (key == "user") user = o->val;
  }
  PQconninfoFree(options);
  return "postgresql://" + (user.empty() ? "" : user + "@") + host + (port.empty() ? "" : ":" + port) + "/" + dbname;
}

void copy_omop_tables(const std::string& uri, const std::string& schema, const std::string& folder,
                      const std::function<void(const TableCopyProgress&)>& progress) {
  const Database db(uri);
  const std::string where = db.name() + " schema " + schema;
  fs::create_directories(folder);
  for (const Table& t : kTables) {
    const std::string qualified = db.identifier(schema) + "." + db.identifier(t.name);
    if (!db.has_relation(qualified)) {
      if (t.required) throw Error(where + ": no table " + t.name + " (an OMOP CDM table molsieve needs)");
      continue;
    }
    db.copy_to_csv(t.name, qualified, (fs::path(folder) / (std::string(t.name) + ".csv")).string(), progress);
  }
}

}  // namespace molsieve::cohort
