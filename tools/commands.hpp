// Subcommands of the `wirestack` tool. Each returns the process exit code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ws::cli {

struct DemoOptions {
  std::string pcap_path = "demo.pcap";
};
int run_demo(const DemoOptions& opts);

struct DecodeOptions {
  std::string pcap_path;
  bool link_level = false;
};
int run_decode(const DecodeOptions& opts);

struct SimPingOptions {
  int count = 5;
  double loss = 0.0;       // per frame on the client's link, each direction
  double delay_ms = 1.0;   // one-way delay of every link
  double interval_ms = 1000.0;
  std::size_t size = 56;   // ICMP data bytes
  std::uint64_t seed = 1;
  std::string pcap_path;
  bool across_router = false;
  bool quiet = false;      // no frame trace
};
int run_sim_ping(const SimPingOptions& opts);

}  // namespace ws::cli
