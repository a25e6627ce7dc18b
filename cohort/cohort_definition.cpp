#include "cohort/cohort_definition.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "cohort/calendar.h"
#include "cohort/units.h"
#include "cohort/vocabulary.h"
#include "core/error.h"
#include "core/json_node.h"

namespace molsieve::cohort {
namespace {

using nlohmann::json;

using Node = JsonNode;

// A window bound in days, within what the calendar can represent.
std::int32_t day_offset(const Node& node) {
  const std::int64_t days = node.integer();
  if (days < -200000 || days > 200000) node.fail("a window of " + std::to_string(days) + " days is out of range");
  return static_cast<std::int32_t>(days);
}

struct Context {
  std::map<std::string, std::vector<std::int32_t>> concept_sets;
};

kernels::Comparison parse_comparison(const Node& node) {
  const std::string op = node.text();
  if (op == "<") return kernels::Comparison::Less;
  if (op == "<=") return kernels::Comparison::LessEqual;
  if (op == ">") return kernels::Comparison::Greater;
  if (op == ">=") return kernels::Comparison::GreaterEqual;
  if (op == "==") return kernels::Comparison::Equal;
  node.fail("unknown comparison \"" + op + "\" (<, <=, >, >=, ==)");
}

std::vector<std::int32_t> parse_concepts(const Node& node, const Context& context, std::string* label) {
  std::vector<std::int32_t> ids;
  if (node.is_string()) {
    const auto found = context.concept_sets.find(node.text());
    if (found == context.concept_sets.end()) node.fail("no concept set named \"" + node.text() + "\" in /concept_sets");
    ids = found->second;
    *label = node.text();
  } else {
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::int64_t id = node.element(i).integer();
      if (id < 0 || id > 2147483647) node.element(i).fail("not a concept id");
      ids.push_back(static_cast<std::int32_t>(id));
    }
    for (std::size_t i = 0; i < ids.size(); ++i) *label += (i ? "," : "") + std::to_string(ids[i]);
  }
  if (ids.empty()) node.fail("an empty concept set matches nothing");
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Window parse_window(const Node& parent) {
  Window w;
  if (!parent.has("window")) return w;
  const Node node = parent.at("window");
  node.allow({"start", "end"});
  if (node.has("start")) w.start = day_offset(node.at("start"));
  w.end = node.has("end") ? day_offset(node.at("end")) : kernels::kOpenWindow;
  if (node.has("start") && node.has("end") && w.start > w.end) node.fail("start is after end");
  return w;
}

std::string number_text(double x) {
  std::ostringstream text;
  text << x;
  return text.str();
}

// A threshold that no patient's value could sensibly be compared with is a mistake (a
// fraction for a percentage, 40 x ULN), not a criterion.
void check_plausible(const Node& threshold, double value, kernels::ValueScale scale, const std::string& unit,
                     const std::vector<std::int32_t>& concepts) {
  if (scale != kernels::ValueScale::Absolute) {
    if (value < 0 || value > kMaxLimitMultiple)
      threshold.fail(number_text(value) + " x " + (scale == kernels::ValueScale::UpperLimit ? "ULN" : "LLN") +
                     " is outside 0 to " + number_text(kMaxLimitMultiple) + " times the reference limit");
    return;
  }
  for (const std::int32_t id : concepts) {
    const auto range = plausible_range(id);
    const auto stored = analyte_unit(id);
    // Without a conversion the evaluator names the unit that cannot be compared.
    const auto conversion = range && stored ? unit_conversion(id, *stored, unit) : std::nullopt;
    if (!conversion) continue;
    const double low = conversion->apply(range->low), high = conversion->apply(range->high);
    if (value >= low && value <= high) continue;
    const std::string in_unit = unit.empty() ? "" : " " + unit;
    std::string message = number_text(value) + in_unit + " is outside the plausible range of " +
                          concepts::concept_name(id) + " (" + number_text(low) + " to " + number_text(high) + in_unit +
                          ")";
    if (value < low && unit == *stored && *range->hint) message += std::string(": ") + range->hint;
    threshold.fail(message);
  }
}

// op/value, or min/max (inclusive), with a unit; thresholds of known analytes are checked
// against their plausible range.
std::vector<MeasurementTest> parse_tests(const Node& node, bool with_unit, const std::vector<std::int32_t>& concepts) {
  std::vector<MeasurementTest> tests;
  std::string unit;
  kernels::ValueScale scale = kernels::ValueScale::Absolute;
  if (with_unit && node.has("unit")) {
    const Node u = node.at("unit");
    std::string text = u.text();
    std::string compact;
    for (char c : text)
      if (c != ' ') compact += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (compact == "xuln") {
      scale = kernels::ValueScale::UpperLimit;
    } else if (compact == "xlln") {
      scale = kernels::ValueScale::LowerLimit;
    } else {
      const auto canonical = canonical_unit(text);
      if (!canonical) u.fail("unknown unit \"" + text + "\"");
      unit = *canonical;
    }
  }
  if (node.has("op") != node.has("value")) node.fail("op and value go together");
  const bool range = node.has("min") || node.has("max");
  if (node.has("op") && range) node.fail("give either op and value or min and max, not both");
  if ((node.has("op") || range) && with_unit && !node.has("unit"))
    node.fail("a threshold needs a unit (a unit such as \"mg/dL\", \"\" for unitless values, or \"x ULN\")");
  auto add = [&](kernels::Comparison comparison, const Node& threshold) {
    MeasurementTest t;
    t.test.comparison = comparison;
    t.test.threshold = threshold.number();
    t.test.scale = scale;
    t.unit = unit;
    t.unit_path = node.path() + "/unit";
    check_plausible(threshold, t.test.threshold, scale, unit, concepts);
    tests.push_back(t);
  };
  if (node.has("op")) add(parse_comparison(node.at("op")), node.at("value"));
  if (node.has("min")) add(kernels::Comparison::GreaterEqual, node.at("min"));
  if (node.has("max")) add(kernels::Comparison::LessEqual, node.at("max"));
  if (node.has("min") && node.has("max") && node.at("min").number() > node.at("max").number())
    node.fail("min is above max");
  return tests;
}

Criterion parse_criterion(const Node& node, const Context& context, bool top_level);

Criterion parse_group(const Node& list, Criterion::Kind kind, const Context& context) {
  Criterion c;
  c.kind = kind;
  c.path = list.path();
  if (list.size() == 0) list.fail("an empty group");
  for (std::size_t i = 0; i < list.size(); ++i) c.children.push_back(parse_criterion(list.element(i), context, false));
  return c;
}

Criterion parse_criterion(const Node& node, const Context& context, bool top_level) {
  static const char* kinds[] = {"condition", "drug", "measurement", "genotype", "all", "any", "at_least"};
  std::vector<const char*> present;
  for (const char* k : kinds)
    if (node.has(k)) present.push_back(k);
  if (present.size() != 1)
    node.fail("a criterion needs exactly one of condition, drug, measurement, genotype, all, any, at_least");
  if (top_level)
    node.allow({"name", "when", "condition", "drug", "measurement", "genotype", "all", "any", "at_least"});
  else
    node.allow({"condition", "drug", "measurement", "genotype", "all", "any", "at_least"});
  const std::string kind = present.front();
  const Node body = node.at(present.front());
  if (kind == "all") return parse_group(body, Criterion::Kind::All, context);
  if (kind == "any") return parse_group(body, Criterion::Kind::Any, context);
  if (kind == "at_least") {
    body.allow({"count", "of"});
    Criterion c = parse_group(body.at("of"), Criterion::Kind::AtLeast, context);
    c.path = body.path();
    const std::int64_t count = body.at("count").integer();
    if (count < 1 || count > static_cast<std::int64_t>(c.children.size()))
      body.at("count").fail("must be between 1 and the number of criteria in of");
    c.at_least = static_cast<std::uint32_t>(count);
    return c;
  }
  Criterion c;
  c.path = body.path();
  if (kind == "genotype") {
    c.kind = Criterion::Kind::Genotype;
    body.allow({"gene", "result", "op", "value", "min", "max"});
    c.gene = body.at("gene").text();
    if (body.has("result")) {
      const Node r = body.at("result");
      if (r.is_string()) {
        c.results.push_back(r.text());
      } else {
        for (std::size_t i = 0; i < r.size(); ++i) c.results.push_back(r.element(i).text());
      }
    }
    c.tests = parse_tests(body, false, {});
    return c;
  }
  c.kind = kind == "condition" ? Criterion::Kind::Condition : kind == "drug" ? Criterion::Kind::Drug
                                                                             : Criterion::Kind::Measurement;
  if (c.kind == Criterion::Kind::Measurement)
    body.allow({"concepts", "window", "op", "value", "min", "max", "unit", "occurrence", "if_missing", "min_count"});
  else
    body.allow({"concepts", "window", "min_count"});
  c.concepts = parse_concepts(body.at("concepts"), context, &c.concepts_label);
  c.window = parse_window(body);
  if (body.has("min_count")) {
    const std::int64_t n = body.at("min_count").integer();
    if (n < 1) body.at("min_count").fail("must be at least 1");
    c.min_count = static_cast<std::uint32_t>(n);
  }
  if (c.kind == Criterion::Kind::Measurement) {
    c.tests = parse_tests(body, true, c.concepts);
    const std::string occurrence = body.has("occurrence") ? body.at("occurrence").text() : "latest";
    if (occurrence != "latest" && occurrence != "any") body.at("occurrence").fail("must be latest or any");
    c.latest = occurrence == "latest";
    const std::string missing = body.has("if_missing") ? body.at("if_missing").text() : "fail";
    if (missing != "fail" && missing != "pass") body.at("if_missing").fail("must be fail or pass");
    c.missing_passes = missing == "pass";
    if (c.missing_passes && !c.latest) body.at("if_missing").fail("if_missing applies to occurrence latest");
  }
  return c;
}

Rule parse_rule(const Node& node, const Context& context, bool exclusion) {
  Rule rule;
  rule.path = node.path();
  rule.exclusion = exclusion;
  rule.criterion = parse_criterion(node, context, true);
  rule.name = node.has("name") ? node.at("name").text() : rule.path;
  if (node.has("when")) {
    const Node w = node.at("when");
    w.allow({"prediction", "op", "value"});
    CandidateCondition when;
    when.column = w.at("prediction").text();
    when.comparison = parse_comparison(w.at("op"));
    when.value = w.at("value").number();
    std::ostringstream text;
    text << when.column << " " << w.at("op").text() << " " << when.value;
    when.text = text.str();
    rule.when = when;
  }
  return rule;
}

std::int32_t parse_sex(const Node& node) {
  const std::string sex = node.text();
  if (sex == "female") return 8532;
  if (sex == "male") return 8507;
  node.fail("unknown sex \"" + sex + "\" (female or male)");
}

// Named concept id lists that criteria refer to by name.
Context parse_concept_sets(const Node& root, const std::string& where) {
  Context context;
  if (!root.has("concept_sets")) return context;
  const Node sets = root.at("concept_sets");
  if (!sets.raw().is_object()) sets.fail("expected an object of named concept id lists");
  for (const auto& item : sets.raw().items()) {
    std::string label;
    const Node set(item.value(), sets.path() + "/" + item.key(), where);
    context.concept_sets[item.key()] = parse_concepts(set, context, &label);
  }
  return context;
}

// A fixed date, or the first or latest occurrence of a condition.
IndexEvent parse_index(const Node& index, const Context& context) {
  IndexEvent event;
  index.allow({"condition", "occurrence", "date"});
  if (index.has("date") == index.has("condition")) index.fail("give either date or condition");
  if (index.has("date")) {
    event.fixed_date = true;
    if (!parse_date(index.at("date").text(), &event.day)) index.at("date").fail("not a YYYY-MM-DD date");
    return event;
  }
  const Node condition = index.at("condition");
  condition.allow({"concepts"});
  event.concepts = parse_concepts(condition.at("concepts"), context, &event.concepts_label);
  const std::string occurrence = index.has("occurrence") ? index.at("occurrence").text() : "first";
  if (occurrence != "first" && occurrence != "latest") index.at("occurrence").fail("must be first or latest");
  event.first = occurrence == "first";
  return event;
}

void parse_observation(const Node& o, CohortDefinition* d) {
  o.allow({"prior_days", "post_days"});
  if (o.has("prior_days")) d->prior_observation_days = day_offset(o.at("prior_days"));
  if (o.has("post_days")) d->post_observation_days = day_offset(o.at("post_days"));
  if (d->prior_observation_days < 0) o.at("prior_days").fail("must not be negative");
  if (d->post_observation_days < 0) o.at("post_days").fail("must not be negative");
}

void parse_demographics(const Node& demo, CohortDefinition* d) {
  demo.allow({"age", "sex"});
  if (demo.has("age")) {
    const Node age = demo.at("age");
    age.allow({"min", "max"});
    if (age.has("min")) d->age_min = static_cast<int>(age.at("min").integer());
    if (age.has("max")) d->age_max = static_cast<int>(age.at("max").integer());
    if (d->age_min > d->age_max) age.fail("min is above max");
  }
  if (demo.has("sex")) {
    const Node sex = demo.at("sex");
    for (std::size_t i = 0; i < sex.size(); ++i) d->sexes.push_back(parse_sex(sex.element(i)));
  }
}

// A biomarker (a genotype value) or a measurement read in a given unit, with its weight.
RankingTerm parse_ranking_term(const Node& t, const Context& context) {
  t.allow({"biomarker", "measurement", "unit", "weight", "missing"});
  RankingTerm term;
  if (t.has("biomarker") == t.has("measurement")) t.fail("give either biomarker or measurement");
  term.path = t.path() + (t.has("biomarker") ? "/biomarker" : "/measurement");
  if (t.has("biomarker")) {
    term.genotype = true;
    term.gene = term.label = t.at("biomarker").text();
  } else {
    term.concepts = parse_concepts(t.at("measurement"), context, &term.label);
    const Node u = t.at("unit");
    const auto unit = canonical_unit(u.text());
    if (!unit) u.fail("unknown unit \"" + u.text() + "\"");
    term.unit = *unit;
  }
  term.weight = t.at("weight").number();
  if (t.has("missing")) term.missing = t.at("missing").number();
  return term;
}

}  // namespace

CohortDefinition parse_cohort_definition(const std::string& json_text, const std::string& where) {
  const json document = parse_json_document(json_text, where);
  const Node root(document, "", where);
  root.allow({"name", "description", "concept_sets", "index", "observation", "demographics", "inclusion_rules",
              "exclusion_rules", "ranking"});
  CohortDefinition d;
  d.source_text = json_text;
  d.name = root.at("name").text();
  if (root.has("description")) d.description = root.at("description").text();
  const Context context = parse_concept_sets(root, where);
  d.index = parse_index(root.at("index"), context);
  if (root.has("observation")) parse_observation(root.at("observation"), &d);
  if (root.has("demographics")) parse_demographics(root.at("demographics"), &d);
  for (const char* key : {"inclusion_rules", "exclusion_rules"})
    if (root.has(key)) {
      const Node list = root.at(key);
      for (std::size_t i = 0; i < list.size(); ++i)
        d.rules.push_back(parse_rule(list.element(i), context, std::string(key) == "exclusion_rules"));
    }
  if (root.has("ranking")) {
    const Node list = root.at("ranking");
    for (std::size_t i = 0; i < list.size(); ++i) d.ranking.push_back(parse_ranking_term(list.element(i), context));
  }
  return d;
}

namespace {

constexpr std::size_t kKnownListed = 20;

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kKnownListed; ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
  if (names.size() > kKnownListed) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return names.empty() ? "none" : out;
}

void check_name(const std::string& name, const std::vector<std::string>& known, const std::string& path,
                const char* what) {
  if (std::find(known.begin(), known.end(), name) == known.end())
    throw Error(path + ": no " + what + " \"" + name + "\" in this population (known: " + quoted_list(known) + ")");
}

void check_concepts(const std::vector<std::int32_t>& concepts, const std::string& label,
                    const std::vector<std::int32_t>& known, const std::string& path, const char* table) {
  for (const std::int32_t id : concepts) {
    if (std::binary_search(known.begin(), known.end(), id)) continue;
    std::string listed;
    for (std::size_t i = 0; i < known.size() && i < kKnownListed; ++i)
      listed += (i ? ", " : "") + std::to_string(known[i]) + " " + concepts::concept_name(known[i]);
    if (known.size() > kKnownListed) listed += ", ... (" + std::to_string(known.size()) + " in all)";
    throw Error(path + ": concept " + std::to_string(id) + " (" + concepts::concept_name(id) + ", in \"" + label +
                "\") does not occur in this population's " + table + " (known: " + (known.empty() ? "none" : listed) +
                "); a concept no patient has would make the rule remove nobody: remove it if that is intended");
  }
}

void check_criterion(const Criterion& c, const PopulationVocabulary& v) {
  switch (c.kind) {
    case Criterion::Kind::Condition:
      return check_concepts(c.concepts, c.concepts_label, v.condition_concepts, c.path + "/concepts", "conditions");
    case Criterion::Kind::Drug:
      return check_concepts(c.concepts, c.concepts_label, v.drug_concepts, c.path + "/concepts", "drug exposures");
    case Criterion::Kind::Measurement:
      return check_concepts(c.concepts, c.concepts_label, v.measurement_concepts, c.path + "/concepts",
                            "measurements");
    case Criterion::Kind::Genotype:
      check_name(c.gene, v.genes, c.path + "/gene", "gene");
      for (std::size_t i = 0; i < c.results.size(); ++i)
        check_name(c.results[i], v.results, c.path + "/result" + (c.results.size() > 1 ? "/" + std::to_string(i) : ""),
                   "genotype result");
      return;
    default:
      for (const Criterion& child : c.children) check_criterion(child, v);
  }
}

}  // namespace

void check_vocabulary(const CohortDefinition& d, const PopulationVocabulary& v) {
  if (!d.index.fixed_date)
    check_concepts(d.index.concepts, d.index.concepts_label, v.condition_concepts, "/index/condition/concepts",
                   "conditions");
  for (const Rule& rule : d.rules) check_criterion(rule.criterion, v);
  for (const RankingTerm& term : d.ranking) {
    if (term.genotype)
      check_name(term.gene, v.genes, term.path, "biomarker");
    else
      check_concepts(term.concepts, term.label, v.measurement_concepts, term.path, "measurements");
  }
}

CohortDefinition read_cohort_definition(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open the cohort definition");
  std::stringstream text;
  text << in.rdbuf();
  return parse_cohort_definition(text.str(), path);
}

}  // namespace molsieve::cohort
