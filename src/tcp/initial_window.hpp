// The initial congestion window for a segment size (RFC 5681 §3.1 or
// RFC 6928 §2), shared by every congestion controller: Reno (the old
// CongestionController) and the CongestionControl ones (NewRenoCc, Cubic).
#pragma once

#include <algorithm>
#include <cstdint>

namespace ws::tcp {

enum class InitialWindow : std::uint8_t {
  kRfc5681,  // RFC 5681 §3.1: 4, 3 or 2 segments by SMSS (4380 bytes at SMSS 1460)
  kIw10,     // RFC 6928 §2: min(10·MSS, max(2·MSS, 14600)) — Linux's default
};

// IW in bytes, at most 2^30 (the largest window, RFC 7323 §2.3).
inline std::uint32_t initial_window(std::uint32_t smss, InitialWindow kind) {
  constexpr std::uint64_t kMax = std::uint64_t{1} << 30;
  const std::uint64_t s = std::max<std::uint32_t>(smss, 1);
  std::uint64_t iw = s;
  switch (kind) {
    case InitialWindow::kRfc5681:
      // RFC 5681 §3.1 in segments. (RFC 3390's byte formula
      // min(4·SMSS, max(2·SMSS, 4380)) agrees at SMSS <= 1095, 1460 and
      // > 2190, but caps 1095 < SMSS <= 2190 at 4380 bytes; RFC 5681
      // replaced it with 3 segments, as Linux did.)
      iw = s > 2190 ? 2 * s : s > 1095 ? 3 * s : 4 * s;
      break;
    case InitialWindow::kIw10:
      iw = std::min<std::uint64_t>(10 * s, std::max<std::uint64_t>(2 * s, 14600));
      break;
  }
  return static_cast<std::uint32_t>(std::min(iw, kMax));
}

}  // namespace ws::tcp
