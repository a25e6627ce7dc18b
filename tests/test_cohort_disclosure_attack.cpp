// Disclosure control of the counts a cohort run shares: an attack on every shared output of
// several cohorts through the executable, as a reader of them would work the counts out.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/hdf5_file.h"
#include "test_support.h"
#include "workflows/cohort_job/disclosure.h"

namespace molsieve {
namespace {

using test::CommandRun;
using test::molsieve;
using workflows::kSuppressedMark;

const std::string kSource = MOLSIEVE_SOURCE_DIR;
const std::string kExample = kSource + "/datasets/cohorts/example.json";
const std::string kQuotas = kSource + "/datasets/cohorts/example_quotas.json";

// The reader's knowledge: per cell ("r3" remaining after step 3, "d3" removed, "a3" removed
// alone, "i3" decided by if_missing, "e:race:Asian" eligible, "s:..." selected, "lo:", "hi:"
// quota bounds, "sf:" shortfall, "m" the cohort's size, "c:sex:female:selected" a
// characterization count), the value some output showed.
struct Reader {
  std::map<std::string, std::int64_t> known;
  std::set<std::string> hidden;

  void see(const std::string& cell, std::string text, const std::string& where) {
    text.erase(std::remove(text.begin(), text.end(), ','), text.end());
    if (text == kSuppressedMark || text == "<5") {
      hidden.insert(cell);
      return;
    }
    ASSERT_FALSE(text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        << where << ": " << cell << " shows '" << text << "'";
    const std::int64_t v = std::stoll(text);
    const auto [at, fresh] = known.emplace(cell, v);
    EXPECT_TRUE(fresh || at->second == v) << where << ": " << cell << " shows " << v << ", elsewhere " << at->second;
  }
};

// What the run really counted, and the facts relating the counts that anyone who knows how
// molsieve counts can use (each holds for these counts).
struct Truth {
  std::map<std::string, std::int64_t> value;
  std::set<std::string> patients;  // counts of patients: a value from 1 to 4 must stay hidden
  std::vector<std::vector<std::pair<std::string, double>>> equations;  // Σ coefficient × cell = 0
  std::size_t steps = 0;

  explicit Truth(const std::string& store_path) {
    const hdf5::File store(store_path, hdf5::File::Mode::ReadOnly);
    const auto r = store.read<std::int64_t>("/attrition/remaining"), d = store.read<std::int64_t>("/attrition/removed"),
               a = store.read<std::int64_t>("/attrition/removed_alone"),
               i = store.read<std::int64_t>("/attrition/decided_if_missing");
    steps = r.size();
    auto k_ = [](const char* p, std::size_t k) { return p + std::to_string(k); };
    for (std::size_t k = 0; k < steps; ++k) {
      for (const auto& [name, v] : {std::pair{k_("r", k), r[k]}, std::pair{k_("d", k), d[k]}, std::pair{k_("a", k), a[k]},
                                    std::pair{k_("i", k), i[k]}}) {
        value[name] = v;
        patients.insert(name);
      }
      if (k > 0) equations.push_back({{k_("r", k - 1), 1}, {k_("r", k), -1}, {k_("d", k), -1}});
      if (k == 1 || k == 2) equations.push_back({{k_("a", k), 1}, {k_("d", k), -1}});
    }
    const std::string eligible = k_("r", steps - 1);
    const auto m = store.int_attribute("/", "size_selected"), requested = store.int_attribute("/provenance", "size_requested");
    value["m"] = m;
    if (m < requested) {
      patients.insert("m");
      equations.push_back({{"m", 1}, {eligible, -1}});
    }
    const auto dim = store.read_strings("/strata/dimension"), cat = store.read_strings("/strata/category");
    const auto e = store.read<std::int64_t>("/strata/eligible"), s = store.read<std::int64_t>("/strata/selected"),
               lo = store.read<std::int64_t>("/strata/quota_min"), hi = store.read<std::int64_t>("/strata/quota_max"),
               sf = store.read<std::int64_t>("/strata/shortfall");
    std::map<std::string, std::vector<std::size_t>> rows;
    for (std::size_t i = 0; i < dim.size(); ++i) {
      const std::string key = dim[i] + ":" + cat[i];
      rows[dim[i]].push_back(i);
      value["e:" + key] = e[i];
      value["s:" + key] = s[i];
      value["lo:" + key] = lo[i];
      value["hi:" + key] = hi[i];
      value["sf:" + key] = sf[i];
      patients.insert("e:" + key);
      patients.insert("s:" + key);
      if (m == r.back()) equations.push_back({{"s:" + key, 1}, {"e:" + key, -1}});
      if (hi[i] == m) equations.push_back({{"hi:" + key, 1}, {"m", -1}});
      if (sf[i] > 0)
        equations.push_back(s[i] < lo[i] ? std::vector<std::pair<std::string, double>>{{"s:" + key, 1}, {"sf:" + key, 1}, {"lo:" + key, -1}}
                                         : std::vector<std::pair<std::string, double>>{{"s:" + key, 1}, {"sf:" + key, -1}, {"hi:" + key, -1}});
    }
    for (const auto& [d_name, members] : rows) {
      std::vector<std::pair<std::string, double>> eligible_sum{{eligible, -1}}, selected_sum{{"m", -1}};
      for (std::size_t i : members) {
        eligible_sum.push_back({"e:" + dim[i] + ":" + cat[i], 1});
        selected_sum.push_back({"s:" + dim[i] + ":" + cat[i], 1});
      }
      equations.push_back(eligible_sum);
      equations.push_back(selected_sum);
    }
    add_characterization(store, eligible);
  }

  // "Table 1": each group's size is an attrition count or the cohort's size; sex, race,
  // ethnicity and age band split each group, and the eligible and selected as the strata do.
  void add_characterization(const hdf5::File& store, const std::string& eligible) {
    const auto section = store.read_strings("/characterization/section"),
               characteristic = store.read_strings("/characterization/characteristic"),
               group = store.read_strings("/characterization/group");
    const auto count = store.read<std::int64_t>("/characterization/count");
    const std::map<std::string, std::string> size_of{{"population", "r0"}, {"eligible", eligible}, {"selected", "m"}};
    const std::map<std::string, std::string> strata_dimension{
        {"sex", "sex"}, {"race", "race"}, {"ethnicity", "ethnicity"}, {"age band", "age_group"}};
    std::map<std::string, std::vector<std::pair<std::string, double>>> splits;
    for (std::size_t k = 0; k < section.size(); ++k) {
      const std::string cell = "c:" + section[k] + ":" + characteristic[k] + ":" + group[k];
      value[cell] = count[k];
      patients.insert(cell);
      if (section[k] == "patients") equations.push_back({{cell, 1}, {size_of.at(group[k]), -1}});
      const auto dimension = strata_dimension.find(section[k]);
      if (dimension == strata_dimension.end()) continue;
      auto& split = splits[section[k] + ":" + group[k]];
      if (split.empty()) split.push_back({"c:patients:all:" + group[k], -1});
      split.push_back({cell, 1});
      const std::string stratum = dimension->second + ":" + characteristic[k];
      for (const char* g : {"eligible", "selected"})
        if (group[k] == g && value.count(std::string(g[0] == 'e' ? "e:" : "s:") + stratum) &&
            value.at(std::string(g[0] == 'e' ? "e:" : "s:") + stratum) == count[k])
          equations.push_back({{cell, 1}, {std::string(g[0] == 'e' ? "e:" : "s:") + stratum, -1}});
    }
    for (const auto& [key, split] : splits) {
      double sum = 0;
      for (const auto& [cell, c] : split) sum += c * static_cast<double>(value.at(cell));
      if (sum == 0) equations.push_back(split);
    }
  }
};

// A characterization cell of the report or a query: "n (p%)", "median (q1 to q3), n = N" or
// the mark; a percent must not show beside a hidden count or a hidden group size.
void see_characteristic(Reader& reader, const std::string& cell, const std::string& group, std::string text,
                        bool percent_shown, const std::string& where) {
  if (const auto n = text.find("n = "); n != std::string::npos) text = text.substr(n + 4);
  if (const auto open = text.find(" ("); open != std::string::npos) {
    percent_shown = true;
    text = text.substr(0, open);
  }
  reader.see(cell, text, where);
  if (percent_shown)
    EXPECT_FALSE(reader.hidden.count(cell) || reader.hidden.count("c:patients:all:" + group))
        << where << ": a percent beside hidden " << cell;
}

// Every linear combination of the equations (differences of attrition steps, totals minus
// categories, outputs against each other): Gauss-Jordan elimination over the cells the reader
// does not know; a row left with one unknown cell gives that cell's value.
std::map<std::string, double> work_out(const Truth& truth, const Reader& reader) {
  std::map<std::string, std::size_t> unknown;
  for (const auto& eq : truth.equations)
    for (const auto& [cell, c] : eq)
      if (!reader.known.count(cell)) unknown.emplace(cell, unknown.size());
  std::vector<std::string> names(unknown.size());
  for (const auto& [cell, i] : unknown) names[i] = cell;
  const std::size_t n = unknown.size();
  std::vector<std::vector<double>> rows;  // n coefficients, then the constant
  for (const auto& eq : truth.equations) {
    std::vector<double> row(n + 1, 0);
    for (const auto& [cell, c] : eq) {
      const auto k = reader.known.find(cell);
      if (k != reader.known.end()) row[n] -= c * static_cast<double>(k->second);
      else row[unknown.at(cell)] += c;
    }
    rows.push_back(row);
  }
  std::size_t pivot_row = 0;
  for (std::size_t col = 0; col < n && pivot_row < rows.size(); ++col) {
    std::size_t best = pivot_row;
    for (std::size_t r = pivot_row; r < rows.size(); ++r)
      if (std::abs(rows[r][col]) > std::abs(rows[best][col])) best = r;
    if (std::abs(rows[best][col]) < 1e-9) continue;
    std::swap(rows[best], rows[pivot_row]);
    const double p = rows[pivot_row][col];
    for (double& x : rows[pivot_row]) x /= p;
    for (std::size_t r = 0; r < rows.size(); ++r)
      if (r != pivot_row && std::abs(rows[r][col]) > 1e-12) {
        const double f = rows[r][col];
        for (std::size_t k = 0; k <= n; ++k) rows[r][k] -= f * rows[pivot_row][k];
      }
    ++pivot_row;
  }
  std::map<std::string, double> solved;
  for (const auto& row : rows) {
    std::vector<std::size_t> nonzero;
    for (std::size_t k = 0; k < n; ++k)
      if (std::abs(row[k]) > 1e-9) nonzero.push_back(k);
    if (nonzero.size() == 1) solved[names[nonzero[0]]] = row[n] / row[nonzero[0]];
  }
  return solved;
}

// Bounds from the equations and counts being at least 0 (a total bounds each of its parts):
// interval propagation to a fixed point. Returns the cells it narrows to one value.
std::map<std::string, double> bound_out(const Truth& truth, const Reader& reader) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::map<std::string, std::pair<double, double>> bound;
  for (const auto& eq : truth.equations)
    for (const auto& [cell, c] : eq) {
      const auto k = reader.known.find(cell);
      const double v = k == reader.known.end() ? 0 : static_cast<double>(k->second);
      bound.emplace(cell, k == reader.known.end() ? std::pair{0.0, kInfinity} : std::pair{v, v});
    }
  bool narrowed = true;
  for (int round = 0; narrowed && round < 1000; ++round) {  // a cap, should bounds creep
    narrowed = false;
    for (const auto& eq : truth.equations)
      for (const auto& [cell, c] : eq) {
        // c × cell = -Σ others: the others' bounds bound it.
        double low = 0, high = 0;
        for (const auto& [other, d] : eq) {
          if (other == cell) continue;
          const auto [lo, hi] = bound.at(other);
          low += -d > 0 ? -d * lo : -d * hi;
          high += -d > 0 ? -d * hi : -d * lo;
        }
        auto& b = bound.at(cell);
        const double new_low = c > 0 ? low / c : high / c, new_high = c > 0 ? high / c : low / c;
        if (std::isfinite(new_low) && new_low > b.first + 1e-9) b.first = new_low, narrowed = true;
        if (std::isfinite(new_high) && new_high < b.second - 1e-9) b.second = new_high, narrowed = true;
      }
  }
  std::map<std::string, double> pinned_cells;
  for (const auto& [cell, b] : bound)
    if (!reader.known.count(cell) && b.second - b.first < 1 - 1e-9) pinned_cells[cell] = b.first;
  return pinned_cells;
}

std::vector<std::vector<std::string>> html_rows(const std::string& page, const std::string& after) {
  std::vector<std::vector<std::string>> rows;
  const std::string table = page.substr(page.find(after), page.find("</table>", page.find(after)) - page.find(after));
  static const std::regex row("<tr>(.*?)</tr>"), cell("<td[^>]*>(.*?)</td>"), tag("<[^>]*>");
  for (auto r = std::sregex_iterator(table.begin(), table.end(), row); r != std::sregex_iterator(); ++r) {
    const std::string text = (*r)[1];
    std::vector<std::string> cells;
    for (auto c = std::sregex_iterator(text.begin(), text.end(), cell); c != std::sregex_iterator(); ++c)
      cells.push_back(std::regex_replace(std::string((*c)[1]), tag, ""));
    if (!cells.empty()) rows.push_back(cells);
  }
  return rows;
}

// The counts the warnings show (console and report use one text).
void read_warnings(Reader& reader, const std::string& text, const std::string& eligible, const std::string& where) {
  static const std::regex shortfall("falls short of --size: (\\S+) selected of \\d+ requested \\((\\S+) eligible\\)"),
      missed("quota missed: (\\S+) (.+?) needs (\\S+) to (\\S+), selected (\\S+) \\(off by (\\S+); (\\S+) eligible\\)"),
      conflict("/([a-z_]+)/([^:]+): at least \\d+ of \\S+ patients must be .*?, but only (\\S+) eligible");
  for (auto m = std::sregex_iterator(text.begin(), text.end(), shortfall); m != std::sregex_iterator(); ++m) {
    reader.see("m", (*m)[1], where);
    reader.see(eligible, (*m)[2], where);
  }
  for (auto m = std::sregex_iterator(text.begin(), text.end(), missed); m != std::sregex_iterator(); ++m) {
    const std::string key = std::string((*m)[1]) + ":" + std::string((*m)[2]);
    const char* cells[] = {"lo:", "hi:", "s:", "sf:", "e:"};
    for (int k = 0; k < 5; ++k) reader.see(cells[k] + key, (*m)[k + 3], where);
  }
  for (auto m = std::sregex_iterator(text.begin(), text.end(), conflict); m != std::sregex_iterator(); ++m)
    reader.see("e:" + std::string((*m)[1]) + ":" + std::string((*m)[2]), (*m)[3], where);
}

// Runs a cohort with every shared output, reads them all as a reader would, and checks that no
// patient count from 1 to 4 is shown, worked out or bounded to one value. Returns how many
// small counts there were.
std::size_t attack(const test::ScratchDir& d, const std::string& name, const std::string& args) {
  const std::string store = d.file(name + ".h5"), csv = d.file(name + ".csv"), page_path = d.file(name + ".html");
  const CommandRun run = molsieve(d, "cohort " + args + " --keep-all-indexed --overwrite -o " + store +
                                         " --attrition-csv " + csv + " --report " + page_path);
  EXPECT_EQ(run.status, 0) << run.err;
  const Truth truth(store);
  const std::string eligible = "r" + std::to_string(truth.steps - 1);
  Reader reader;
  const auto attrition_rows = test::read_csv(csv);
  for (std::size_t r = 1; r < attrition_rows.size(); ++r) {
    const auto& row = attrition_rows[r];
    const std::string k = row[0];
    reader.see("r" + k, row[5], "attrition csv");
    reader.see("d" + k, row[6], "attrition csv");
    reader.see("a" + k, row[7], "attrition csv");
    reader.see("i" + k, row[8], "attrition csv");
  }
  for (const char* table : {"attrition", "strata", "characterization"}) {
    const std::string out = d.file(name + "-" + table + ".csv");
    const CommandRun q = molsieve(d, "query " + store + " --table " + table + " --format csv --overwrite -o " + out);
    EXPECT_EQ(q.status, 0) << q.err;
    const auto rows = test::read_csv(out);
    for (std::size_t r = 1; r < rows.size(); ++r) {
      if (std::string(table) == "attrition") {
        for (int k = 0; k < 4; ++k) reader.see(std::string("rdai").substr(k, 1) + rows[r][0], rows[r][5 + k], "query attrition");
      } else if (std::string(table) == "characterization") {
        // section, characteristic, group, count, percent, median, q1, q3
        const std::string cell = "c:" + rows[r][0] + ":" + rows[r][1] + ":" + rows[r][2];
        see_characteristic(reader, cell, rows[r][2], rows[r][3], !rows[r][4].empty(), "query characterization");
        if (reader.hidden.count(cell))
          for (int k = 5; k < 8; ++k) EXPECT_EQ(rows[r][k], "") << "a median or quartile beside hidden " << cell;
      } else {
        const std::string key = rows[r][0] + ":" + rows[r][1];
        const char* cells[] = {"e:", "s:", "lo:", "hi:", "sf:"};
        for (int k = 0; k < 5; ++k) reader.see(cells[k] + key, rows[r][2 + k], "query strata");
      }
    }
  }
  // The printed summary: the attrition table's last three columns, the selected line, warnings.
  std::istringstream err(run.err);
  static const std::regex step("^(\\d+) +.* (\\S+) +(\\S+) +(\\S+)$"), selected("^selected (\\S+) of (\\S+) eligible");
  for (std::string line; std::getline(err, line);) {
    std::smatch m;
    if (std::regex_match(line, m, step)) {
      for (int k = 0; k < 3; ++k) reader.see(std::string("rda").substr(k, 1) + std::string(m[1]), m[2 + k], "summary");
    } else if (std::regex_search(line, m, selected)) {
      reader.see("m", m[1], "summary");
      reader.see(eligible, m[2], "summary");
    }
  }
  read_warnings(reader, run.err, eligible, "summary warnings");
  const std::string page = test::read_text(page_path);
  for (const auto& row : html_rows(page, "<h2>Attrition</h2>")) {
    if (row.size() < 6) continue;
    for (int k = 0; k < 4; ++k) reader.see(std::string("rdai").substr(k, 1) + row[0], row[k == 0 ? 2 : 3 + k], "report attrition");
  }
  for (const auto& row : html_rows(page, "<h2>Characterization</h2>")) {
    const char* groups[] = {"population", "eligible", "selected"};
    for (int g = 0; g < 3; ++g)
      see_characteristic(reader, "c:" + row[0] + ":" + row[1] + ":" + groups[g], groups[g], row[2 + g], false,
                         "report characterization");
  }
  // What-if with nothing switched is the stored run: its printed attrition, selection and
  // warnings are read with the rest.
  const CommandRun same = molsieve(d, "what-if " + store);
  EXPECT_EQ(same.status, 0) << same.err;
  std::istringstream what_if(same.out);
  static const std::regex what_if_step("^(\\d+) +.*? (\\S+) +(\\S+) +(\\S+)(  \\(not applied\\))?$"),
      what_if_selected("^selected (\\S+) of (\\S+) eligible");
  for (std::string line; std::getline(what_if, line);) {
    std::smatch m;
    if (std::regex_match(line, m, what_if_step)) {
      for (int k = 0; k < 3; ++k) reader.see(std::string("rda").substr(k, 1) + std::string(m[1]), m[2 + k], "what-if");
    } else if (std::regex_search(line, m, what_if_selected)) {
      reader.see("m", m[1], "what-if");
      reader.see(eligible, m[2], "what-if");
    }
  }
  read_warnings(reader, same.err, eligible, "what-if warnings");
  for (const auto& row : html_rows(page, "<h2>Strata</h2>")) {
    const std::string key = row[0] + ":" + row[1];
    reader.see("e:" + key, row[2], "report strata");
    reader.see("s:" + key, row[3], "report strata");
    if (const auto to = row[4].find(" to "); to != std::string::npos) {
      reader.see("lo:" + key, row[4].substr(0, to), "report strata");
      reader.see("hi:" + key, row[4].substr(to + 4), "report strata");
    }
    if (!row[5].empty()) reader.see("sf:" + key, row[5], "report strata");
  }
  std::smatch head;
  static const std::regex counts("<p>Definition .*?; (\\S+) patients; (\\S+) eligible; (\\S+) selected of");
  const std::string plain = std::regex_replace(page, std::regex("</?i>"), "");
  EXPECT_TRUE(std::regex_search(plain, head, counts));
  reader.see("r0", head[1], "report");
  reader.see(eligible, head[2], "report");
  reader.see("m", head[3], "report");
  read_warnings(reader, std::regex_replace(plain, std::regex("&lt;"), "<"), eligible, "report warnings");

  // The quota bounds are shares of the cohort's size: a hidden size hides them all.
  if (reader.hidden.count("m"))
    for (const auto& [cell, v] : reader.known)
      EXPECT_TRUE(cell.rfind("lo:", 0) && cell.rfind("hi:", 0) && (cell.rfind("sf:", 0) || truth.value.count(cell)))
          << name << ": " << cell << " = " << v << " shown beside a suppressed cohort size";
  // One plan for every output: a count suppressed in one is suppressed in all.
  for (const std::string& cell : reader.hidden) EXPECT_FALSE(reader.known.count(cell)) << name << ": " << cell;
  for (const auto& [cell, v] : reader.known)
    if (truth.patients.count(cell)) EXPECT_FALSE(workflows::is_small_count(v)) << name << ": " << cell << " = " << v << " shown";
  for (const auto& [cell, v] : work_out(truth, reader)) {
    EXPECT_NEAR(v, truth.value.at(cell), 1e-6) << cell;
    if (truth.patients.count(cell))
      EXPECT_FALSE(workflows::is_small_count(truth.value.at(cell)))
          << name << ": " << cell << " = " << truth.value.at(cell) << " worked out from the shown counts";
  }
  for (const auto& [cell, v] : bound_out(truth, reader))
    if (truth.patients.count(cell))
      EXPECT_FALSE(workflows::is_small_count(truth.value.at(cell)))
          << name << ": " << cell << " = " << truth.value.at(cell) << " bounded to one value by the shown counts";
  std::size_t small = 0;
  for (const std::string& cell : truth.patients) small += workflows::is_small_count(truth.value.at(cell));
  return small;
}

class CohortDisclosure : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ScratchDir;
    for (const auto& [n, seed] :
         {std::pair{60000, 3}, std::pair{3000, 5}, std::pair{20000, 9}, std::pair{1500, 4}, std::pair{800, 4}})
      ASSERT_EQ(molsieve(*dir_, "synth-population --n " + std::to_string(n) + " --seed " + std::to_string(seed) + " -o " +
                                    pop(n) + " -q")
                    .status,
                0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string pop(int n) { return dir_->file("pop" + std::to_string(n) + ".h5"); }
  // A cohort of 20 from the example definition over pop(3000), written to `name`: its path.
  static std::string example_cohort(const std::string& name, const std::string& options = "") {
    const CommandRun run = molsieve(*dir_, "cohort --population " + pop(3000) + " --definition " + kExample +
                                               " --size 20 -q --overwrite -o " + dir_->file(name) + " " + options);
    EXPECT_EQ(run.status, 0) << run.err;
    return dir_->file(name);
  }
  static test::ScratchDir* dir_;
};
test::ScratchDir* CohortDisclosure::dir_ = nullptr;

TEST_F(CohortDisclosure, NoSmallCountOfTheShippedExampleFollowsFromItsSharedOutputs) {
  const std::size_t small = attack(*dir_, "example", "--population " + pop(60000) + " --definition " + kExample +
                                                         " --quotas " + kQuotas + " --size 200 -q");
  EXPECT_GT(small, 3u);  // there were small counts to protect
}

// Small populations: many small strata cells and rules that remove a few patients.
TEST_F(CohortDisclosure, NoSmallCountOfSmallPopulationsFollowsFromTheirSharedOutputs) {
  for (const auto& [n, size] : {std::pair{3000, 20}, std::pair{1500, 500}, std::pair{20000, 60}}) {
    SCOPED_TRACE(n);
    const std::size_t small = attack(*dir_, "small" + std::to_string(n), "--population " + pop(n) + " --definition " +
                                                                             kExample + " --quotas " + kQuotas +
                                                                             " --size " + std::to_string(size) + " -q");
    EXPECT_GT(small, 0u);
  }
}

// Quotas that cannot be met: warnings name missed quotas and conflicts with their counts.
TEST_F(CohortDisclosure, NoSmallCountFollowsFromQuotaWarnings) {
  const test::ScratchDir& d = *dir_;
  test::write_text(d.file("strict.json"), R"({"age_groups": [{"label": "55-64", "min": 55, "max": 64}, {"label": "65-85", "min": 65, "max": 85}],
    "race": {"Asian": {"min": 0.5}, "American Indian or Alaska Native": {"min": 0.1}},
    "sex": {"female": {"min": 0.3, "max": 0.4}}, "age_group": {"55-64": {"min": 0.6}}})");
  for (const auto& [n, size] : {std::pair{3000, 30}, std::pair{20000, 100}, std::pair{1500, 500}}) {
    SCOPED_TRACE(n);
    attack(d, "strict" + std::to_string(n), "--population " + pop(n) + " --definition " + kExample + " --quotas " +
                                                d.file("strict.json") + " --size " + std::to_string(size) + " -q");
    const std::string warnings = test::read_text(d.file("strict" + std::to_string(n) + ".html"));
    EXPECT_NE(warnings.find("quota missed: race Asian"), std::string::npos);
  }
}

// So few eligible that the cohort's size is itself a small count (3 of 10 requested).
TEST_F(CohortDisclosure, NoSmallCountFollowsWhenTheCohortItselfIsSmall) {
  const std::size_t small = attack(*dir_, "tiny", "--population " + pop(800) + " --definition " + kExample +
                                                      " --quotas " + kQuotas + " --size 10 -q");
  EXPECT_GT(small, 3u);
  const std::string page = test::read_text(dir_->file("tiny.html"));
  EXPECT_NE(page.find("<i>suppressed</i> selected of 10 requested"), std::string::npos);
  EXPECT_NE(page.find("quota missed: race Asian needs suppressed to suppressed, selected suppressed (off by suppressed; "
                      "suppressed eligible)"),
            std::string::npos);
}

// A filter on a count would find the rows whose count is 1 (`removed == 1`): refused unless the
// output is exact, and an exact output says so in every row.
TEST_F(CohortDisclosure, QueryRefusesFiltersOnCountsUnlessExactAndSaysWhenExact) {
  const test::ScratchDir& d = *dir_;
  ASSERT_EQ(molsieve(d, "cohort --population " + pop(60000) + " --definition " + kExample + " --size 50 -q --overwrite -o " +
                            d.file("filter.h5"))
                .status,
            0);
  for (const std::string& q : {std::string("--table attrition --where \"removed == 1\""),
                               std::string("--table attrition --order-by removed"),
                               std::string("--table strata --where \"eligible < 5\"")}) {
    SCOPED_TRACE(q);
    const CommandRun refused = molsieve(d, "query " + d.file("filter.h5") + " " + q);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("need --exact-counts"), std::string::npos) << refused.err;
    EXPECT_EQ(refused.out, "");
  }
  const CommandRun names = molsieve(d, "query " + d.file("filter.h5") + " --table attrition --where \"kind == 'exclusion'\"");
  EXPECT_EQ(names.status, 0) << names.err;
  const CommandRun exact = molsieve(d, "query " + d.file("filter.h5") +
                                           " --table attrition --where \"removed <= 4\" --exact-counts --format csv");
  ASSERT_EQ(exact.status, 0) << exact.err;
  std::istringstream lines(exact.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_NE(line.find(",counts"), std::string::npos) << line;
  std::size_t rows = 0;
  for (; std::getline(lines, line); ++rows) EXPECT_EQ(line.substr(line.rfind(',') + 1), "exact") << line;
  EXPECT_GT(rows, 0u);
}

// The characterization's counts are shared like the attrition's: a filter on them, or on the
// percent, median or quartiles that would tell them, is refused unless exact; every row says
// which, and a small count never shows.
TEST_F(CohortDisclosure, QueryOfTheCharacterizationSuppressesAndRefusesFiltersOnItsCounts) {
  const test::ScratchDir& d = *dir_;
  const std::string table1 = example_cohort("table1.h5");
  for (const std::string& q : {std::string("--where \"count == 1\""), std::string("--where \"percent < 0.2\""),
                               std::string("--order-by median")}) {
    SCOPED_TRACE(q);
    const CommandRun refused = molsieve(d, "query " + table1 + " --table characterization " + q);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("need --exact-counts"), std::string::npos) << refused.err;
  }
  const hdf5::File store(table1, hdf5::File::Mode::ReadOnly);
  const auto counts = store.read<std::int64_t>("/characterization/count");
  for (const bool exact : {false, true}) {
    const CommandRun q = molsieve(d, "query " + table1 + " --table characterization --format csv" +
                                         (exact ? " --exact-counts" : ""));
    ASSERT_EQ(q.status, 0) << q.err;
    std::istringstream lines(q.out);
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line.substr(line.rfind(',') + 1), "counts");
    std::size_t row = 0, small = 0;
    for (; std::getline(lines, line); ++row) {
      ASSERT_LT(row, counts.size());
      EXPECT_EQ(line.substr(line.rfind(',') + 1), exact ? "exact" : "suppressed") << line;
      const bool shows_count = line.find("," + std::to_string(counts[row]) + ",") != std::string::npos;
      if (workflows::is_small_count(static_cast<std::uint64_t>(counts[row]))) {
        ++small;
        EXPECT_EQ(shows_count, exact) << line;
      }
    }
    EXPECT_EQ(row, counts.size());
    EXPECT_GT(small, 0u);
  }
}

// The cohort and patients tables are rows of patients: query says so, and the rows stay in the
// owner-only store.
TEST_F(CohortDisclosure, QueryOfPatientLevelTablesSaysSoAndAggregatesDoNot) {
  const test::ScratchDir& d = *dir_;
  const std::string rows = example_cohort("rows.h5");
  for (const char* table : {"cohort", "patients", "attrition", "characterization"}) {
    SCOPED_TRACE(table);
    const CommandRun q = molsieve(d, "query " + rows + " --table " + table + " --top 3 -q");
    ASSERT_EQ(q.status, 0) << q.err;
    const bool patient_level = std::string(table) == "cohort" || std::string(table) == "patients";
    EXPECT_EQ(q.err.find("patient-level data") != std::string::npos, patient_level) << q.err;
  }
  struct stat st {};
  ASSERT_EQ(::stat(rows.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// What-if prints counts under the same control, or exact ones when asked, and then says so.
TEST_F(CohortDisclosure, WhatIfSuppressesSmallCountsUnlessExactAndThenSaysSo) {
  const test::ScratchDir& d = *dir_;
  const std::string whatif = example_cohort("whatif.h5", "--keep-all-indexed");
  const auto removed = hdf5::File(whatif, hdf5::File::Mode::ReadOnly).read<std::int64_t>("/attrition/removed");
  std::size_t small_step = 0;
  while (small_step < removed.size() && !workflows::is_small_count(static_cast<std::uint64_t>(removed[small_step])))
    ++small_step;
  ASSERT_LT(small_step, removed.size()) << "a step that removes 1 to 4 patients";
  for (const bool exact : {false, true}) {
    const CommandRun run = molsieve(d, "what-if " + whatif + (exact ? " --exact-counts" : ""));
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.out.find("EXACT COUNTS (--exact-counts)") != std::string::npos, exact) << run.out;
    std::istringstream lines(run.out);
    std::string line;
    while (std::getline(lines, line) && line.rfind(std::to_string(small_step) + " ", 0) != 0) {
    }
    std::istringstream fields(line.substr(4 + 1 + 58));
    std::string remaining, shown;
    fields >> remaining >> shown;
    EXPECT_EQ(shown, exact ? std::to_string(removed[small_step]) : std::string(kSuppressedMark)) << line;
  }
}

// The cohort store holds people's data: readable by its owner alone whatever the umask, and
// marked so; the report lists no person ids unless asked, and says so when it does.
TEST_F(CohortDisclosure, CohortStoreIsOwnerOnlyAndReportShowsPersonIdsOnlyWhenAsked) {
  const test::ScratchDir& d = *dir_;
  const mode_t before = ::umask(022);
  const CommandRun run = molsieve(d, "cohort --population " + pop(60000) + " --definition " + kExample +
                                         " --size 20 -q --overwrite -o " + d.file("mode.h5") + " --report " +
                                         d.file("plain.html"));
  ::umask(before);
  ASSERT_EQ(run.status, 0) << run.err;
  struct stat st {};
  ASSERT_EQ(::stat(d.file("mode.h5").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const hdf5::File store(d.file("mode.h5"), hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(store.int_attribute("/", "patient_level"), 1);
  EXPECT_EQ(store.int_attribute("/", "exact_counts"), 0);
  const std::string first_id = std::to_string(store.read<std::int64_t>("/cohort/person_id").front());
  const std::string plain = test::read_text(d.file("plain.html"));
  EXPECT_EQ(plain.find("<th>person_id</th>"), std::string::npos);
  EXPECT_EQ(plain.find("<td>" + first_id + "</td>"), std::string::npos);
  EXPECT_EQ(plain.find("PATIENT-LEVEL DATA"), std::string::npos);
  EXPECT_NE(plain.find("person ids not shown"), std::string::npos);

  ASSERT_EQ(molsieve(d, "cohort --population " + pop(60000) + " --definition " + kExample +
                            " --size 20 -q --overwrite -o " + d.file("ids.h5") + " --report " + d.file("ids.html") +
                            " --show-person-ids")
                .status,
            0);
  const std::string ids = test::read_text(d.file("ids.html"));
  EXPECT_NE(ids.find("<td>" + first_id + "</td>"), std::string::npos);
  EXPECT_NE(ids.find("PATIENT-LEVEL DATA</b> (--show-person-ids)"), std::string::npos);
}

// --exact-counts shows the small counts, and every output it touched says so.
TEST_F(CohortDisclosure, ExactCountsAreRecordedInEveryOutput) {
  const test::ScratchDir& d = *dir_;
  const CommandRun run = molsieve(d, "cohort --population " + pop(60000) + " --definition " + kExample +
                                         " --size 20 --overwrite -o " + d.file("exact.h5") + " --report " +
                                         d.file("exact.html") + " --attrition-csv " + d.file("exact.csv") +
                                         " --exact-counts");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("EXACT COUNTS (--exact-counts)"), std::string::npos) << run.err;
  EXPECT_EQ(hdf5::File(d.file("exact.h5"), hdf5::File::Mode::ReadOnly).int_attribute("/", "exact_counts"), 1);
  EXPECT_NE(test::read_text(d.file("exact.html")).find("<b>EXACT COUNTS</b>"), std::string::npos);
  const auto rows = test::read_csv(d.file("exact.csv"));
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[0].back(), "counts");
  bool small_shown = false;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    EXPECT_EQ(rows[r].back(), "exact");
    small_shown = small_shown || rows[r][6] == "1" || rows[r][6] == "2" || rows[r][6] == "3" || rows[r][6] == "4";
    EXPECT_NE(rows[r][6], kSuppressedMark);
  }
  EXPECT_TRUE(small_shown);
}

}  // namespace
}  // namespace molsieve
