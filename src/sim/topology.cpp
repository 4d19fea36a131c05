#include "sim/topology.hpp"

#include <algorithm>
#include <stdexcept>

namespace ws::sim {

Switch& TopologyBuilder::add_switch(const std::string& name, std::size_t ports) {
  return sim_.add_node<Switch>(name, ports);
}

HostNode& TopologyBuilder::add_host(const std::string& name, HostConfig config) {
  config.name = name;
  return sim_.add_node<HostNode>(std::move(config));
}

IfIndex TopologyBuilder::attach(HostNode& host, Switch& sw, Ipv4Cidr addr, const LinkConfig& link,
                                std::optional<MacAddress> mac) {
  const auto port = sim_.free_port(sw);
  if (!port) throw std::invalid_argument("switch " + sw.name() + " has no free port");
  Host& h = host.host();
  const auto n = static_cast<std::uint8_t>(h.interface_count());
  // Locally administered (02:…): the node's index in the simulation, then
  // the interface number, so every MAC in one simulation is distinct.
  std::size_t ordinal = 0;
  while (ordinal < sim_.node_count() && &sim_.node(ordinal) != &host) ++ordinal;
  const MacAddress m =
      mac.value_or(MacAddress({0x02, 0, 0, 0, static_cast<std::uint8_t>(ordinal + 1), n}));
  // The interface MTU follows the link, up to the largest datagram.
  const auto mtu = static_cast<std::uint16_t>(std::min<std::size_t>(link.mtu, 65535));
  const IfIndex iface = h.add_interface({"eth" + std::to_string(n), m, mtu});
  sim_.connect(host, iface, sw, *port, link);
  h.add_address(sim_.now(), iface, addr);
  sim_.kick(host);
  return iface;
}

namespace {
HostConfig host_config(const HostConfig& base, Simulation& sim) {
  HostConfig c = base;
  c.seed = sim.rng().next_u64();  // each host its own stream, all from the one seed
  return c;
}
}  // namespace

Lan build_lan(Simulation& sim, const LinkConfig& link, const HostConfig& base) {
  TopologyBuilder t(sim);
  Switch& sw = t.add_switch("sw", 4);
  HostNode& client = t.add_host("client", host_config(base, sim));
  HostNode& server = t.add_host("server", host_config(base, sim));
  t.attach(client, sw, Ipv4Cidr(kClientAddr, 24), link);
  t.attach(server, sw, Ipv4Cidr(kLanServerAddr, 24), link);
  return Lan{sw, client, server};
}

RoutedLans build_routed(Simulation& sim, const LinkConfig& link, const HostConfig& base) {
  TopologyBuilder t(sim);
  Switch& left = t.add_switch("sw1", 4);
  Switch& right = t.add_switch("sw2", 4);
  HostNode& client = t.add_host("client", host_config(base, sim));
  HostConfig rc = host_config(base, sim);
  rc.forwarding = true;
  HostNode& router = t.add_host("router", rc);
  HostNode& server = t.add_host("server", host_config(base, sim));
  t.attach(client, left, Ipv4Cidr(kClientAddr, 24), link);
  t.attach(router, left, Ipv4Cidr(Ipv4Address(192, 0, 2, 1), 24), link);
  t.attach(router, right, Ipv4Cidr(Ipv4Address(198, 51, 100, 1), 24), link);
  t.attach(server, right, Ipv4Cidr(kRoutedServerAddr, 24), link);
  client.host().set_default_gateway(Ipv4Address(192, 0, 2, 1), 0);
  server.host().set_default_gateway(Ipv4Address(198, 51, 100, 1), 0);
  return RoutedLans{left, right, client, router, server};
}

}  // namespace ws::sim
