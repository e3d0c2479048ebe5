// SQLite's own page cache, wrapped to skip a commit-time scan it need not make.
//
// At the end of every write transaction the pager asks its cache to drop the pages past
// the end of the database (xTruncate). The default cache walks its whole hash table for
// that whenever the highest page number it ever held lies far past the end, and B-tree
// balancing makes sure it does: it swaps two pages' numbers through a temporary one, the
// page at the 1 GiB lock byte. Below 1 GiB of database every commit that split an index
// page (all of them, under ingestion) then paid a walk of the whole cache: 16,384 buckets
// at the writer's 64 MiB, ~1 ms, 4% of the server's time at full speed.
//
// The wrapper remembers the highest page number the cache really holds, that temporary
// one aside, and passes a truncation on only when some page lies at or past the limit.
// Everything else goes to the default cache untouched.
#pragma once

namespace lanterne::sqlite {

// Installs the wrapper. Must run before SQLite's first use in the process (it is a no-op
// after, leaving the default cache); called by Connection::Open's one-time setup.
void InstallPageCacheWrapper();
// Whether it was installed (for tests).
bool PageCacheWrapperInstalled();

}  // namespace lanterne::sqlite
