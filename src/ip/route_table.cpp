#include "ip/route_table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ws {

std::string Route::to_string() const {
  std::string s = Ipv4Cidr(destination.network(), destination.prefix_len()).to_string();
  if (gateway) s += fmt::format(" via {}", gateway->to_string());
  s += fmt::format(" dev {}", iface);
  if (connected) s += " proto kernel scope link";
  if (metric != 0) s += fmt::format(" metric {}", metric);
  return s;
}

void RouteTable::add(Route route) {
  route.destination = Ipv4Cidr(route.destination.network(), route.destination.prefix_len());
  auto same = std::find_if(routes_.begin(), routes_.end(), [&](const Route& r) {
    return r.destination == route.destination && r.gateway == route.gateway;
  });
  if (same != routes_.end()) routes_.erase(same);
  // Insert after every route that sorts before or equal (stable: insertion order breaks ties).
  auto pos = std::find_if(routes_.begin(), routes_.end(), [&](const Route& r) {
    if (r.destination.prefix_len() != route.destination.prefix_len()) {
      return r.destination.prefix_len() < route.destination.prefix_len();
    }
    return r.metric > route.metric;
  });
  routes_.insert(pos, route);
}

std::size_t RouteTable::remove(Ipv4Cidr destination) {
  const Ipv4Cidr norm(destination.network(), destination.prefix_len());
  return static_cast<std::size_t>(
      std::erase_if(routes_, [&](const Route& r) { return r.destination == norm; }));
}

std::optional<Route> RouteTable::lookup(Ipv4Address dst) const {
  // Sorted by prefix length descending, so the first match is the longest.
  for (const Route& r : routes_) {
    if (r.destination.contains(dst)) return r;
  }
  return std::nullopt;
}

}  // namespace ws
