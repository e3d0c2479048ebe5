// Where Lanterne's read-only data files live (the built-in model price list, tokenizer
// rank tables): $LANTERNE_SHARE_DIR when set, else the `share/` folder of the source tree
// the binary was built from.
#pragma once

#include <string>

namespace lanterne {

std::string ShareDir();

}  // namespace lanterne
