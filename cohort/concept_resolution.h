#pragma once
// Concept-set expressions resolved to concept ids, as OHDSI Circe resolves them. The parser
// resolves the sets that ask for no descendants; resolve_vocabulary (cohort_definition.h)
// resolves the rest against a population's vocabulary and checks what the definition names.
#include <cstdint>
#include <functional>
#include <vector>

#include "cohort/cohort_definition.h"

namespace molsieve::cohort {

// Included concepts minus excluded ones, each with its descendants where asked
// (`descendants(item)`): sorted, distinct.
std::vector<std::int32_t> resolve_concept_items(
    const std::vector<ConceptSetItem>& items,
    const std::function<std::vector<std::int32_t>(const ConceptSetItem&)>& descendants);

}  // namespace molsieve::cohort
