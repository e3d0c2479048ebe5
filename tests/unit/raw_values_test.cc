// MinifyRawJson (ingest/raw_values.h): the text stored for input, output and metadata.
#include "ingest/raw_values.h"

#include <string>

#include <gtest/gtest.h>

namespace lanterne {
namespace {

std::string Minified(std::string_view json) {
  auto text = MinifyRawJson(json);
  EXPECT_TRUE(text.has_value()) << json;
  return text.value_or("<invalid>");
}

TEST(MinifyRawJson, CompactTextIsKeptByteForByte) {
  for (std::string_view json : {
           R"({"a":1,"b":[true,false,null],"c":"x y  z"})",
           R"("spaces inside a string only")",
           R"(["ends with a backslash\\","\\\"quoted\\\"",""])",
           R"({"k":"\"","l":"\\","m":"\\\\\"still inside, with a space\""})",
           R"([1.50,-0.0,1e400,18446744073709551616])",
           R"({"emoji":"😀 日本語","escaped":"\u00e9\n\t"})",
           "42",
       }) {
    EXPECT_EQ(Minified(json), json);
  }
}

TEST(MinifyRawJson, WhitespaceBetweenTokensGoesAndStringsKeepTheirs) {
  EXPECT_EQ(Minified("{ \"a\" : 1 ,\n\t\"b\" : [ true , \"x  y\" ] }\r\n"),
            R"({"a":1,"b":[true,"x  y"]})");
  // After a string ending in an escaped backslash, the space is between tokens.
  EXPECT_EQ(Minified(R"(["a\\" , "b\"" ])"), R"(["a\\","b\""])");
  // Python's json.dumps separators.
  EXPECT_EQ(Minified(R"({"role": "user", "content": "hi, there"})"),
            R"({"role":"user","content":"hi, there"})");
  EXPECT_EQ(Minified(" 7 "), "7");
}

}  // namespace
}  // namespace lanterne
