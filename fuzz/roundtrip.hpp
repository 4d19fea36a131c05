// Shared oracle for the fuzz targets: a value that parsed must re-emit to
// bytes that parse back to an equal value. A mismatch aborts (a finding).
#pragma once

#include <cstdio>
#include <cstdlib>

#define WS_FUZZ_CHECK(cond)                                                     \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "fuzz oracle failed: %s (%s:%d)\n", #cond, __FILE__, \
                   __LINE__);                                                   \
      std::abort();                                                             \
    }                                                                           \
  } while (0)
