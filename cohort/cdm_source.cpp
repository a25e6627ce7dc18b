#include "cohort/cdm_source.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "cohort/csv_file.h"
#include "core/csv_writer.h"
#include "core/timestamp.h"

namespace molsieve::cohort {
namespace {

namespace fs = std::filesystem;
constexpr const char* kFile = "cdm_source.csv";
constexpr std::size_t kCdm54VersionConcept = 756265;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

void write_cdm_source(const std::string& directory, const PopulationProvenance& provenance) {
  CsvWriter out((fs::path(directory) / kFile).string(),
                {"cdm_source_name", "cdm_source_abbreviation", "cdm_holder", "source_description",
                 "source_documentation_reference", "cdm_etl_reference", "source_release_date", "cdm_release_date",
                 "cdm_version", "cdm_version_concept_id", "vocabulary_version"});
  const std::string date = utc_timestamp().substr(0, 10);  // YYYY-MM-DD
  out.field(provenance.synthetic ? "molsieve synthetic population" : "molsieve population export")
      .field(provenance.synthetic ? "SYNTHETIC" : "molsieve")
      .field("molsieve")
      .field(provenance.source)
      .field("docs/cohorts.md")
      .field("molsieve OMOP CSV export")
      .field(date)
      .field(date)
      .field("5.4")
      .field(kCdm54VersionConcept)
      .field("molsieve");
  out.end_row();
  out.close();
}

std::optional<CdmSource> read_cdm_source(const std::string& directory) {
  const fs::path path = fs::path(directory) / kFile;
  if (!fs::exists(path)) return std::nullopt;
  CsvFile csv(path.string());
  const int name = csv.column("cdm_source_name"), abbreviation = csv.column("cdm_source_abbreviation", false),
            holder = csv.column("cdm_holder", false), description = csv.column("source_description", false);
  if (!csv.next()) return std::nullopt;
  const auto field = [&](int column) { return column < 0 ? std::string() : csv.field(column); };
  return CdmSource{field(name), field(abbreviation), field(holder), field(description)};
}

bool is_synthetic_source(const CdmSource& source) {
  return lower(source.name + " " + source.abbreviation + " " + source.description).find("synthetic") !=
         std::string::npos;
}

}  // namespace molsieve::cohort
