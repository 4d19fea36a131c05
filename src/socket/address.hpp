// An IPv4 socket address: (address, port), printed "192.0.2.1:8000".
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/address.hpp"

namespace ws {

struct SocketAddress {
  Ipv4Address ip;  // any (0.0.0.0) in bind means every local address, like INADDR_ANY
  std::uint16_t port = 0;

  // "192.0.2.1:8000"; also ":8000" and "*:8000" for the any address.
  static std::optional<SocketAddress> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const SocketAddress&) const = default;
};

}  // namespace ws
