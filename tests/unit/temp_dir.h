// A fresh directory under the system temp dir for one test, removed with everything in it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <system_error>

namespace lanterne {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "lanterne-test") {
    std::random_device rd;
    std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
    std::ostringstream name;
    name << prefix << "-" << std::hex << rng();
    path_ = std::filesystem::temp_directory_path() / name.str();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace lanterne
