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

  CLI11_PARSE(app, argc, argv);

  if (*demo_cmd) return ws::cli::run_demo(demo);
  if (*decode_cmd) return ws::cli::run_decode(decode);
  return 2;
}
