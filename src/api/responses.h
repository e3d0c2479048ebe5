// Building JSON answers: errors in Langfuse's shape ({message, error}) with the status
// chosen in one place, and the page meta of list endpoints.
#pragma once

#include <string>

#include "core/json.h"
#include "core/status.h"
#include "http/message.h"
#include "storage/store.h"

namespace lanterne {

int HttpStatusFor(StatusCode code);
Response ErrorResponse(const Status& status);
Response ErrorResponse(int http_status, std::string_view message, std::string_view error);
Response JsonResponse(int http_status, const JsonBuffer& buffer);
Response JsonResponse(int http_status, std::string body);

// {"page":…, "limit":…, "totalItems":…, "totalPages":…}
void WritePageMeta(JsonWriter& w, int64_t page, int64_t limit, int64_t total_items);
// The web UI's tables: as above, except that a page counted apart (Counting::kPageOnly) has
// null totals and "hasMore", whether another page follows.
void WritePageMeta(JsonWriter& w, int64_t page, int64_t limit, int64_t total_items,
                   Counting counting, bool has_more);

// A 200 list answer: {"data":[…], "meta":{…}}, each item written by `write_item(w, item)`,
// the meta by `write_meta(w)`.
template <typename Items, typename WriteItem, typename WriteMeta>
Response ListResponse(const Items& items, WriteItem write_item, WriteMeta write_meta) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& item : items) write_item(w, item);
  w.EndArray();
  write_meta(w);
  w.EndObject();
  return JsonResponse(200, buffer);
}

// The list answer of a page with its exact total.
template <typename Items, typename WriteItem>
Response PagedResponse(int64_t page, int64_t limit, int64_t total_items, const Items& items,
                       WriteItem write_item) {
  return ListResponse(items, write_item,
                      [&](JsonWriter& w) { WritePageMeta(w, page, limit, total_items); });
}

// The same for a page listed with `counting` (the web UI's tables).
template <typename T, typename WriteItem>
Response PagedResponse(const PageRequest& request, Counting counting, const Page<T>& page,
                       WriteItem write_item) {
  return ListResponse(page.items, write_item, [&](JsonWriter& w) {
    WritePageMeta(w, request.page, request.limit, page.total_items, counting, page.has_more);
  });
}

}  // namespace lanterne
