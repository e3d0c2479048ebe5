// The write pipeline's observation finalizer for usage and cost (LANGFUSE_API.md 8.3):
// after an observation is merged, match its model, count tokens when the client sent
// neither usage nor cost, and price the usage. What the client sent always wins; what the
// server computed is flagged on the record so the next merge recomputes it.
#pragma once

#include "ingest/write_pipeline.h"
#include "pricing/model_catalog.h"

namespace lanterne {

// Prices one merged observation in place. Exposed for tests; the pipeline uses the
// finalizer below.
void PriceObservation(ModelCatalog& catalog, const std::string& project_id,
                      ObservationRecord& observation);

// `catalog` must outlive the pipeline.
ObservationFinalizer MakeCostFinalizer(ModelCatalog& catalog);

}  // namespace lanterne
