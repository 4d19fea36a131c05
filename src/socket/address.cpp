#include "socket/address.hpp"

#include <charconv>

#include <fmt/format.h>

namespace ws {

std::optional<SocketAddress> SocketAddress::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return std::nullopt;
  }
  SocketAddress a;
  a.port = static_cast<std::uint16_t>(port);
  if (host.empty() || host == "*") return a;
  auto ip = Ipv4Address::parse(host);
  if (!ip) return std::nullopt;
  a.ip = *ip;
  return a;
}

std::string SocketAddress::to_string() const { return fmt::format("{}:{}", ip.to_string(), port); }

}  // namespace ws
