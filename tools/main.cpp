// The `wirestack` command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wirestack: a user-space TCP/IP stack (Ethernet, ARP, IPv4, ICMP, UDP, TCP)"};
  app.require_subcommand(1);

  ws::cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand(
      "demo", "Build an ARP exchange, an ICMP echo and a TCP handshake with the wire layer, "
              "print each frame decoded and write them to a pcap file");
  demo_cmd->add_option("--pcap", demo.pcap_path, "Where to write the capture")->capture_default_str();

  ws::cli::DecodeOptions decode;
  auto* decode_cmd = app.add_subcommand("decode", "Print a pcap file one line per frame, decoded by wirestack");
  decode_cmd->add_option("file", decode.pcap_path, "pcap file (Ethernet link type)")->required();
  decode_cmd->add_flag("-e,--link", decode.link_level, "Print MAC addresses too");

  auto* sim_cmd = app.add_subcommand("sim", "Run programs on a simulated network (virtual time, seeded faults)");
  sim_cmd->require_subcommand(1);
  ws::cli::SimPingOptions ping;
  auto* ping_cmd = sim_cmd->add_subcommand(
      "ping", "ping(8) from a client to a server on one switch, or across a router (--across-router)");
  ping_cmd->add_option("-c,--count", ping.count, "Echo requests to send")->capture_default_str();
  ping_cmd->add_option("--loss", ping.loss, "Loss probability of each frame on the client's link, both directions (0..1)")->capture_default_str();
  ping_cmd->add_option("--delay", ping.delay_ms, "One-way delay of every link, ms")->capture_default_str();
  ping_cmd->add_option("-i,--interval", ping.interval_ms, "Between requests, ms")->capture_default_str();
  ping_cmd->add_option("-s,--size", ping.size, "ICMP data bytes (larger than 1472 fragments)")->capture_default_str();
  ping_cmd->add_option("--seed", ping.seed, "Seed of the simulation: same seed, same run")->capture_default_str();
  ping_cmd->add_option("--pcap", ping.pcap_path, "Write the client's interface to this pcap file");
  ping_cmd->add_flag("--across-router", ping.across_router,
                     "client 192.0.2.10 and server 198.51.100.20 on two switches joined by a router");
  ping_cmd->add_flag("-q,--quiet", ping.quiet, "Only ping's own lines, no frame trace");

  CLI11_PARSE(app, argc, argv);

  if (*demo_cmd) return ws::cli::run_demo(demo);
  if (*decode_cmd) return ws::cli::run_decode(decode);
  if (*ping_cmd) return ws::cli::run_sim_ping(ping);
  return 2;
}
