// Names the calling thread, as `top -H`, `ps -L` and profilers show it: the writer, the
// syncer, the checkpointer and the request threads each show where the CPU goes.
#pragma once

#include <pthread.h>

namespace lanterne {

// `name`: at most 15 characters (the kernel's limit); longer names are cut.
inline void NameThisThread(const char* name) {
  char cut[16] = {};
  for (int i = 0; i < 15 && name[i]; ++i) cut[i] = name[i];
  pthread_setname_np(pthread_self(), cut);
}

}  // namespace lanterne
