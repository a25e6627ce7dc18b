#include "workflows/screen/scoring_terms.h"

#include <algorithm>

#include "chem/descriptors.h"
#include "chem/library_store.h"
#include "core/error.h"

namespace molsieve::workflows {

void load_models(const ScreenJob& job, const LibrarySource& source, const kernels::DeviceChoice& device,
                 std::vector<ChunkScorer::ScoringModel>& out, std::string& chosen) {
  for (const auto* terms : {&job.affinity, &job.toxicity})
    for (const auto& term : *terms) {
      ChunkScorer::ScoringModel s;
      s.term = &term;
      s.affinity = terms == &job.affinity;
      const std::string where = job.path + ": model '" + term.name + "'";
      if (models::DrugTargetModel::is_drug_target_store(term.path)) {
        if (!s.affinity) throw Error(where + " is a drug-target model; toxicity models score molecules alone");
        s.drug_target = std::make_unique<models::DrugTargetModel>(models::DrugTargetModel::load(term.path));
        chosen = s.drug_target->use_device(device);
        const models::ProteinTable& known = s.drug_target->proteins();
        if (term.target.empty() && term.sequence.empty())
          throw Error(where + " scores ligands against proteins: name one with target = \"...\" (" +
                      std::to_string(known.size()) + " in its table) or give its sequence = \"...\"");
        if (!term.target.empty() && known.find(term.target) == known.size())
          throw Error(where + ": target '" + term.target + "' is not in its protein table");
        s.target_sequence = term.target.empty() ? term.sequence : known.sequence(known.find(term.target));
        s.target_in_domain = s.drug_target->nearest_training_identity(s.target_sequence) >=
                             s.drug_target->card().protein_identity_threshold;
        s.task_columns = {s.card().tasks[0] + ":" + (term.target.empty() ? term.name : term.target)};
      } else {
        if (!term.target.empty() || !term.sequence.empty())
          throw Error(where + " scores molecules alone: target and sequence are for drug-target models");
        s.model = models::Model::load(term.path);
        chosen = s.model.use_device(device);
        s.task_columns = s.model.card().tasks;
      }
      const models::ModelCard& card = s.card();
      if (s.affinity) {
        if (card.task_type != models::TaskType::Regression)
          throw Error(where + " is a classification model; affinity models are regression models");
        if (term.task.empty() && card.tasks.size() != 1)
          throw Error(where + " has several tasks: name the scored one with task = \"...\"");
        const std::string task = term.task.empty() ? card.tasks.front() : term.task;
        const auto it = std::find(card.tasks.begin(), card.tasks.end(), task);
        if (it == card.tasks.end()) throw Error(where + " has no task '" + task + "'");
        s.scored_task = it - card.tasks.begin();
      } else {
        if (card.task_type != models::TaskType::Classification)
          throw Error(where + " is a regression model; toxicity models give probabilities (classification)");
        for (const auto& task : term.risk_tasks) {
          const auto it = std::find(card.tasks.begin(), card.tasks.end(), task);
          if (it == card.tasks.end()) throw Error(where + " has no task '" + task + "' (risk_tasks)");
          s.risk_tasks.push_back(it - card.tasks.begin());
        }
        if (s.risk_tasks.empty())
          for (std::size_t t = 0; t < card.tasks.size(); ++t) s.risk_tasks.push_back(t);
        s.aggregate = term.aggregate;
      }
      if (source.stores())
        for (const auto& store : source.store_readers()) models::check_store_matches_model(store->summary(), card);
      else if (card.standardize != job.standardize)
        throw Error(where + " was trained with standardization " + (card.standardize ? "on" : "off") +
                    "; library.standardize differs");
      out.push_back(std::move(s));
    }
}

std::vector<ChunkScorer::Panel> load_panels(const ScreenJob& job, std::vector<ChunkScorer::ScoringModel>& models,
                                            const kernels::DeviceChoice& device) {
  std::vector<ChunkScorer::Panel> panels;
  for (const PanelTerm& term : job.panels) {
    const std::string where = job.path + ": panel '" + term.name + "'";
    if (!models::DrugTargetModel::is_drug_target_store(term.path))
      throw Error(where + ": " + term.path + " is not a drug-target model");
    ChunkScorer::Panel panel;
    panel.term = &term;
    std::vector<std::size_t> candidates;
    for (std::size_t m = 0; m < models.size(); ++m) {
      const auto& s = models[m];
      if (s.affinity && s.drug_target && (term.on_target.empty() || s.term->name == term.on_target)) candidates.push_back(m);
    }
    if (candidates.empty())
      throw Error(where + ": on_target: " +
                  (term.on_target.empty() ? std::string("no [[affinity]] entry scores a protein with a drug-target model")
                                          : "no [[affinity]] entry with a drug-target model is named '" + term.on_target + "'"));
    if (candidates.size() > 1)
      throw Error(where + ": several [[affinity]] entries score a protein: name the on-target one with on_target = \"...\"");
    panel.on_target = candidates.front();
    ChunkScorer::ScoringModel& on_target = models[panel.on_target];
    panel.on_target_column = on_target.task_columns.front();
    const bool shared = on_target.term->path == term.path;
    if (!shared) {
      panel.model = std::make_unique<models::DrugTargetModel>(models::DrugTargetModel::load(term.path));
      panel.model->use_device(device);
    }
    const models::ProteinTable& known = shared ? on_target.drug_target->proteins() : panel.model->proteins();
    for (const auto& target : term.targets) {
      if (known.find(target) == known.size()) throw Error(where + ": target '" + target + "' is not in its protein table");
      panel.sequences.push_back(known.sequence(known.find(target)));
    }
    if (shared) {
      panel.first_shared_column = on_target.panel_sequences.size();
      on_target.panel_sequences.insert(on_target.panel_sequences.end(), panel.sequences.begin(), panel.sequences.end());
    }
    panels.push_back(std::move(panel));
  }
  return panels;
}

std::vector<ChunkScorer::Property> resolve_properties(const ScreenJob& job,
                                                     const std::vector<ChunkScorer::ScoringModel>& models) {
  std::vector<ChunkScorer::Property> properties;
  const auto& descriptors = chem::descriptor_names();
  for (const PropertyTerm& term : job.properties) {
    ChunkScorer::Property property{&term, "", ""};
    const bool descriptor = std::find(descriptors.begin(), descriptors.end(), term.column) != descriptors.end();
    for (std::size_t m = 0; !descriptor && property.spread.empty() && m < models.size(); ++m) {
      const auto& columns = models[m].task_columns;
      if (std::find(columns.begin(), columns.end(), term.column) == columns.end()) continue;
      property.spread = term.column + "_std";
      property.domain = models[m].term->name + "_in_domain";
      property.bounded = models[m].card().task_type == models::TaskType::Regression;
    }
    if (!descriptor && property.spread.empty()) {
      std::string tasks;
      for (const auto& model : models)
        for (const auto& task : model.task_columns) tasks += (tasks.empty() ? "" : ", ") + task;
      throw Error(term.where + ": '" + term.column + "' is neither a descriptor nor a task of the job's models (" +
                  (tasks.empty() ? std::string("it has none") : "tasks: " + tasks) + ")");
    }
    properties.push_back(std::move(property));
  }
  return properties;
}

std::unique_ptr<ChunkScorer::References> read_references(const ScreenJob& job, const chem::FeaturizerOptions& options) {
  auto refs = std::make_unique<ChunkScorer::References>();
  if (job.references.empty()) return refs;
  chem::MoleculeReader reader({job.references}, chem::ReaderOptions{});
  std::vector<chem::InputRecord> records;
  while (reader.next_batch(records, 4096)) {
  }
  const models::MoleculeSet set = models::MoleculeFeaturizer(options.fingerprints_only()).featurize(std::move(records));
  std::vector<std::uint32_t> valid;
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (!set.valid(i)) throw Error(job.references + ": reference " + set.ids[i] + ": " + set.errors[i]);
    valid.push_back(static_cast<std::uint32_t>(i));
  }
  if (valid.empty()) throw Error(job.references + ": no reference molecules");
  refs->ids = set.ids;
  refs->fingerprints = set.fingerprints;
  refs->library = std::make_unique<kernels::SearchLibrary>(
      kernels::FingerprintMatrix{refs->fingerprints.data(), set.size(), set.fingerprint_words}, valid);
  return refs;
}

std::vector<ScoreTerm> ChunkScorer::score_terms() const {
  std::vector<ScoreTerm> terms;
  for (const ScoringModel& s : models_) {
    const std::string& name = s.term->name;
    if (s.affinity) {
      const std::string& task = s.task_columns[s.scored_task];
      terms.push_back({name, "affinity", task, task + "_std", name + "_in_domain", "d_" + name, s.term->weight});
    } else {
      terms.push_back({name, "toxicity", name + "_risk", "", name + "_in_domain", "d_" + name, s.term->weight});
    }
  }
  for (const Panel& panel : panels_) {
    const std::string& name = panel.term->name;
    terms.push_back({name, "selectivity", name + "_margin", "", "", "d_" + name, panel.term->weight});
  }
  for (const Property& property : properties_) {
    const PropertyTerm& term = *property.term;
    terms.push_back({term.name, "property", term.column, property.spread, property.domain, "d_" + term.name, term.weight});
  }
  if (!job_.references.empty())
    terms.push_back({"similarity", "similarity", "reference_similarity", "", "", "d_similarity", job_.similarity_weight});
  return terms;
}

void ChunkScorer::describe_models(ResultsProvenance& provenance) const {
  for (const ScoringModel& s : models_) {
    const auto& tasks = s.task_columns;
    std::string scored = s.affinity ? tasks[s.scored_task] : std::string();
    for (std::size_t t : s.risk_tasks) scored += (scored.empty() ? "" : ",") + tasks[t];
    provenance.model_roles.push_back((s.affinity ? "affinity:" : "toxicity:") + scored);
    provenance.models.push_back(s.term->name);
    provenance.model_paths.push_back(s.term->path);
    provenance.model_cards.push_back(models::card_to_json(s.card()));
  }
  for (const Panel& panel : panels_) {
    std::string targets;
    for (const auto& target : panel.term->targets) targets += (targets.empty() ? "" : ",") + target;
    provenance.model_roles.push_back("selectivity:" + targets);
    provenance.models.push_back(panel.term->name);
    provenance.model_paths.push_back(panel.term->path);
    const models::DrugTargetModel& model = panel.model ? *panel.model : *models_[panel.on_target].drug_target;
    provenance.model_cards.push_back(models::card_to_json(model.card()));
  }
}

}  // namespace molsieve::workflows
