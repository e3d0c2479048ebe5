// The rollups' pending changes (docs/architecture.md "Rollups"): what a write transaction
// changed in one (project, table), appended as one row of rollup_pending instead of
// rewriting each key's hour and day rows.
//
// Rewriting the rows in place costs a B-tree page per distinct key and transaction: with
// thousands of users, every transaction dirtied most pages of the current hour's and day's
// per-user rows, and the WAL carried them all again and again. A pending row is one append.
// The writer folds the pending rows of a (project, table) into the key rows once they hold
// more than a bound of entries (RollupWriter, "compaction"), inside the transaction that
// crosses the bound; readers add the pending entries to the rows they read, in the same
// read transaction. Sums are exact integers, so the answer is the same either way.
//
// Pending entries are hour deltas; a day-grain read adds each to the day of its hour.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "domain/rollup.h"

namespace lanterne::sqlite {

// Appends one entry (an hour bucket, a key's bytes, the values to add) to a pending row.
void AppendPendingEntry(std::string& out, int64_t hour_us, std::string_view key,
                        const RollupValues& values);

// Calls `each` with every entry of a pending row, values decoded (sketches only when
// `with_sketches`). False on corrupt bytes.
bool ForEachPendingEntry(
    std::string_view data, bool with_sketches,
    const std::function<void(int64_t hour_us, std::string_view key, RollupValues& values)>& each);

}  // namespace lanterne::sqlite
