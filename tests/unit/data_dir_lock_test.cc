// One server per data directory: a second lock on it fails at once, naming the holder.
#include "storage/data_dir_lock.h"

#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "temp_dir.h"

namespace lanterne {
namespace {

TEST(DataDirLock, ASecondHolderIsRefusedUntilTheFirstLetsGo) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/nested/data";  // created on the way
  std::optional<DataDirLock> first;
  {
    auto lock = DataDirLock::Acquire(data_dir);
    ASSERT_TRUE(lock.ok()) << lock.status().message();
    first.emplace(std::move(lock).value());
  }
  EXPECT_TRUE(std::filesystem::exists(data_dir + "/lanterne.lock"));

  auto second = DataDirLock::Acquire(data_dir);
  ASSERT_FALSE(second.ok());
  const std::string& message = second.status().message();
  EXPECT_NE(message.find(data_dir + " is in use"), std::string::npos) << message;
  EXPECT_NE(message.find("(pid " + std::to_string(::getpid()) + ")"), std::string::npos) << message;

  first.reset();
  auto third = DataDirLock::Acquire(data_dir);
  EXPECT_TRUE(third.ok()) << third.status().message();
}

}  // namespace
}  // namespace lanterne
