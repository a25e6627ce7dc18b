// Where a population comes from: a real PostgreSQL server, started by the suite, holding the
// CDM tables of a synthetic export gives the same population store as the CSV files do;
// errors name the database and table, never the password; a SYNTHETIC population stays
// marked through an OMOP CSV export and re-import (the cdm_source table).
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "cohort/population.h"
#include "population_compare.h"
#include "test_support.h"

namespace molsieve::cohort {
namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A throwaway PostgreSQL cluster listening only on a Unix socket in its own folder, with
// trust authentication for the user `molsieve`. The server refuses to run as root, so under
// root it runs as the `postgres` account the Debian package creates.
class PostgresServer {
 public:
  explicit PostgresServer(const test::ScratchDir& dir) : dir_(dir), root_(dir.file("pg")) {
    const test::CommandRun bindir = test::run_command(dir, "pg_config --bindir");
    if (bindir.status != 0) throw std::runtime_error("pg_config not found (scripts/setup.sh installs libpq-dev)");
    bin_ = trimmed(bindir.out);
    fs::create_directories(root_);
    std::string as_server;
    if (geteuid() == 0) {
      const passwd* account = getpwnam("postgres");
      if (!account) throw std::runtime_error("no postgres account (scripts/setup.sh installs postgresql)");
      chmod(dir.path().c_str(), 0711);
      if (chown(root_.c_str(), account->pw_uid, account->pw_gid) != 0) throw std::runtime_error("chown failed");
      as_server = "runuser -u postgres -- ";
    }
    run(as_server + bin_ + "/initdb -D " + root_ + "/data -U molsieve -A trust -E UTF8 --no-sync");
    run(as_server + bin_ + "/pg_ctl -D " + root_ + "/data -l " + root_ + "/server.log -w -o \"-k " + root_ +
        " -c listen_addresses=''\" start");
    stop_ = as_server + bin_ + "/pg_ctl -D " + root_ + "/data -m immediate -w stop";
  }
  ~PostgresServer() {
    test::run_command(dir_, stop_);
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  // Runs SQL (psql's \copy included) against the server's postgres database.
  void sql(const std::string& script) const {
    test::write_text(dir_.file("script.sql"), script);
    run("psql -v ON_ERROR_STOP=1 -q -h " + root_ + " -U molsieve -d postgres -f " + dir_.file("script.sql"));
  }
  std::string uri(const std::string& credentials = "molsieve") const {
    return "postgresql://" + credentials + "@/postgres?host=" + root_;
  }

 private:
  void run(const std::string& command) const {
    const test::CommandRun r = test::run_command(dir_, command);
    if (r.status != 0)
      throw std::runtime_error(command + " failed: " + r.err + r.out + test::read_text(root_ + "/server.log"));
  }

  const test::ScratchDir& dir_;
  std::string root_, bin_, stop_;
};

// Creates `schema` with the CDM 5.4 tables (tests/data/omop_cdm_postgresql.sql) and loads
// every CSV file of `folder` into its table (the columns named by the file's header).
void load_omop_csv(const PostgresServer& server, const std::string& folder, const std::string& schema) {
  std::string script = "CREATE SCHEMA " + schema + ";\nSET search_path TO " + schema + ";\n" +
                       test::read_text(test::test_data("omop_cdm_postgresql.sql"));
  for (const auto& name : test::list_dir(folder)) {
    if (fs::path(name).extension() != ".csv") continue;
    const auto header = test::read_csv(folder + "/" + name).at(0);
    std::string columns;
    for (const auto& c : header) columns += (columns.empty() ? "" : ", ") + c;
    script += "\\copy " + schema + "." + fs::path(name).stem().string() + " (" + columns + ") FROM '" + folder + "/" +
              name + "' WITH (FORMAT csv, HEADER true)\n";
  }
  server.sql(script);
}

class OmopPostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    server_.emplace(*dir_);
    ASSERT_EQ(test::molsieve(*dir_, "synth-population --size 1500 --seed 5 --format omop-csv -o " +
                                        dir_->file("omop") + " -q").status, 0);
    load_omop_csv(*server_, dir_->file("omop"), "cdm");
  }
  static void TearDownTestSuite() {
    server_.reset();
    dir_.reset();
  }
  static inline std::optional<test::ScratchDir> dir_;
  static inline std::optional<PostgresServer> server_;
};

TEST_F(OmopPostgres, ImportFromTheDatabaseEqualsTheImportOfItsCsvFiles) {
  const auto from_csv = test::molsieve(*dir_, "import-population --omop " + dir_->file("omop") + " -o " +
                                                  dir_->file("csv.h5") + " -q");
  ASSERT_EQ(from_csv.status, 0) << from_csv.err;
  const auto from_db = test::molsieve(*dir_, "import-population --omop '" + server_->uri() + "' --schema cdm -o " +
                                                 dir_->file("db.h5") + " --slice 400");
  ASSERT_EQ(from_db.status, 0) << from_db.err;
  EXPECT_NE(from_db.err.find("copied measurement"), std::string::npos) << from_db.err;
  EXPECT_EQ(read_population_info(dir_->file("db.h5")).persons, 1500u);
  expect_same_store(dir_->file("csv.h5"), dir_->file("db.h5"));
  const auto provenance = read_population_info(dir_->file("db.h5")).provenance;
  EXPECT_TRUE(provenance.synthetic);
  EXPECT_NE(provenance.source.find("schema cdm"), std::string::npos) << provenance.source;
  EXPECT_FALSE(fs::exists(dir_->file("db.h5.import-tables")));
}

TEST_F(OmopPostgres, MissingRequiredTableIsNamedWithTheSchema) {
  server_->sql("CREATE SCHEMA partial; CREATE TABLE partial.person (person_id integer);");
  const auto r = test::molsieve(*dir_, "import-population --omop '" + server_->uri() + "' --schema partial -o " +
                                           dir_->file("partial.h5"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("schema partial: no table observation_period"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_->file("partial.h5")));
}

TEST_F(OmopPostgres, FailedConnectionNamesTheServerButNotThePassword) {
  const auto r = test::molsieve(*dir_, "import-population --omop 'postgresql://molsieve:s3cret@/postgres?host=" +
                                           dir_->file("no-such-socket") + "' -o " + dir_->file("none.h5"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("postgresql://molsieve@"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
}

// A synthetic population's OMOP CSV export in `dir`/omop.
void export_synthetic(const test::ScratchDir& dir, int persons) {
  ASSERT_EQ(test::molsieve(dir, "synth-population --size " + std::to_string(persons) + " --format omop-csv -o " +
                                    dir.file("omop") + " -q").status, 0);
}

// The provenance of the store that import-population makes of `dir`/omop.
PopulationProvenance imported_provenance(const test::ScratchDir& dir, const std::string& store) {
  const auto r = test::molsieve(dir, "import-population --omop " + dir.file("omop") + " -o " + dir.file(store) + " -q");
  EXPECT_EQ(r.status, 0) << r.err;
  return read_population_info(dir.file(store)).provenance;
}

TEST(OmopCsvSource, SyntheticPopulationStaysMarkedThroughExportAndImport) {
  test::ScratchDir dir;
  export_synthetic(dir, 200);
  const auto csv = test::read_csv(dir.file("omop/cdm_source.csv"));
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_EQ(csv[1][1], "SYNTHETIC");
  const auto provenance = imported_provenance(dir, "p.h5");
  EXPECT_TRUE(provenance.synthetic);
  EXPECT_NE(provenance.source.find("SYNTHETIC: not real patients"), std::string::npos) << provenance.source;
}

TEST(OmopCsvSource, SourceWithoutCdmSourceOrCallingItselfRealIsNotSynthetic) {
  test::ScratchDir dir;
  export_synthetic(dir, 50);
  fs::remove(dir.file("omop/cdm_source.csv"));
  EXPECT_FALSE(imported_provenance(dir, "a.h5").synthetic);
  test::write_text(dir.file("omop/cdm_source.csv"),
                   "cdm_source_name,cdm_source_abbreviation,cdm_holder,source_description\n"
                   "Hospital EHR,HEHR,Hospital,\"Electronic records, 2010-2024\"\n");
  const auto provenance = imported_provenance(dir, "b.h5");
  EXPECT_FALSE(provenance.synthetic);
  EXPECT_NE(provenance.source.find("Hospital EHR; Electronic records, 2010-2024"), std::string::npos) << provenance.source;
}

TEST(OmopCsvSource, SchemaWithACsvFolderIsRefused) {
  test::ScratchDir dir;
  const auto r = test::molsieve(dir, "import-population --omop " + dir.path() + " --schema cdm -o " + dir.file("x.h5"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--schema: only for a PostgreSQL --omop"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace molsieve::cohort
