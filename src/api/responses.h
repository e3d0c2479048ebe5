// Building JSON answers: errors in Langfuse's shape ({message, error}) with the status
// chosen in one place, and the page meta of list endpoints.
#pragma once

#include <string>

#include "core/json.h"
#include "core/status.h"
#include "http/message.h"

namespace lanterne {

int HttpStatusFor(StatusCode code);
Response ErrorResponse(const Status& status);
Response ErrorResponse(int http_status, std::string_view message, std::string_view error);
Response JsonResponse(int http_status, const JsonBuffer& buffer);
Response JsonResponse(int http_status, std::string body);

// {"page":…, "limit":…, "totalItems":…, "totalPages":…}
void WritePageMeta(JsonWriter& w, int64_t page, int64_t limit, int64_t total_items);

}  // namespace lanterne
