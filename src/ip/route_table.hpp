// The routing table: longest-prefix match (RFC 1812 §5.2.4.3) over
// connected routes (from interface addresses), static routes and a default
// route. The next hop is seed 001's rule: on-link when the destination is
// in a connected subnet (my_ip & mask == dst & mask), else the gateway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/address.hpp"

namespace ws {

using IfIndex = std::size_t;

struct Route {
  Ipv4Cidr destination;                // stored normalised: host bits cleared
  std::optional<Ipv4Address> gateway;  // none: the destination is on-link
  IfIndex iface = 0;
  std::uint32_t metric = 0;
  bool connected = false;  // installed from an interface address

  // The address whose MAC the packet must be sent to.
  Ipv4Address next_hop(Ipv4Address dst) const { return gateway ? *gateway : dst; }
  std::string to_string() const;
};

class RouteTable {
 public:
  // Adds or replaces the route with the same destination and gateway.
  void add(Route route);
  // Removes matching routes; returns how many.
  std::size_t remove(Ipv4Cidr destination);
  // Longest prefix wins; among equal prefixes the lowest metric, then the
  // earliest added. A linear scan: host tables hold a handful of routes.
  std::optional<Route> lookup(Ipv4Address dst) const;
  const std::vector<Route>& entries() const { return routes_; }

 private:
  std::vector<Route> routes_;  // kept sorted: prefix length desc, metric asc, insertion
};

}  // namespace ws
