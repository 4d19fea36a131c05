// Subcommands of the `wirestack` tool. Each returns the process exit code.
#pragma once

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

}  // namespace ws::cli
