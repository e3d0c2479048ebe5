#include "core/json.h"

#include <gtest/gtest.h>

namespace lanterne {
namespace {

TEST(MergeJsonObjects, LaterKeysWin) {
  EXPECT_EQ(MergeJsonObjects(R"({"a":1,"b":2})", R"({"b":3,"c":4})"), R"({"a":1,"b":3,"c":4})");
}

TEST(MergeJsonObjects, NestedObjectsMergeKeyByKey) {
  EXPECT_EQ(MergeJsonObjects(R"({"n":{"x":1,"y":{"p":1,"q":2}},"k":"v"})",
                             R"({"n":{"y":{"q":3,"r":4},"z":[1,2]}})"),
            R"({"n":{"x":1,"y":{"p":1,"q":3,"r":4},"z":[1,2]},"k":"v"})");
}

TEST(MergeJsonObjects, NonObjectValuesAreReplacedWhole) {
  // An object replaced by a scalar, a scalar by an object, arrays are not concatenated.
  EXPECT_EQ(MergeJsonObjects(R"({"a":{"x":1},"b":1,"c":[1,2]})", R"({"a":5,"b":{"y":2},"c":[3]})"),
            R"({"a":5,"b":{"y":2},"c":[3]})");
  // Null is a value like any other.
  EXPECT_EQ(MergeJsonObjects(R"({"a":1})", R"({"a":null})"), R"({"a":null})");
}

TEST(MergeJsonObjects, EmptySidesLeaveTheOther) {
  EXPECT_EQ(MergeJsonObjects("{}", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(MergeJsonObjects(R"({"a":1})", "{}"), R"({"a":1})");
}

TEST(MergeJsonObjects, NonObjectSideIsReplacedByOverlay) {
  EXPECT_EQ(MergeJsonObjects("[1,2]", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(MergeJsonObjects(R"({"a":1})", "\"text\""), "\"text\"");
}

TEST(MergeJsonObjects, PreservesUnicodeAndEscapes) {
  EXPECT_EQ(MergeJsonObjects(R"({"k":"caf\u00e9"})", R"({"q":"line\nbreak \"quoted\""})"),
            "{\"k\":\"caf\xC3\xA9\",\"q\":\"line\\nbreak \\\"quoted\\\"\"}");
}

TEST(MergeJsonObjects, IsIdempotent) {
  const char* base = R"({"a":{"b":1},"c":2})";
  std::string once = MergeJsonObjects(base, base);
  EXPECT_EQ(once, base);
  EXPECT_EQ(MergeJsonObjects(once, base), base);
}

TEST(JsonQuote, EscapesQuotesAndControlCharacters) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(JsonQuote(std::string("\x01", 1)), R"("\u0001")");
  EXPECT_EQ(JsonQuote("\xF0\x9F\x8C\x8D"), "\"\xF0\x9F\x8C\x8D\"");
}

TEST(ToJsonText, MinifiesAParsedElement) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  ASSERT_EQ(parser.parse(std::string(R"({ "a" : [ 1, 2 ], "b" : { "c" : "d e" } })")).get(element),
            simdjson::SUCCESS);
  EXPECT_EQ(ToJsonText(element), R"({"a":[1,2],"b":{"c":"d e"}})");
}

TEST(JsonWriter, SplicesRawJsonAndNulls) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteString(w, "input");
  WriteRawOrNull(w, std::string(R"({"q":[1,2]})"));
  WriteString(w, "output");
  WriteRawOrNull(w, std::nullopt);
  WriteString(w, "name");
  WriteOptString(w, std::string("n"));
  WriteString(w, "user");
  WriteOptString(w, std::nullopt);
  w.EndObject();
  EXPECT_EQ(std::string(buffer.GetString(), buffer.GetSize()),
            R"({"input":{"q":[1,2]},"output":null,"name":"n","user":null})");
}

}  // namespace
}  // namespace lanterne
