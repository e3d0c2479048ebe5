#include "core/share_dir.h"

#include <cstdlib>

namespace lanterne {

std::string ShareDir() {
  if (const char* dir = std::getenv("LANTERNE_SHARE_DIR"); dir && *dir) return dir;
  return LANTERNE_DEFAULT_SHARE_DIR;
}

}  // namespace lanterne
