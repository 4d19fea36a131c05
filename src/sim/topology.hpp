// Small topologies for tests and the CLI, built from switches, hosts and a
// router (a Host with forwarding on), with seed 001's addressing: hosts on
// a subnet share a switch; other subnets are reached through a gateway.
//
//   lan:     client 192.0.2.10 ── sw ── server 192.0.2.20
//   routed:  client 192.0.2.10 ── sw1 ── router ── sw2 ── server 198.51.100.20
//                                 192.0.2.1 | 198.51.100.1
#pragma once

#include <optional>
#include <string>

#include "sim/host_node.hpp"
#include "sim/simulation.hpp"
#include "sim/switch.hpp"

namespace ws::sim {

class TopologyBuilder {
 public:
  explicit TopologyBuilder(Simulation& sim) : sim_(sim) {}

  Switch& add_switch(const std::string& name, std::size_t ports = 8);
  HostNode& add_host(const std::string& name, HostConfig config = {});
  // Gives `host` a new interface (MAC 02:00:00:00:NN:II — node number,
  // interface number — unless given),
  // cables it to the switch's lowest free port with `link` both ways, and
  // configures `addr` on it (announced by gratuitous ARP at once).
  IfIndex attach(HostNode& host, Switch& sw, Ipv4Cidr addr, const LinkConfig& link = {},
                 std::optional<MacAddress> mac = std::nullopt);

 private:
  Simulation& sim_;
};

struct Lan {
  Switch& sw;
  HostNode& client;
  HostNode& server;
};

struct RoutedLans {
  Switch& left;
  Switch& right;
  HostNode& client;
  HostNode& router;
  HostNode& server;
};

inline constexpr Ipv4Address kClientAddr{192, 0, 2, 10};
inline constexpr Ipv4Address kLanServerAddr{192, 0, 2, 20};
inline constexpr Ipv4Address kRoutedServerAddr{198, 51, 100, 20};

// Every link gets `link` in both directions. `base` configures each host
// (its name and seed are set per host, seeds derived from the simulation's).
Lan build_lan(Simulation& sim, const LinkConfig& link = {}, const HostConfig& base = {});
RoutedLans build_routed(Simulation& sim, const LinkConfig& link = {}, const HostConfig& base = {});

}  // namespace ws::sim
