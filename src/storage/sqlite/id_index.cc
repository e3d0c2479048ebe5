#include "storage/sqlite/id_index.h"

#include <algorithm>
#include <mutex>

#include "core/ids.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/id_filter.h"

namespace lanterne::sqlite {

namespace {
int SliceOf(int64_t hash, int slices) {
  return static_cast<int>((static_cast<uint64_t>(hash) >> 32) * static_cast<uint64_t>(slices) >>
                          32);
}
}  // namespace

void RecentIds::Add(const IdMap& entries) {
  if (entries.empty()) return;
  std::unique_lock lock(mu_);
  for (const auto& [hash, seq] : entries) {
    slices_[SliceOf(hash, kSlices)].emplace(hash, seq);
    max_seq_ = std::max(max_seq_, seq);
  }
  size_ += entries.size();
}

std::vector<int64_t> RecentIds::Find(int64_t id_hash) const {
  std::shared_lock lock(mu_);
  std::vector<int64_t> out;
  auto [begin, end] = slices_[SliceOf(id_hash, kSlices)].equal_range(id_hash);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

size_t RecentIds::size() const {
  std::shared_lock lock(mu_);
  return size_;
}

std::vector<IdEntry> RecentIds::Slice(int slice, int slices) const {
  std::vector<IdEntry> out;
  {
    std::shared_lock lock(mu_);
    if (slices == kSlices) {
      out.assign(slices_[slice].begin(), slices_[slice].end());
    } else {
      out.reserve(size_);
      for (const IdMap& part : slices_) {
        for (const auto& entry : part) {
          if (SliceOf(entry.first, slices) == slice) out.push_back(entry);
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RecentIds::Erase(const std::vector<IdEntry>& entries) {
  std::unique_lock lock(mu_);
  for (const auto& [hash, seq] : entries) {
    IdMap& part = slices_[SliceOf(hash, kSlices)];
    auto [first, last] = part.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      if (it->second == seq) {
        part.erase(it);
        --size_;
        break;
      }
    }
  }
}

int64_t RecentIds::MaxSeq() const {
  std::shared_lock lock(mu_);
  return max_seq_;
}

namespace {

Status Failed(sqlite3* db, const std::string& what) {
  return Status::Internal(what + ": " + sqlite3_errmsg(db));
}

}  // namespace

Status RowLocator::Prepare(sqlite3* db, const IdIndexTable& table, const MergedIdFilter* filter) {
  db_ = db;
  filter_ = filter;
  check_ = Statement(db, std::string("SELECT 1 FROM ") + table.table +
                             " WHERE seq = ?1 AND project_id = ?2 AND id = ?3");
  indexed_ = Statement(db, std::string("SELECT t.seq FROM ") + table.index_table + " i JOIN " +
                               table.table +
                               " t ON t.seq = i.seq WHERE i.id_hash = ?1 AND t.project_id = ?2 "
                               "AND t.id = ?3");
  if (!check_.ok()) return Status::Internal(check_.prepare_error());
  if (!indexed_.ok()) return Status::Internal(indexed_.prepare_error());
  return Status::Ok();
}

Result<std::optional<int64_t>> RowLocator::Locate(const RecentIds& recent, const IdMap& pending,
                                                  const std::string& project_id,
                                                  const std::string& id) {
  const int64_t hash = IdHash(id);
  std::vector<int64_t> candidates = recent.Find(hash);
  auto [first, last] = pending.equal_range(hash);
  for (auto it = first; it != last; ++it) candidates.push_back(it->second);
  for (int64_t seq : candidates) {
    check_.Reset();
    check_.Bind(1, seq)
        .BindNoCopy(2, std::string_view(project_id))
        .BindNoCopy(3, std::string_view(id));
    int rc = check_.Step();
    check_.Reset();  // a statement left stepping keeps a read snapshot past the commit
    if (rc == SQLITE_ROW) return std::optional<int64_t>(seq);
    if (rc != SQLITE_DONE) return Failed(db_, "locate row");
  }
  if (filter_ && !filter_->MayContain(hash)) return std::optional<int64_t>();
  indexed_.Reset();
  indexed_.Bind(1, hash)
      .BindNoCopy(2, std::string_view(project_id))
      .BindNoCopy(3, std::string_view(id));
  int rc = indexed_.Step();
  std::optional<int64_t> found;
  if (rc == SQLITE_ROW) found = indexed_.Int(0);
  indexed_.Reset();  // ends the statement's read, so it holds no snapshot
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Failed(db_, "locate row");
  return found;
}

Result<std::optional<int64_t>> LocateRow(sqlite3* db, const IdIndexTable& table,
                                         const RecentIds& recent, const std::string& project_id,
                                         const std::string& id) {
  RowLocator locator;
  LANTERNE_RETURN_IF_ERROR(locator.Prepare(db, table));
  return locator.Locate(recent, IdMap(), project_id, id);
}

Result<std::vector<int64_t>> SeqsWithKey(sqlite3* db, const IdIndexTable& table,
                                         const RecentIds& recent, int64_t key_hash) {
  std::vector<int64_t> seqs = recent.Find(key_hash);
  Statement indexed(
      db, std::string("SELECT seq FROM ") + table.index_table + " WHERE " + table.key + " = ?1");
  if (!indexed.ok()) return Status::Internal(indexed.prepare_error());
  indexed.Bind(1, key_hash);
  int rc;
  while ((rc = indexed.Step()) == SQLITE_ROW) seqs.push_back(indexed.Int(0));
  if (rc != SQLITE_DONE) return Failed(db, "read index");
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  return seqs;
}

std::string SeqInList(const std::vector<int64_t>& seqs) {
  std::string sql = "seq IN (";
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (i) sql += ',';
    sql += std::to_string(seqs[i]);
  }
  sql += ')';
  return sql;
}

Status MergeIds(sqlite3* db, const IdIndexTable& table, const std::vector<IdEntry>& entries) {
  if (entries.empty()) return Status::Ok();
  Statement insert(db, std::string("INSERT OR IGNORE INTO ") + table.index_table + " (" +
                           table.key + ", seq) VALUES (?1, ?2)");
  if (!insert.ok()) return Status::Internal(insert.prepare_error());
  for (const auto& [hash, seq] : entries) {
    insert.Reset();
    insert.Bind(1, hash).Bind(2, seq);
    if (insert.Step() != SQLITE_DONE) return Failed(db, "merge id index");
  }
  return Status::Ok();
}

Status SetWatermark(sqlite3* db, const IdIndexTable& table, int64_t seq) {
  Statement mark(db,
                 "INSERT INTO index_watermarks (name, seq) VALUES (?1, ?2) ON CONFLICT (name) "
                 "DO UPDATE SET seq = max(seq, excluded.seq)");
  mark.Bind(1, std::string_view(table.watermark)).Bind(2, seq);
  if (mark.Step() != SQLITE_DONE) return Failed(db, "move index watermark");
  return Status::Ok();
}

Status LoadRecentIds(sqlite3* db, const IdIndexTable& table, RecentIds& recent) {
  Statement mark(db, "SELECT seq FROM index_watermarks WHERE name = ?1");
  mark.Bind(1, std::string_view(table.watermark));
  int64_t watermark = 0;
  int rc = mark.Step();
  if (rc == SQLITE_ROW) watermark = mark.Int(0);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Failed(db, "read index watermark");
  Statement rows(
      db, std::string("SELECT ") + table.key + ", seq FROM " + table.table + " WHERE seq > ?1");
  rows.Bind(1, watermark);
  IdMap entries;
  while ((rc = rows.Step()) == SQLITE_ROW) entries.emplace(rows.Int(0), rows.Int(1));
  if (rc != SQLITE_DONE) return Failed(db, "load recent ids");
  recent.Add(entries);
  return Status::Ok();
}

}  // namespace lanterne::sqlite
