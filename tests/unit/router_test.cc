#include "http/router.h"

#include <string>

#include <gtest/gtest.h>

#include "http/gzip.h"
#include "http/message.h"

namespace lanterne {
namespace {

Handler Named(std::string name) {
  return [name](Request& request) {
    std::string body = name;
    for (const auto& param : request.path_params) body += "|" + param;
    return Response(200, body, "text/plain");
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/api/public/traces", Named("list"));
    router_.Add("GET", "/api/public/traces/{traceId}", Named("get"));
    router_.Add("DELETE", "/api/public/traces/{traceId}", Named("delete"));
    router_.Add("POST", "/api/public/ingestion", Named("ingest"));
    router_.Add("GET", "/api/public/v2/prompts/{name}/versions/{version}", Named("prompt"));
  }

  // Returns the handler's body, or "404" / "405".
  std::string Dispatch(std::string method, std::string path) {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    const Handler* handler = nullptr;
    switch (router_.Match(request, &handler)) {
      case Router::MatchResult::kNotFound:
        return "404";
      case Router::MatchResult::kMethodNotAllowed:
        return "405";
      case Router::MatchResult::kFound:
        break;
    }
    if (handler == nullptr) return "no handler";
    return (*handler)(request).body;
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  EXPECT_EQ(Dispatch("GET", "/api/public/traces"), "list");
  EXPECT_EQ(Dispatch("POST", "/api/public/ingestion"), "ingest");
}

TEST_F(RouterTest, FillsPlaceholders) {
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/abc-123"), "get|abc-123");
  EXPECT_EQ(Dispatch("DELETE", "/api/public/traces/abc-123"), "delete|abc-123");
  EXPECT_EQ(Dispatch("GET", "/api/public/v2/prompts/my-prompt/versions/3"), "prompt|my-prompt|3");
}

TEST_F(RouterTest, DecodesEncodedSlashInsideOneSegment) {
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/a%2Fb"), "get|a/b");
  EXPECT_EQ(Dispatch("GET", "/api/public/v2/prompts/folder%2Fname/versions/1"),
            "prompt|folder/name|1");
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/caf%C3%A9%20x+y"), "get|caf\xC3\xA9 x+y");
}

TEST_F(RouterTest, UnencodedSlashIsAnotherSegment) {
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/a/b"), "404");
}

TEST_F(RouterTest, KnownPathWithOtherMethodIs405) {
  EXPECT_EQ(Dispatch("POST", "/api/public/traces/abc"), "405");
  EXPECT_EQ(Dispatch("PUT", "/api/public/traces"), "405");
  EXPECT_EQ(Dispatch("GET", "/api/public/ingestion"), "405");
}

TEST_F(RouterTest, UnknownPathIs404) {
  EXPECT_EQ(Dispatch("GET", "/api/public/nothing"), "404");
  EXPECT_EQ(Dispatch("GET", "/"), "404");
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/a/b/c"), "404");
  EXPECT_EQ(Dispatch("POST", "/api/public/nothing"), "404");
}

TEST_F(RouterTest, MalformedEscapeInPlaceholderDoesNotMatch) {
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/bad%zz"), "404");
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/bad%2"), "404");
}

TEST_F(RouterTest, EmptySegmentsAreIgnored) {
  EXPECT_EQ(Dispatch("GET", "/api/public/traces/"), "list");
  EXPECT_EQ(Dispatch("GET", "//api//public/traces/x"), "get|x");
}

TEST(SplitPath, DropsEmptySegments) {
  EXPECT_EQ(SplitPath("/a/b"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(SplitPath("a//b/"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_TRUE(SplitPath("/").empty());
  EXPECT_TRUE(SplitPath("").empty());
}

TEST(ParseQueryString, DecodesPairsInOrder) {
  auto pairs = ParseQueryString("a=1&b=%2F&c=hello+world&d&&e=&tags=x&tags=y%20z");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"a", "1"}, {"b", "/"},    {"c", "hello world"}, {"d", ""},
      {"e", ""},  {"tags", "x"}, {"tags", "y z"}};
  EXPECT_EQ(pairs, expected);
}

TEST(ParseQueryString, DecodesKeysAndKeepsEqualsInValues) {
  auto pairs = ParseQueryString("fil%74er=a%3Db=c&x=1=2");
  std::vector<std::pair<std::string, std::string>> expected = {{"filter", "a=b=c"}, {"x", "1=2"}};
  EXPECT_EQ(pairs, expected);
}

TEST(ParseQueryString, KeepsMalformedEscapesLiterally) {
  auto pairs = ParseQueryString("x=%zz&y=100%&z=%4");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"x", "%zz"}, {"y", "100%"}, {"z", "%4"}};
  EXPECT_EQ(pairs, expected);
}

TEST(ParseQueryString, EmptyQueryHasNoPairs) { EXPECT_TRUE(ParseQueryString("").empty()); }

TEST(Request, QueryValueAndValues) {
  Request request;
  request.query = ParseQueryString("tags=a&page=2&tags=b");
  EXPECT_EQ(request.QueryValue("page"), "2");
  EXPECT_EQ(request.QueryValue("tags"), "a");
  EXPECT_EQ(request.QueryValue("missing"), std::nullopt);
  EXPECT_EQ(request.QueryValues("tags"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(request.QueryValues("missing").empty());
}

TEST(Request, HeaderAlsoMatchesUnderscoreSpelling) {
  Request request;
  request.headers = {{"content-type", "application/json"}, {"x_langfuse_sdk_name", "python"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("x-langfuse-sdk-name"), "python");
  EXPECT_EQ(request.Header("authorization"), std::nullopt);
}

// ---- gzip ------------------------------------------------------------------------------------

TEST(Gzip, RoundTripsSmallAndLargeBodies) {
  for (std::string body :
       {std::string(), std::string(R"({"batch":[]})"), std::string(3 * 1024 * 1024, 'j')}) {
    std::string compressed = Gzip(body);
    ASSERT_GE(compressed.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);
    auto back = Gunzip(compressed, 16 * 1024 * 1024);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, body);
  }
}

TEST(Gzip, CorruptInputIsInvalidArgument) {
  for (std::string bad : {std::string(), std::string("plain text, not gzip"),
                          std::string("\x1f\x8b\x08\x00garbage", 11)}) {
    auto result = Gunzip(bad, 1024);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Gzip, TruncatedInputIsInvalidArgument) {
  std::string compressed = Gzip(std::string(100000, 'x') + "tail");
  auto result = Gunzip(std::string_view(compressed).substr(0, compressed.size() - 10), 1 << 20);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(Gzip, ExpansionPastTheCapIsPayloadTooLarge) {
  std::string bomb = Gzip(std::string(10 * 1024 * 1024, '\0'));
  EXPECT_LT(bomb.size(), 64u * 1024);
  auto result = Gunzip(bomb, 1024 * 1024);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kPayloadTooLarge);
}

TEST(Gzip, BodyExactlyAtTheCapIsAccepted) {
  std::string body(200000, 'a');
  auto result = Gunzip(Gzip(body), body.size());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(*result, body);
  auto over = Gunzip(Gzip(body), body.size() - 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace lanterne
