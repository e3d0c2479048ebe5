#include "api/responses.h"

namespace lanterne {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {
const char* ErrorClassFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return "InvalidRequestError";
    case StatusCode::kUnauthenticated:
      return "UnauthorizedError";
    case StatusCode::kPermissionDenied:
      return "ForbiddenError";
    case StatusCode::kNotFound:
      return "LangfuseNotFoundError";
    case StatusCode::kAlreadyExists:
      return "LangfuseConflictError";
    case StatusCode::kPayloadTooLarge:
      return "PayloadTooLargeError";
    case StatusCode::kResourceExhausted:
      return "TooManyRequestsError";
    case StatusCode::kUnavailable:
      return "ServiceUnavailableError";
    default:
      return "InternalServerError";
  }
}
}  // namespace

Response ErrorResponse(int http_status, std::string_view message, std::string_view error) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("message");
  WriteString(w, message);
  w.Key("error");
  WriteString(w, error);
  w.EndObject();
  Response response = JsonResponse(http_status, buffer);
  if (http_status == 429 || http_status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

Response ErrorResponse(const Status& status) {
  if (status.code() == StatusCode::kInternal) {
    return ErrorResponse(500, "Internal Server Error", status.message());
  }
  return ErrorResponse(HttpStatusFor(status.code()), status.message(),
                       ErrorClassFor(status.code()));
}

Response JsonResponse(int http_status, const JsonBuffer& buffer) {
  return Response{http_status, std::string(buffer.GetString(), buffer.GetSize())};
}

Response JsonResponse(int http_status, std::string body) {
  return Response{http_status, std::move(body)};
}

void WritePageMeta(JsonWriter& w, int64_t page, int64_t limit, int64_t total_items) {
  WritePageMeta(w, page, limit, total_items, Counting::kPageAndTotal, false);
}

void WritePageMeta(JsonWriter& w, int64_t page, int64_t limit, int64_t total_items,
                   Counting counting, bool has_more) {
  w.Key("meta");
  w.StartObject();
  w.Key("page");
  w.Int64(page);
  w.Key("limit");
  w.Int64(limit);
  if (counting == Counting::kPageOnly) {
    w.Key("totalItems");
    w.Null();
    w.Key("totalPages");
    w.Null();
    w.Key("hasMore");
    w.Bool(has_more);
  } else {
    w.Key("totalItems");
    w.Int64(total_items);
    w.Key("totalPages");
    w.Int64(limit > 0 ? (total_items + limit - 1) / limit : 0);
  }
  w.EndObject();
}

}  // namespace lanterne
