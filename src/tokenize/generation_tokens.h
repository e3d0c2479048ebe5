// Token counts of a generation's input and output when the client sent no usage, counted
// the way Langfuse's worker does (worker/src/features/tokenisation/usage.ts, tokenizer
// "openai"), so the numbers match Langfuse's:
//
// - the stored value is what Langfuse keeps: a JSON string as its text, anything else as
//   its JSON.stringify text; that text is then JSON-parsed again if it can be (numbers that
//   a double cannot hold stay text, as Langfuse's parseJsonPrioritised does);
// - a chat-message array (every item an object with string `role` and `content`, and a
//   string `name` if any), for a chat tokenizer model, counts like OpenAI's
//   num_tokens_from_messages: per message `tokensPerMessage`, plus the tokens of each truthy
//   content / role / name / tool_calls / function_call / toolCalls / functionCall value,
//   plus `tokensPerName` for a `name` key, plus 3 for the reply's priming;
// - a string counts as its text, anything else as its JSON.stringify text;
// - text is encoded with tiktoken's encode(text, "all"): special-token text such as
//   "<|endoftext|>" counts as one token.
//
// When Langfuse counts at all (the caller decides): the observation's model matched a
// model definition with a tokenizer, the client sent no usage and no cost, and the level
// is not ERROR. Thread-safe; the rank tables load on first use (bpe.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tokenize/bpe.h"

namespace lanterne {

// How to count for one model.
struct TokenizerSpec {
  EncodingId encoding = EncodingId::kCl100kBase;
  bool chat = false;  // message arrays get the per-message overhead
  // Required when `chat` and a value is a message array: Langfuse counts nothing without.
  std::optional<int64_t> tokens_per_message;
  std::optional<int64_t> tokens_per_name;
};

// From a model definition's tokenizerId and tokenizerConfig (JSON object text), with
// Langfuse's rules: tokenizerId "openai", tokenizerConfig.tokenizerModel one of the
// tiktoken model names Langfuse accepts, which picks the encoding (tiktoken's table) and
// whether it is a chat model; tokensPerMessage and tokensPerName as configured. None when
// Langfuse would count nothing, or the encoding is not cl100k_base or o200k_base (models
// on r50k/p50k such as text-davinci-003), or the tokenizer is "claude" (not implemented).
std::optional<TokenizerSpec> TokenizerSpecFromModelDefinition(
    std::optional<std::string_view> tokenizer_id,
    std::optional<std::string_view> tokenizer_config_json);

// From an OpenAI model name alone, without a model definition: EncodingForModel's encoding
// (gpt-4.1 → o200k_base, unlike Langfuse's built-in definitions, which count gpt-4.1 and
// gpt-5 with gpt-4's cl100k_base), and OpenAI's message overhead (3 per message, 1 per
// name; 4 and -1 for gpt-3.5-turbo-0301). Embedding and completion models are not chat.
std::optional<TokenizerSpec> TokenizerSpecForModelName(std::string_view model);

// Langfuse's tokenCount() for one input or output, given as its stored JSON text. None
// when the value is JSON null or not JSON, when a message array needs a chat config that
// is missing, when the rank table cannot be loaded, or for values Langfuse itself would
// give up on (nesting deeper than 512, a message value with a `length` above 10^6).
std::optional<int64_t> CountValueTokens(const TokenizerSpec& spec, std::string_view value_json);

struct GenerationTokenCounts {
  std::optional<int64_t> input, output;
  // Langfuse's total: input + output when either is non-zero, else none.
  std::optional<int64_t> total;
};

// Input and output of one generation (absent = no value). Usage becomes
// {input, output, total}, each only when present.
GenerationTokenCounts CountGenerationTokens(const TokenizerSpec& spec,
                                            const std::optional<std::string>& input_json,
                                            const std::optional<std::string>& output_json);

}  // namespace lanterne
