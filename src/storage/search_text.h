// Full-text search over traces (docs/ui-api.md, "Search"): the text that is indexed for a
// record, and the safe forms of a user's query. Engine-independent and pure, so the rules
// are tested without a store.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace lanterne {

// At most this many bytes of text are indexed per trace or observation: enough for any
// prompt a person searches for, and it bounds the index on huge RAG contexts.
inline constexpr size_t kMaxSearchTextBytes = 64 * 1024;
// The longest query accepted (bytes).
inline constexpr size_t kMaxSearchQueryBytes = 1000;

// Appends the string leaves of the JSON value `json` to `out`, each followed by a newline:
// what a person reads, not keys, numbers or punctuation. Text that is not JSON is appended
// as it is. Stops at `limit` bytes of `out`, never cutting a UTF-8 character in two.
void AppendSearchText(std::string_view json, std::string& out, size_t limit = kMaxSearchTextBytes);

// A validated search: trimmed, valid UTF-8, at most kMaxSearchQueryBytes; empty (only
// blanks) means no search. The error names the `search` field.
Result<std::string> NormalizeSearchQuery(std::string_view raw);

// Unicode characters (code points) in valid UTF-8 text.
size_t CodePointCount(std::string_view utf8);

// The trigram index finds queries of 3+ characters; shorter ones are scanned instead.
inline bool UsesTrigramIndex(std::string_view query) { return CodePointCount(query) >= 3; }

// `query` as one FTS5 phrase: in double quotes, its own quotes doubled, so no character
// of it is FTS syntax (AND, *, :, parentheses, ^ are all literal).
std::string FtsPhrase(std::string_view query);

// The index keeps which trigrams a document has, not where (FTS5 detail=none: a sixth of
// the positional index's size), so a query of 3+ characters is found in two steps: an FTS5
// match of documents holding all of the query's trigrams — at most kMaxQueryTrigrams of
// them, spread over the query, each quoted as in FtsPhrase — then SearchTextContains on each
// such document's text, which drops those whose trigrams are not side by side.
inline constexpr size_t kMaxQueryTrigrams = 16;
std::string FtsTrigramQuery(std::string_view query);

// `text` with each character case-folded as the trigram tokenizer folds it (simple Unicode
// folding, accents kept): Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee and
// full-width letters. It may fold more than SQLite does, never less (a unit test compares
// them over the Basic Multilingual Plane): a document only reaches the check after the
// index matched its folded trigrams, so folding more cannot add a match.
std::string SearchFold(std::string_view text);

// Whether `text` holds `folded_query` (SearchFold of the query) ignoring case.
bool SearchTextContains(std::string_view text, std::string_view folded_query);

}  // namespace lanterne
