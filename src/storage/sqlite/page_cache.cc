#include "storage/sqlite/page_cache.h"

#include <sqlite3.h>

namespace lanterne::sqlite {
namespace {

sqlite3_pcache_methods2 default_cache;
bool installed = false;

// SQLite's PENDING_BYTE: the page holding it is never a database page, so its number is
// free for the balancer's swaps.
constexpr unsigned kPendingByte = 0x40000000;

struct Cache {
  sqlite3_pcache* inner;
  unsigned swap_page;  // the page number the balancer swaps through
  unsigned max_page;   // no page above this number is in the cache (swap_page aside)
};

Cache* Of(sqlite3_pcache* cache) { return reinterpret_cast<Cache*>(cache); }

void Holds(Cache* cache, unsigned page) {
  if (page != cache->swap_page && page > cache->max_page) cache->max_page = page;
}

sqlite3_pcache* Create(int page_size, int extra_size, int purgeable) {
  sqlite3_pcache* inner = default_cache.xCreate(page_size, extra_size, purgeable);
  if (!inner) return nullptr;
  auto* cache = static_cast<Cache*>(sqlite3_malloc(sizeof(Cache)));
  if (!cache) {
    default_cache.xDestroy(inner);
    return nullptr;
  }
  cache->inner = inner;
  cache->swap_page = page_size > 0 ? kPendingByte / static_cast<unsigned>(page_size) + 1 : 0;
  cache->max_page = 0;
  return reinterpret_cast<sqlite3_pcache*>(cache);
}

void Cachesize(sqlite3_pcache* cache, int pages) {
  default_cache.xCachesize(Of(cache)->inner, pages);
}

int Pagecount(sqlite3_pcache* cache) { return default_cache.xPagecount(Of(cache)->inner); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* cache, unsigned key, int create) {
  sqlite3_pcache_page* page = default_cache.xFetch(Of(cache)->inner, key, create);
  if (page) Holds(Of(cache), key);
  return page;
}

void Unpin(sqlite3_pcache* cache, sqlite3_pcache_page* page, int discard) {
  default_cache.xUnpin(Of(cache)->inner, page, discard);
}

void Rekey(sqlite3_pcache* cache, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
  default_cache.xRekey(Of(cache)->inner, page, old_key, new_key);
  Holds(Of(cache), new_key);
}

void Truncate(sqlite3_pcache* cache, unsigned limit) {
  // Nothing at or past `limit` (the swap page is only ever held between two rekeys of one
  // balance, never across the end of a transaction): the default cache would walk every
  // bucket to find nothing.
  if (limit > Of(cache)->max_page) return;
  default_cache.xTruncate(Of(cache)->inner, limit);
  Of(cache)->max_page = limit > 0 ? limit - 1 : 0;
}

void Destroy(sqlite3_pcache* cache) {
  default_cache.xDestroy(Of(cache)->inner);
  sqlite3_free(cache);
}

void Shrink(sqlite3_pcache* cache) { default_cache.xShrink(Of(cache)->inner); }

}  // namespace

void InstallPageCacheWrapper() {
  if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &default_cache) != SQLITE_OK) return;
  if (!default_cache.xCreate || default_cache.iVersion < 1) return;
  static sqlite3_pcache_methods2 wrapper;
  wrapper = default_cache;  // xInit, xShutdown and pArg go to the default cache as they are
  wrapper.xCreate = Create;
  wrapper.xCachesize = Cachesize;
  wrapper.xPagecount = Pagecount;
  wrapper.xFetch = Fetch;
  wrapper.xUnpin = Unpin;
  wrapper.xRekey = Rekey;
  wrapper.xTruncate = Truncate;
  wrapper.xDestroy = Destroy;
  wrapper.xShrink = Shrink;
  installed = sqlite3_config(SQLITE_CONFIG_PCACHE2, &wrapper) == SQLITE_OK;
}

bool PageCacheWrapperInstalled() { return installed; }

}  // namespace lanterne::sqlite
