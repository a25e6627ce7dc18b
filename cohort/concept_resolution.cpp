#include "cohort/concept_resolution.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

#include "cohort/vocabulary.h"
#include "core/edit_distance.h"
#include "core/error.h"

namespace molsieve::cohort {

std::vector<std::int32_t> resolve_concept_items(
    const std::vector<ConceptSetItem>& items,
    const std::function<std::vector<std::int32_t>(const ConceptSetItem&)>& descendants) {
  std::vector<std::int32_t> included, excluded;
  for (const ConceptSetItem& item : items) {
    auto& into = item.excluded ? excluded : included;
    if (item.descendants) {
      const std::vector<std::int32_t> ids = descendants(item);
      into.insert(into.end(), ids.begin(), ids.end());
    } else {
      into.push_back(item.concept_id);
    }
  }
  for (auto* ids : {&included, &excluded}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  std::vector<std::int32_t> out;
  std::set_difference(included.begin(), included.end(), excluded.begin(), excluded.end(), std::back_inserter(out));
  return out;
}

namespace {

constexpr std::size_t kKnownListed = 20;
constexpr std::size_t kSuggestions = 5;

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kKnownListed; ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
  if (names.size() > kKnownListed) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return names.empty() ? "none" : out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Checks a concept set against the vocabulary and what one table of the population records,
// resolves its descendants, and collects a warning per item the population never records.
class Resolver {
 public:
  explicit Resolver(const PopulationVocabulary& v) : v_(v) {}

  // True when the population records at least one of the set's concepts in `recorded`.
  bool resolve(ConceptSet& set, const std::vector<std::int32_t>& recorded, const char* table,
               std::vector<std::string>& warnings) {
    const bool with_vocabulary = !v_.concepts.empty();
    for (const ConceptSetItem& item : set.items) {
      if (!with_vocabulary) {
        if (item.descendants)
          throw Error(item.path + ": concept " + std::to_string(item.concept_id) +
                      " asks for its descendants, but this population store has no vocabulary (concept_ancestor): "
                      "import the OMOP vocabulary with the patients (concept.csv, concept_ancestor.csv) or list the "
                      "descendants");
        if (!std::binary_search(recorded.begin(), recorded.end(), item.concept_id))
          throw Error(item.path + ": " + describe_concept(item.concept_id) + " (in \"" + set.label +
                      "\") does not occur in this population's " + table + " (known: " + listed(recorded) +
                      "); a store without vocabulary tables knows only the concepts it records: remove it, or "
                      "import the OMOP vocabulary with the patients");
      } else if (!v_.concepts.find(item.concept_id)) {
        std::string nearest;
        for (const std::int32_t id : v_.concepts.nearest(item.concept_id, kSuggestions))
          nearest += (nearest.empty() ? "" : ", ") + std::to_string(id) + " " + v_.concept_name(id);
        throw Error(item.path + ": concept " + std::to_string(item.concept_id) + " (in \"" + set.label +
                    "\") is not in this population's vocabulary (nearest: " + nearest + ")");
      }
    }
    if (!set.resolved) {
      set.ids = resolve_concept_items(
          set.items, [&](const ConceptSetItem& item) { return v_.concepts.descendants(item.concept_id); });
      set.resolved = true;
      if (set.ids.empty()) throw Error(set.path + ": the concept set matches nothing: every included concept is excluded");
    }
    const auto is_recorded = [&](std::int32_t id) { return std::binary_search(recorded.begin(), recorded.end(), id); };
    for (const ConceptSetItem& item : set.items) {
      if (item.excluded) continue;
      const std::vector<std::int32_t> ids =
          item.descendants ? v_.concepts.descendants(item.concept_id) : std::vector<std::int32_t>{item.concept_id};
      if (std::none_of(ids.begin(), ids.end(), is_recorded))
        warnings.push_back(item.path + ": " + describe_concept(item.concept_id) +
                           (item.descendants ? " and its descendants are" : " is") +
                           " in the vocabulary, but no patient's " + table + " record " +
                           (item.descendants ? "them" : "it") + ": it matches nobody in this population");
    }
    return std::any_of(set.ids.begin(), set.ids.end(), is_recorded);
  }

  // A gene or result: known when the population records it; a warning when molsieve knows it
  // but the population does not record it (false returned); else an error with the nearest.
  bool check_name(const std::string& name, const std::vector<std::string>& recorded,
                  const std::vector<std::string>& known, const std::string& path, const char* what,
                  std::vector<std::string>& warnings) {
    if (contains(recorded, name)) return true;
    if (contains(known, name)) {
      warnings.push_back(path + ": no patient of this population has a " + what + " \"" + name +
                         "\" on record: if_missing decides");
      return false;
    }
    std::vector<std::string> all = recorded;
    for (const std::string& k : known)
      if (!contains(all, k)) all.push_back(k);
    throw Error(path + ": no " + what + " \"" + name + "\" in this population or molsieve's list (nearest: " +
                quoted_list(nearest_names(name, all)) + ")");
  }

 private:
  std::string describe_concept(std::int32_t id) const {
    const std::string name = v_.concepts.find(id) ? v_.concept_name(id) : concepts::concept_name(id);
    return name == "concept " + std::to_string(id) ? name : "concept " + std::to_string(id) + " (" + name + ")";
  }
  std::string listed(const std::vector<std::int32_t>& known) const {
    std::string out;
    for (std::size_t i = 0; i < known.size() && i < kKnownListed; ++i)
      out += (i ? ", " : "") + std::to_string(known[i]) + " " + concepts::concept_name(known[i]);
    if (known.size() > kKnownListed) out += ", ... (" + std::to_string(known.size()) + " in all)";
    return known.empty() ? "none" : out;
  }
  // Names by edit distance to `name` (case-insensitive), nearest first.
  static std::vector<std::string> nearest_names(const std::string& name, std::vector<std::string> names) {
    const auto lower = [](std::string t) {
      for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return t;
    };
    const auto distance = [&](const std::string& other) { return edit_distance(lower(name), lower(other)); };
    std::stable_sort(names.begin(), names.end(),
                     [&](const std::string& x, const std::string& y) { return distance(x) < distance(y); });
    if (names.size() > kSuggestions) names.resize(kSuggestions);
    return names;
  }

  const PopulationVocabulary& v_;
};

void resolve_criterion(Criterion& c, Resolver& resolver, const PopulationVocabulary& v,
                       std::vector<std::string>& warnings) {
  switch (c.kind) {
    case Criterion::Kind::Condition:
      c.unrecorded = !resolver.resolve(c.concepts, v.condition_concepts, "conditions", warnings);
      return;
    case Criterion::Kind::Drug:
      c.unrecorded = !resolver.resolve(c.concepts, v.drug_concepts, "drug exposures", warnings);
      return;
    case Criterion::Kind::Measurement:
      c.unrecorded = !resolver.resolve(c.concepts, v.measurement_concepts, "measurements", warnings);
      return;
    case Criterion::Kind::Genotype:
      c.unrecorded = !resolver.check_name(c.gene, v.genes, known_genes(), c.path + "/gene", "gene", warnings);
      for (std::size_t i = 0; i < c.results.size(); ++i)
        resolver.check_name(c.results[i], v.results, known_genotype_results(),
                            c.path + "/result" + (c.results.size() > 1 ? "/" + std::to_string(i) : ""),
                            "genotype result", warnings);
      return;
    default:
      for (Criterion& child : c.children) resolve_criterion(child, resolver, v, warnings);
  }
}

}  // namespace

std::vector<std::string> resolve_vocabulary(CohortDefinition& d, const PopulationVocabulary& v) {
  Resolver resolver(v);
  std::vector<std::string> all;
  if (!d.index.fixed_date) {
    resolver.resolve(d.index.concepts, v.condition_concepts, "conditions", d.index.warnings);
    all.insert(all.end(), d.index.warnings.begin(), d.index.warnings.end());
  }
  for (Rule& rule : d.rules) {
    resolve_criterion(rule.criterion, resolver, v, rule.warnings);
    all.insert(all.end(), rule.warnings.begin(), rule.warnings.end());
  }
  for (RankingTerm& term : d.ranking) {
    if (term.genotype)
      resolver.check_name(term.gene, v.genes, known_genes(), term.path, "biomarker", all);
    else
      resolver.resolve(term.concepts, v.measurement_concepts, "measurements", all);
  }
  return all;
}

}  // namespace molsieve::cohort
