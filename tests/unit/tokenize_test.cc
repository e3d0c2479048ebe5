// The BPE tokenizer (src/tokenize): the pre-tokenizer's edge cases, token ids and
// Langfuse-style counts against the expectations the JavaScript reference computed for
// tests/tokenize/corpus.jsonl (tests/tokenize/expected.jsonl), both merge strategies,
// invalid UTF-8, model → encoding, and JavaScript JSON semantics. The live comparison with
// the reference is tests/tokenize/parity.test.mjs.
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tokenize/bpe.h"
#include "tokenize/generation_tokens.h"
#include "tokenize/js_json.h"
#include "tokenize/pretokenize.h"

namespace lanterne {
namespace {

using Pieces = std::vector<std::string_view>;

Pieces Cl(std::string_view text) { return SplitPieces(PretokenizerKind::kCl100k, text); }
Pieces O2(std::string_view text) { return SplitPieces(PretokenizerKind::kO200k, text); }

TEST(Pretokenize, WordsTakeTheirLeadingSpace) {
  EXPECT_EQ(Cl("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(O2("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(Cl("a\u00a0b"), (Pieces{"a", "\u00a0b"}));  // any space but \r \n may lead
  EXPECT_EQ(Cl("x\t\ty"), (Pieces{"x", "\t", "\ty"}));
}

TEST(Pretokenize, Contractions) {
  // cl100k: a contraction is its own piece; o200k: it ends the word before it.
  EXPECT_EQ(Cl("don't DON'T we'll"), (Pieces{"don", "'t", " DON", "'T", " we", "'ll"}));
  EXPECT_EQ(O2("don't DON'T we'll"), (Pieces{"don't", " DON'T", " we'll"}));
  // Case folding: 's also matches U+017F LATIN SMALL LETTER LONG S.
  EXPECT_EQ(Cl("x'\u017Fx"), (Pieces{"x", "'\u017F", "x"}));
  // Not contractions: a Unicode apostrophe, and 'x.
  EXPECT_EQ(Cl("don\u2019t 'x"), (Pieces{"don", "\u2019t", " '", "x"}));
  EXPECT_EQ(O2("don\u2019t"), (Pieces{"don", "\u2019t"}));
}

TEST(Pretokenize, O200kSplitsByCase) {
  EXPECT_EQ(O2("HelloWorld JSONParser iPhone HTTPServer"),
            (Pieces{"Hello", "World", " JSONParser", " i", "Phone", " HTTPServer"}));
  EXPECT_EQ(Cl("HelloWorld iPhone"), (Pieces{"HelloWorld", " iPhone"}));
  // Titlecase letters count as upper case, modifier and other letters as both.
  EXPECT_EQ(O2("a\u01C5b"), (Pieces{"a", "\u01C5b"}));
  EXPECT_EQ(O2("\u65E5\u672C\u8A9E\u306E"), (Pieces{"\u65E5\u672C\u8A9E\u306E"}));
}

TEST(Pretokenize, NumbersInThrees) {
  EXPECT_EQ(Cl("12345 123"), (Pieces{"123", "45", " ", "123"}));
  EXPECT_EQ(O2("1234567"), (Pieces{"123", "456", "7"}));
  EXPECT_EQ(Cl("\u0663\u0664\u0665\u0666"), (Pieces{"\u0663\u0664\u0665", "\u0666"}));
}

TEST(Pretokenize, WhitespaceRuns) {
  // \s+(?!\S) leaves the last space to the word after the run.
  EXPECT_EQ(Cl("a   b"), (Pieces{"a", "  ", " b"}));
  // At the end of the text the whole run is one piece.
  EXPECT_EQ(Cl("a   "), (Pieces{"a", "   "}));
  EXPECT_EQ(Cl("   "), (Pieces{"   "}));
  // \s*[\r\n]+ ends at the run's last newline.
  EXPECT_EQ(Cl("a \n\n b"), (Pieces{"a", " \n\n", " b"}));
  EXPECT_EQ(Cl("\n\n  x"), (Pieces{"\n\n", " ", " x"}));
  EXPECT_EQ(O2("a\r\n\r\nb"), (Pieces{"a", "\r\n\r\n", "b"}));
  // A single space before a digit stands alone.
  EXPECT_EQ(Cl("x 1"), (Pieces{"x", " ", "1"}));
  // Unicode spaces: NBSP, ideographic space, NEL.
  EXPECT_EQ(Cl("a\u3000\u3000b"), (Pieces{"a", "\u3000", "\u3000b"}));
  EXPECT_EQ(Cl("a\u0085\n"), (Pieces{"a", "\u0085\n"}));
}

TEST(Pretokenize, Punctuation) {
  EXPECT_EQ(Cl("((hello ?!"), (Pieces{"((", "hello", " ?!"}));
  EXPECT_EQ(Cl("x.\n\ny"), (Pieces{"x", ".\n\n", "y"}));
  EXPECT_EQ(Cl("//\n/x"), (Pieces{"//\n", "/x"}));
  EXPECT_EQ(O2("//\n/x"), (Pieces{"//\n/", "x"}));  // o200k also takes slashes after newlines
  // Special-token text is plain text here.
  EXPECT_EQ(Cl("<|endoftext|>"), (Pieces{"<|", "endoftext", "|>"}));
}

TEST(Pretokenize, CombiningMarks) {
  // cl100k: a mark is not a letter, but may lead one; o200k: marks join letters.
  EXPECT_EQ(Cl("e\u0301t\u00E9"), (Pieces{"e", "\u0301t\u00E9"}));
  EXPECT_EQ(O2("e\u0301t\u00E9"), (Pieces{"e\u0301t\u00E9"}));
  EXPECT_EQ(O2("\u0301\n"), (Pieces{"\u0301", "\n"}));
  EXPECT_EQ(O2("!\u0301"), (Pieces{"!\u0301"}));
}

TEST(Pretokenize, PiecesCoverTheText) {
  std::string text =
      "Mixed: Hello世界Привет🌍مرحبا123abc  \n\t x'll 👨‍👩‍👧‍👦 "
      "e\u0301!! ";
  for (auto kind : {PretokenizerKind::kCl100k, PretokenizerKind::kO200k}) {
    std::string joined;
    for (std::string_view piece : SplitPieces(kind, text)) {
      EXPECT_FALSE(piece.empty());
      joined += piece;
    }
    EXPECT_EQ(joined, text);
  }
}

// The corpus and what the reference computed for it.
struct Corpus {
  struct Text {
    std::string id, text;
    std::map<std::string, std::vector<uint32_t>> ids;  // "o200k_base", "o200k_base_special", …
  };
  struct Value {
    std::string id, json;
    std::map<std::string, std::optional<int64_t>> counts;  // per tokenizer config
  };
  std::vector<Text> texts;
  std::vector<Value> values;
};

std::vector<JsValue> ReadJsonLines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<JsValue> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto v = JsJsonParse(line);
    EXPECT_TRUE(v.has_value()) << line;
    if (v) lines.push_back(std::move(*v));
  }
  return lines;
}

const Corpus& LoadCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    std::string dir = std::string(LANTERNE_SOURCE_DIR) + "/tests/tokenize/";
    auto entries = ReadJsonLines(dir + "corpus.jsonl");
    auto expected = ReadJsonLines(dir + "expected.jsonl");
    EXPECT_EQ(entries.size(), expected.size());
    for (size_t i = 0; i < entries.size() && i < expected.size(); ++i) {
      const JsValue& e = entries[i];
      const JsValue& x = expected[i];
      EXPECT_EQ(e.Find("id")->string, x.Find("id")->string);
      if (const JsValue* text = e.Find("text")) {
        Corpus::Text t{e.Find("id")->string, WtfToUtf8(text->string), {}};
        for (const auto& [key, ids] : x.props) {
          if (ids.type != JsValue::Type::kArray) continue;
          std::vector<uint32_t>& list = t.ids[key];
          for (const JsValue& id : ids.items) list.push_back(static_cast<uint32_t>(id.number));
        }
        c.texts.push_back(std::move(t));
      } else {
        Corpus::Value v{e.Find("id")->string, e.Find("json")->string, {}};
        for (const auto& [config, count] : x.Find("counts")->props) {
          v.counts[config] = count.type == JsValue::Type::kNumber
                                 ? std::optional<int64_t>(static_cast<int64_t>(count.number))
                                 : std::nullopt;
        }
        c.values.push_back(std::move(v));
      }
    }
    return c;
  }();
  return corpus;
}

const BpeEncoding& Encoding(EncodingId id) {
  auto e = GetEncoding(id);
  if (!e.ok()) {
    ADD_FAILURE() << e.status().message();
    std::abort();
  }
  return **e;
}

class Tokenizer : public ::testing::TestWithParam<EncodingId> {};

TEST_P(Tokenizer, CorpusMatchesTheReference) {
  const BpeEncoding& bpe = Encoding(GetParam());
  std::string name(EncodingName(GetParam()));
  const Corpus& corpus = LoadCorpus();
  ASSERT_GT(corpus.texts.size(), 40u);
  for (const auto& t : corpus.texts) {
    EXPECT_EQ(bpe.Encode(t.text), t.ids.at(name)) << t.id;
    EXPECT_EQ(bpe.Count(t.text), t.ids.at(name).size()) << t.id;
    EXPECT_EQ(bpe.EncodeWithSpecialTokens(t.text), t.ids.at(name + "_special")) << t.id;
    EXPECT_EQ(bpe.CountWithSpecialTokens(t.text), t.ids.at(name + "_special").size()) << t.id;
    EXPECT_EQ(bpe.Decode(bpe.Encode(t.text)), t.text) << t.id;
  }
}

TEST_P(Tokenizer, HeapAndScanMergesAgree) {
  const BpeEncoding& bpe = Encoding(GetParam());
  std::vector<std::string> pieces = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                     "pneumonoultramicroscopicsilicovolcanoconiosis",
                                     std::string(200, ' '),
                                     "\xF0\x9F\x98\x80\xF0\x9F\x98\x81"
                                     "abc",
                                     "ababababababababababababababababab"};
  for (const auto& piece : pieces) {
    std::vector<uint32_t> scan, heap;
    bpe.EncodePieceForTest(piece, false, &scan);
    bpe.EncodePieceForTest(piece, true, &heap);
    EXPECT_EQ(scan, heap) << piece;
    EXPECT_EQ(bpe.Decode(heap), piece);
  }
  // Long pieces go through the heap: still the reference's ids (corpus long-* entries).
  std::string long_run(5000, 'a');
  EXPECT_EQ(bpe.Decode(bpe.Encode(long_run)), long_run);
}

TEST_P(Tokenizer, InvalidUtf8IsReplacedAsTextDecoderDoes) {
  const BpeEncoding& bpe = Encoding(GetParam());
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(bpe.Encode("a\xFF"
                       "b"),
            bpe.Encode("a" + fffd + "b"));
  EXPECT_EQ(bpe.Encode("a\xC3"), bpe.Encode("a" + fffd));
  EXPECT_EQ(bpe.Encode("\xE0\x80x"), bpe.Encode(fffd + fffd + "x"));      // E0 needs A0..BF
  EXPECT_EQ(bpe.Encode("\xED\xA0\x80"), bpe.Encode(fffd + fffd + fffd));  // a surrogate
  EXPECT_EQ(bpe.Encode("\xF0\x9F\x98"), bpe.Encode(fffd));                // truncated
  EXPECT_EQ(bpe.Count("\xF0\x9F\x98"
                      "a"),
            bpe.Count(fffd + "a"));
}

TEST_P(Tokenizer, SafeFromManyThreads) {
  const BpeEncoding& bpe = Encoding(GetParam());
  const Corpus& corpus = LoadCorpus();
  std::string name(EncodingName(GetParam()));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (const auto& text : corpus.texts) {
          if (bpe.Encode(text.text) != text.ids.at(name)) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

INSTANTIATE_TEST_SUITE_P(Encodings, Tokenizer,
                         ::testing::Values(EncodingId::kCl100kBase, EncodingId::kO200kBase),
                         [](const auto& info) { return std::string(EncodingName(info.param)); });

TEST(BpeEncoding, MissingRankTableIsAnError) {
  auto e = BpeEncoding::LoadFile(EncodingId::kO200kBase, "/nonexistent/o200k_base.tiktoken");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("scripts/tokenizer-data.sh"), std::string::npos);
}

TEST(BpeEncoding, EncodingForModel) {
  EXPECT_EQ(EncodingForModel("gpt-4o"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("gpt-4o-mini-2024-07-18"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("openai/GPT-4.1-mini"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("gpt-5.1"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("o1"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("o3-mini"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("o4-mini-2025-04-16"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("chatgpt-4o-latest"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("gpt-4"), EncodingId::kCl100kBase);
  EXPECT_EQ(EncodingForModel("gpt-4-turbo-2024-04-09"), EncodingId::kCl100kBase);
  EXPECT_EQ(EncodingForModel("gpt-3.5-turbo-0125"), EncodingId::kCl100kBase);
  EXPECT_EQ(EncodingForModel("gpt-35-turbo"), EncodingId::kCl100kBase);
  EXPECT_EQ(EncodingForModel("text-embedding-3-small"), EncodingId::kCl100kBase);
  EXPECT_EQ(EncodingForModel("text-embedding-ada-002"), EncodingId::kCl100kBase);
  EXPECT_EQ(EncodingForModel("ft:gpt-4o-mini:org::id"), EncodingId::kO200kBase);
  EXPECT_EQ(EncodingForModel("ft:gpt-3.5-turbo-0613:org::id"), EncodingId::kCl100kBase);
  EXPECT_EQ(EncodingForModel("text-davinci-003"), std::nullopt);  // p50k_base
  EXPECT_EQ(EncodingForModel("claude-3-5-sonnet"), std::nullopt);
  EXPECT_EQ(EncodingForModel("gpt-40"), std::nullopt);
  EXPECT_EQ(EncodingForModel("o10"), std::nullopt);
}

TEST(GenerationTokens, SpecFromModelDefinition) {
  auto spec = TokenizerSpecFromModelDefinition(
      "openai", R"({"tokensPerName":1,"tokenizerModel":"gpt-4o","tokensPerMessage":3})");
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->encoding, EncodingId::kO200kBase);
  EXPECT_TRUE(spec->chat);
  EXPECT_EQ(spec->tokens_per_message, 3);
  EXPECT_EQ(spec->tokens_per_name, 1);
  // Langfuse's built-in gpt-4.1 and gpt-5 definitions count with gpt-4 (cl100k_base).
  spec = TokenizerSpecFromModelDefinition("openai", R"({"tokenizerModel":"gpt-4"})");
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->encoding, EncodingId::kCl100kBase);
  EXPECT_FALSE(spec->tokens_per_message.has_value());
  spec = TokenizerSpecFromModelDefinition("openai", R"({"tokenizerModel":"gpt-4-turbo"})");
  ASSERT_TRUE(spec.has_value());
  EXPECT_FALSE(spec->chat);  // not in Langfuse's chat model list
  EXPECT_FALSE(TokenizerSpecFromModelDefinition("openai", R"({"tokenizerModel":"gpt-4.1"})"));
  EXPECT_FALSE(
      TokenizerSpecFromModelDefinition("openai", R"({"tokenizerModel":"text-davinci-003"})"));
  EXPECT_FALSE(TokenizerSpecFromModelDefinition("openai", R"({})"));
  EXPECT_FALSE(TokenizerSpecFromModelDefinition("openai", "not json"));
  EXPECT_FALSE(TokenizerSpecFromModelDefinition("claude", std::nullopt));
  EXPECT_FALSE(TokenizerSpecFromModelDefinition(std::nullopt, std::nullopt));
}

TEST(GenerationTokens, SpecForModelName) {
  auto spec = TokenizerSpecForModelName("gpt-4.1-mini");
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->encoding, EncodingId::kO200kBase);
  EXPECT_TRUE(spec->chat);
  EXPECT_EQ(spec->tokens_per_message, 3);
  spec = TokenizerSpecForModelName("gpt-3.5-turbo-0301");
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->tokens_per_message, 4);
  EXPECT_EQ(spec->tokens_per_name, -1);
  spec = TokenizerSpecForModelName("text-embedding-3-large");
  ASSERT_TRUE(spec.has_value());
  EXPECT_FALSE(spec->chat);
  EXPECT_FALSE(TokenizerSpecForModelName("llama-3-70b"));
}

TEST(GenerationTokens, CorpusValuesMatchLangfusesCounts) {
  // The tokenizer configs of tests/tokenize/reference.mjs.
  const std::map<std::string, std::string> configs = {
      {"gpt-4o", R"({"tokenizerModel":"gpt-4o","tokensPerMessage":3,"tokensPerName":1})"},
      {"gpt-4", R"({"tokenizerModel":"gpt-4","tokensPerMessage":3,"tokensPerName":1})"},
      {"gpt-3.5-turbo-0301",
       R"({"tokenizerModel":"gpt-3.5-turbo-0301","tokensPerMessage":4,"tokensPerName":-1})"},
      {"gpt-4-turbo-preview",
       R"({"tokenizerModel":"gpt-4-turbo-preview","tokensPerMessage":3,"tokensPerName":1})"},
      {"text-embedding-ada-002", R"({"tokenizerModel":"text-embedding-ada-002"})"},
      {"gpt-4o-without-overhead", R"({"tokenizerModel":"gpt-4o"})"},
  };
  const Corpus& corpus = LoadCorpus();
  ASSERT_GT(corpus.values.size(), 30u);
  for (const auto& v : corpus.values) {
    ASSERT_EQ(v.counts.size(), configs.size()) << v.id;
    for (const auto& [name, expected] : v.counts) {
      auto spec = TokenizerSpecFromModelDefinition("openai", configs.at(name));
      ASSERT_TRUE(spec.has_value()) << name;
      EXPECT_EQ(CountValueTokens(*spec, v.json), expected) << v.id << " with " << name;
    }
  }
}

TEST(GenerationTokens, InputOutputAndTotal) {
  auto spec = TokenizerSpecForModelName("gpt-4o");
  ASSERT_TRUE(spec.has_value());
  auto counts = CountGenerationTokens(*spec, R"([{"role":"user","content":"Hi"}])",
                                      R"("Hello! How can I help?")");
  EXPECT_EQ(counts.input, 8);  // 3 + "user" + "Hi" + 3
  EXPECT_EQ(counts.output, 7);
  EXPECT_EQ(counts.total, 15);
  counts = CountGenerationTokens(*spec, std::nullopt, R"("")");
  EXPECT_FALSE(counts.input.has_value());
  EXPECT_EQ(counts.output, 0);
  EXPECT_FALSE(counts.total.has_value());  // Langfuse: no total when both are 0 or absent
  counts = CountGenerationTokens(*spec, "null", "not json");
  EXPECT_FALSE(counts.input.has_value());
  EXPECT_FALSE(counts.output.has_value());
}

TEST(JsJson, NumbersFormatAsJavaScriptDoes) {
  EXPECT_EQ(JsNumberToString(1), "1");
  EXPECT_EQ(JsNumberToString(-0.0), "0");
  EXPECT_EQ(JsNumberToString(0.1), "0.1");
  EXPECT_EQ(JsNumberToString(1e21), "1e+21");
  EXPECT_EQ(JsNumberToString(1e20), "100000000000000000000");
  EXPECT_EQ(JsNumberToString(1.5e-7), "1.5e-7");
  EXPECT_EQ(JsNumberToString(0.000001), "0.000001");
  EXPECT_EQ(JsNumberToString(123.456), "123.456");
  EXPECT_EQ(JsNumberToString(5e-324), "5e-324");
  EXPECT_EQ(JsNumberToString(12345678901234567890.0), "12345678901234567000");
}

TEST(JsJson, StringifyKeepsJavaScriptsOrderAndEscapes) {
  auto v = JsJsonParse(R"({"b":1,"2":2,"a":3,"1":4,"01":5,"b":6})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(JsJsonStringify(*v), R"({"1":4,"2":2,"b":6,"a":3,"01":5})");
  v = JsJsonParse(R"(["\u00e9\ud83d\ude00\ud800\u0001\u2028\/",1.0,-0,1E2])");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(JsJsonStringify(*v), "[\"\u00e9\U0001F600\\ud800\\u0001\u2028/\",1,0,100]");
  EXPECT_FALSE(JsJsonParse("[1,]").has_value());
  EXPECT_FALSE(JsJsonParse("01").has_value());
  EXPECT_FALSE(JsJsonParse("\"a\nb\"").has_value());
  JsParseError error;
  EXPECT_FALSE(JsJsonParse(std::string(600, '[') + std::string(600, ']'), {}, &error));
  EXPECT_EQ(error, JsParseError::kTooDeep);
}

TEST(JsJson, UnsafeNumbersAsLosslessJsonSeesThem) {
  EXPECT_TRUE(IsSafeNumberText("9007199254740991"));
  EXPECT_FALSE(IsSafeNumberText("9007199254740992"));
  EXPECT_FALSE(IsSafeNumberText("12345678901234567890"));
  EXPECT_TRUE(IsSafeNumberText("1.50"));
  EXPECT_TRUE(IsSafeNumberText("1.5e3"));
  EXPECT_FALSE(IsSafeNumberText("1e21"));  // an integer beyond 2^53
  EXPECT_FALSE(IsSafeNumberText("1e400"));
  EXPECT_FALSE(IsSafeNumberText("1e-400"));
  EXPECT_FALSE(IsSafeNumberText("0.1000000000000000055511151231257827"));
  EXPECT_TRUE(MayHaveUnsafeNumbers("{\"t\":1700000000000}"));
  EXPECT_TRUE(MayHaveUnsafeNumbers("2e5"));
  EXPECT_FALSE(MayHaveUnsafeNumbers("{\"a\":123456789012}"));
}

}  // namespace
}  // namespace lanterne
