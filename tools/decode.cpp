// `wirestack decode FILE`: the wire layer's view of a capture.
#include <fmt/format.h>

#include "commands.hpp"
#include "link/pcap.hpp"
#include "wire/describe.hpp"

namespace ws::cli {

int run_decode(const DecodeOptions& opts) {
  auto records = read_pcap(opts.pcap_path);
  if (!records) {
    fmt::print(stderr, "wirestack decode: {}\n", records.error());
    return 1;
  }
  std::size_t n = 0;
  for (const auto& r : *records) {
    fmt::print("{:>4} {} {}\n", ++n, r.at.to_string(), describe_frame(r.frame, opts.link_level));
  }
  return 0;
}

}  // namespace ws::cli
