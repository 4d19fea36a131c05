#include "ip/path_mtu.hpp"

#include <array>

namespace ws {

std::optional<std::uint16_t> plateau_below(std::size_t length) {
  // RFC 1191 §7, table 7-1: the MTUs of real networks, largest first.
  static constexpr std::array<std::uint16_t, 11> kPlateaus{65535, 32000, 17914, 8166, 4352, 2002,
                                                           1492,  1006,  508,   296,  68};
  for (std::uint16_t p : kPlateaus) {
    if (p < length) return p;
  }
  return std::nullopt;
}

std::optional<PathMtuReport> read_frag_needed(std::uint16_t next_hop_mtu, std::size_t quoted_total_len) {
  std::size_t mtu = next_hop_mtu;
  if (mtu == 0) {
    // RFC 1191 §5: a router that predates the MTU field; guess the next
    // plateau below the datagram that did not fit.
    auto p = plateau_below(quoted_total_len);
    if (!p) return std::nullopt;
    mtu = *p;
  }
  // The datagram was too big for this MTU, or the message is not about it.
  if (mtu >= quoted_total_len) return std::nullopt;
  if (mtu < kMinPathMtu) return PathMtuReport{kMinPathMtu, true};
  return PathMtuReport{static_cast<std::uint16_t>(mtu), false};
}

}  // namespace ws
