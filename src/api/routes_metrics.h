// Metrics: GET /api/public/metrics (v1), /api/public/v2/metrics and the legacy
// /api/public/metrics/daily (metrics_query.h answers them from the rollups). The query
// handler also serves the web UI at /api/ui/projects/{projectId}/metrics.
#pragma once

#include "api/api_context.h"

namespace lanterne {

void RegisterMetricsRoutes(Router& router, ApiContext& ctx);
// `?query=<JSON>` (v1 views). Answers {"data": [...]}; 400 names the bad field.
Response MetricsQueryHandler(ApiContext& ctx, Request& request, const AuthContext& auth);

}  // namespace lanterne
