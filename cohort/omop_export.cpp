// write_omop_csv, write_omop_vocabulary: a population and its vocabulary as OMOP CSV files
// (cohort/omop_csv.h).
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cohort/calendar.h"
#include "cohort/omop_csv.h"
#include "cohort/units.h"
#include "core/error.h"

namespace molsieve::cohort {
namespace {

namespace fs = std::filesystem;

// Shortest text that reads back as the same double; empty for NaN.
std::string number_text(double value) {
  if (std::isnan(value)) return {};
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

class CsvOut {
 public:
  CsvOut(const fs::path& path, const char* header, bool first_slice)
      : out_(std::fopen(path.c_str(), first_slice ? "w" : "a")), path_(path.string()) {
    if (!out_) throw Error(path_ + ": cannot write");
    if (first_slice) std::fprintf(out_, "%s\n", header);
  }
  ~CsvOut() {
    if (out_) std::fclose(out_);
  }
  std::FILE* get() { return out_; }
  void close() {
    const bool failed = std::ferror(out_) != 0;
    if (std::fclose(out_) != 0 || failed) {
      out_ = nullptr;
      throw Error(path_ + ": write failed (disk full?)");
    }
    out_ = nullptr;
  }

 private:
  std::FILE* out_;
  std::string path_;
};

}  // namespace

// A text field quoted as RFC 4180 asks, when it has to be.
std::string csv_text(const std::string& text) {
  if (text.find_first_of(",\"\n\r\t") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_omop_vocabulary(const std::string& directory, const ConceptVocabulary& vocabulary) {
  const fs::path dir(directory);
  fs::create_directories(dir);
  {
    // Every column of CDM 5.4's concept table, so that OMOP tools (and a database's NOT NULL
    // columns) take the file: molsieve keeps no concept class or validity, so the class is the
    // domain and every concept is valid from 1970 on.
    CsvOut out(dir / "concept.csv",
               "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,"
               "valid_start_date,valid_end_date,invalid_reason",
               true);
    for (const Concept& c : vocabulary.concepts())
      std::fprintf(out.get(), "%d,%s,%s,%s,%s,%s,%s,1970-01-01,2099-12-31,\n", c.concept_id,
                   csv_text(c.concept_name).c_str(), csv_text(c.domain_id).c_str(), csv_text(c.vocabulary_id).c_str(),
                   csv_text(c.domain_id).c_str(), csv_text(c.standard_concept).c_str(),
                   csv_text(c.concept_code).c_str());
    out.close();
  }
  CsvOut out(dir / "concept_ancestor.csv",
             "ancestor_concept_id,descendant_concept_id,min_levels_of_separation,max_levels_of_separation", true);
  for (const ConceptAncestry& a : vocabulary.ancestry())
    std::fprintf(out.get(), "%d,%d,%d,%d\n", a.ancestor_concept_id, a.descendant_concept_id,
                 a.min_levels_of_separation, a.max_levels_of_separation);
  out.close();
}

void write_omop_csv(const std::string& directory, const Population& p, bool first_slice) {
  const fs::path dir(directory);
  fs::create_directories(dir);
  // Event ids: person_id * 1000 + the event's position among the person's rows of that table.
  auto event_id = [&](std::size_t person, std::uint64_t row, const std::vector<std::uint64_t>& offsets) {
    return p.person_id[person] * 1000 + static_cast<std::int64_t>(row - offsets[person]);
  };
  {
    CsvOut out(dir / "person.csv", "person_id,gender_concept_id,year_of_birth,race_concept_id,ethnicity_concept_id",
               first_slice);
    for (std::size_t i = 0; i < p.persons(); ++i)
      std::fprintf(out.get(), "%lld,%d,%d,%d,%d\n", static_cast<long long>(p.person_id[i]), p.gender_concept_id[i],
                   p.year_of_birth[i], p.race_concept_id[i], p.ethnicity_concept_id[i]);
    out.close();
  }
  struct EventFile {
    const char* name;
    const char* header;
    const EventTable* table;
  };
  const EventFile files[] = {
      {"observation_period.csv",
       "observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id",
       &p.observation_period},
      {"condition_occurrence.csv",
       "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_end_date,"
       "condition_type_concept_id",
       &p.condition},
      {"drug_exposure.csv",
       "drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,drug_exposure_end_date,drug_type_concept_id",
       &p.drug},
  };
  for (const EventFile& f : files) {
    CsvOut out(dir / f.name, f.header, first_slice);
    const EventTable& t = *f.table;
    const bool period = f.table == &p.observation_period;
    for (std::size_t i = 0; i < p.persons(); ++i)
      for (std::uint64_t r = t.offsets[i]; r < t.offsets[i + 1]; ++r) {
        const std::string start = format_date(t.start[r]), end = format_date(t.end[r]);
        if (period)
          std::fprintf(out.get(), "%lld,%lld,%s,%s,%d\n", static_cast<long long>(event_id(i, r, t.offsets)),
                       static_cast<long long>(p.person_id[i]), start.c_str(), end.c_str(), t.concept_id[r]);
        else
          std::fprintf(out.get(), "%lld,%lld,%d,%s,%s,32817\n", static_cast<long long>(event_id(i, r, t.offsets)),
                       static_cast<long long>(p.person_id[i]), t.concept_id[r], start.c_str(), end.c_str());
      }
    out.close();
  }
  {
    const MeasurementTable& m = p.measurement;
    CsvOut out(dir / "measurement.csv",
               "measurement_id,person_id,measurement_concept_id,measurement_date,measurement_type_concept_id,"
               "value_as_number,unit_concept_id,range_low,range_high,unit_source_value",
               first_slice);
    for (std::size_t i = 0; i < p.persons(); ++i)
      for (std::uint64_t r = m.offsets[i]; r < m.offsets[i + 1]; ++r) {
        const std::string& unit = m.units[m.unit[r]];
        std::fprintf(out.get(), "%lld,%lld,%d,%s,32817,%s,%d,%s,%s,%s\n",
                     static_cast<long long>(event_id(i, r, m.offsets)), static_cast<long long>(p.person_id[i]),
                     m.concept_id[r], format_date(m.date[r]).c_str(), number_text(m.value[r]).c_str(),
                     unit_concept_of(unit), number_text(m.range_low[r]).c_str(),
                     number_text(m.range_high[r]).c_str(), unit.c_str());
      }
    out.close();
  }
  {
    const GenotypeTable& g = p.genotype;
    CsvOut out(dir / "genotype.csv", "person_id,gene,result,value", first_slice);
    for (std::size_t i = 0; i < p.persons(); ++i)
      for (std::uint64_t r = g.offsets[i]; r < g.offsets[i + 1]; ++r)
        std::fprintf(out.get(), "%lld,\"%s\",\"%s\",%s\n", static_cast<long long>(p.person_id[i]),
                     g.genes[g.gene[r]].c_str(), g.results[g.result[r]].c_str(), number_text(g.value[r]).c_str());
    out.close();
  }
}

}  // namespace molsieve::cohort
