// lanterne-tokenize: the C++ tokenizer from the command line, for the parity tests
// (tests/tokenize/parity.test.mjs) and the throughput benchmark (bench/tokenize.sh).
//
//   lanterne-tokenize encode --encoding o200k_base [--special]
//       stdin: one JSON string per line; stdout: its token ids as a JSON array per line
//       (--special: special-token text counts as the special token, as Langfuse counts)
//   lanterne-tokenize split --encoding o200k_base
//       stdin: one JSON string per line; stdout: its pre-tokenizer pieces as a JSON array
//   lanterne-tokenize count (--tokenizer-config JSON [--tokenizer-id openai] | --model NAME)
//       stdin: per line, a JSON string holding the JSON text of an input or output as stored;
//       stdout: Langfuse's token count for it, or null
//   lanterne-tokenize bench --encoding o200k_base --file PATH [--seconds 3] [--mode encode]
//       prints {"encoding","mode","bytes","tokens","load_ms","runs","best_s","mb_per_s"}: the
//       best of repeated passes over the file's text, with Encode() (token ids, the default)
//       or Count() (--mode count)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "tokenize/bpe.h"
#include "tokenize/generation_tokens.h"
#include "tokenize/js_json.h"
#include "tokenize/pretokenize.h"

namespace {

using lanterne::BpeEncoding;

int Usage() {
  std::fprintf(stderr,
               "usage: lanterne-tokenize encode|split --encoding NAME [--special]\n"
               "       lanterne-tokenize count (--tokenizer-config JSON [--tokenizer-id ID] | "
               "--model NAME)\n"
               "       lanterne-tokenize bench --encoding NAME --file PATH [--seconds N] "
               "[--mode encode|count]\n");
  return 2;
}

std::string JsonString(std::string_view s) {
  lanterne::JsValue v;
  v.type = lanterne::JsValue::Type::kString;
  v.string.assign(s);
  return lanterne::JsJsonStringify(v);
}

const BpeEncoding* EncodingOrDie(const std::map<std::string, std::string>& args) {
  auto it = args.find("encoding");
  std::optional<lanterne::EncodingId> id =
      it == args.end() ? std::nullopt : lanterne::EncodingFromName(it->second);
  if (!id) {
    std::fprintf(stderr, "lanterne-tokenize: --encoding cl100k_base|o200k_base\n");
    std::exit(2);
  }
  auto encoding = lanterne::GetEncoding(*id);
  if (!encoding.ok()) {
    std::fprintf(stderr, "lanterne-tokenize: %s\n", encoding.status().message().c_str());
    std::exit(1);
  }
  return *encoding;
}

// Each stdin line as the UTF-8 text of a JSON string.
template <typename F>
int ForEachTextLine(F&& f) {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::optional<lanterne::JsValue> v = lanterne::JsJsonParse(line);
    if (!v || v->type != lanterne::JsValue::Type::kString) {
      std::fprintf(stderr, "lanterne-tokenize: each line must be a JSON string\n");
      return 1;
    }
    f(lanterne::WtfToUtf8(v->string));
  }
  return 0;
}

int Encode(const std::map<std::string, std::string>& args) {
  const BpeEncoding* encoding = EncodingOrDie(args);
  bool special = args.count("special") > 0;
  std::string out;
  return ForEachTextLine([&](const std::string& text) {
    auto ids = special ? encoding->EncodeWithSpecialTokens(text) : encoding->Encode(text);
    out.clear();
    out.push_back('[');
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(ids[i]);
    }
    out += "]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

int Split(const std::map<std::string, std::string>& args) {
  const BpeEncoding* encoding = EncodingOrDie(args);
  auto kind = encoding->id() == lanterne::EncodingId::kCl100kBase
                  ? lanterne::PretokenizerKind::kCl100k
                  : lanterne::PretokenizerKind::kO200k;
  return ForEachTextLine([&](const std::string& text) {
    std::string out = "[";
    bool first = true;
    for (std::string_view piece : lanterne::SplitPieces(kind, text)) {
      if (!first) out += ',';
      first = false;
      out += JsonString(piece);
    }
    out += "]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

int Count(const std::map<std::string, std::string>& args) {
  std::optional<lanterne::TokenizerSpec> spec;
  if (auto model = args.find("model"); model != args.end()) {
    spec = lanterne::TokenizerSpecForModelName(model->second);
  } else if (auto config = args.find("tokenizer-config"); config != args.end()) {
    auto id = args.find("tokenizer-id");
    spec = lanterne::TokenizerSpecFromModelDefinition(
        id == args.end() ? "openai" : std::string_view(id->second), config->second);
  } else {
    return Usage();
  }
  return ForEachTextLine([&](const std::string& value_json) {
    std::optional<int64_t> n;
    if (spec) n = lanterne::CountValueTokens(*spec, value_json);
    std::printf("%s\n", n ? std::to_string(*n).c_str() : "null");
  });
}

int Bench(const std::map<std::string, std::string>& args) {
  using Clock = std::chrono::steady_clock;
  auto file = args.find("file");
  if (file == args.end()) return Usage();
  std::ifstream in(file->second, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "lanterne-tokenize: cannot read %s\n", file->second.c_str());
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  double seconds = args.count("seconds") ? std::stod(args.at("seconds")) : 3.0;
  bool count_only = args.count("mode") && args.at("mode") == "count";

  auto t0 = Clock::now();
  const BpeEncoding* encoding = EncodingOrDie(args);
  double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

  size_t tokens = 0;
  int runs = 0;
  double best = 1e30;
  auto start = Clock::now();
  do {
    auto a = Clock::now();
    tokens = count_only ? encoding->Count(text) : encoding->Encode(text).size();
    double s = std::chrono::duration<double>(Clock::now() - a).count();
    best = std::min(best, s);
    ++runs;
  } while (runs < 3 || std::chrono::duration<double>(Clock::now() - start).count() < seconds);
  std::printf(
      "{\"encoding\":\"%s\",\"mode\":\"%s\",\"bytes\":%zu,\"tokens\":%zu,\"load_ms\":%.1f,"
      "\"runs\":%d,\"best_s\":%.6f,\"mb_per_s\":%.2f}\n",
      std::string(encoding->name()).c_str(), count_only ? "count" : "encode", text.size(), tokens,
      load_ms, runs, best, static_cast<double>(text.size()) / best / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string command = argv[1];
  std::map<std::string, std::string> args;
  for (int i = 2; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag.rfind("--", 0) != 0) return Usage();
    flag.remove_prefix(2);
    if (flag == "special") {
      args.insert_or_assign(std::string(flag), std::string(1, '1'));
    } else if (i + 1 < argc) {
      args.insert_or_assign(std::string(flag), std::string(argv[++i]));
    } else {
      return Usage();
    }
  }
  if (command == "encode") return Encode(args);
  if (command == "split") return Split(args);
  if (command == "count") return Count(args);
  if (command == "bench") return Bench(args);
  return Usage();
}
