// What `wirestack sim udp-*` and `sim tcp-*` share: the network the seed
// programs run on, and the output — what each program prints and (unless
// -q) every frame each host sends, merged in virtual-time order:
//
//     0.100000  client   sendto(b'sb', ('192.0.2.20', 82))
//     0.100000  client   > ARP, Request who-has 192.0.2.20 tell 192.0.2.10
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/loop.hpp"
#include "apps/common.hpp"
#include "link/pcap.hpp"
#include "sim/topology.hpp"

namespace ws::cli {

// The server and its clients on one switch, or the server behind a router
// (seed 001's addressing, as sim::build_lan / build_routed): the server
// is 192.0.2.20 or 198.51.100.20, client i is 192.0.2.(10+i).
struct SimNetwork {
  sim::HostNode* server = nullptr;
  sim::HostNode* router = nullptr;
  std::vector<sim::HostNode*> clients;
  std::vector<sim::HostNode*> all;  // every host, for captures
};

// `alternate_sides`: across the router, every other client (the 2nd, 4th…)
// lives on the server's side and gets 198.51.100.(10+i), so traffic between
// clients crosses the router both ways and stays local too (the UDP chat).
SimNetwork build_sim_network(sim::Simulation& s, const sim::LinkConfig& link, bool across_router,
                             const std::vector<std::string>& client_names,
                             const std::string& server_name, bool alternate_sides);

// The first address of a host's first interface.
Ipv4Address address_of(const sim::HostNode& h);

// Collects the programs' lines and the hosts' outgoing frames; print()
// merges them. Not movable: the simulation holds references to its writers.
class SimOutput {
 public:
  SimOutput() = default;
  SimOutput(const SimOutput&) = delete;
  SimOutput& operator=(const SimOutput&) = delete;

  // Records every frame each host sends (for the trace) and, with a path,
  // into that pcap file too. The error text when the file cannot be opened.
  std::optional<std::string> capture(sim::Simulation& s, const std::vector<sim::HostNode*>& hosts,
                                     const std::string& pcap_path);
  // A program's print(): "  <virtual time>  <who>  <line>". `loop` must
  // outlive the programs that print (lines are stored, not the loop).
  apps::Print printer(const app::Loop& loop, std::string who);
  // Every line in time order (the programs' lines before the frames they
  // cause at the same instant); the frames only with `frames`.
  void print(bool frames) const;
  // "capture of every host's outgoing frames: FILE (N frames)" when capturing to a file.
  void print_capture_note(const std::string& pcap_path);

 private:
  struct Line {
    Instant at;
    int order;
    std::string text;
  };
  std::vector<Line> lines_;
  std::map<std::string, PcapWriter> traces_;
  std::optional<PcapWriter> file_;
};

}  // namespace ws::cli
