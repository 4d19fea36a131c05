// `wirestack decode FILE [-f FILTER]`: the wire layer's view of a capture
// (pcap or pcapng, read through libpcap), each frame with its number in the file.
#include <fmt/format.h>

#include "commands.hpp"
#include "link/capture_reader.hpp"
#include "wire/describe.hpp"

namespace ws::cli {

int run_decode(const DecodeOptions& opts) {
  auto reader = CaptureReader::open(opts.pcap_path, opts.filter);
  if (!reader) {
    fmt::print(stderr, "wirestack decode: {}\n", reader.error());
    return 1;
  }
  for (;;) {
    auto record = reader->next();
    if (!record) {
      fmt::print(stderr, "wirestack decode: {}\n", record.error());
      return 1;
    }
    if (!*record) return 0;
    const CaptureRecord& r = **record;
    fmt::print("{:>4} {} {}\n", r.number, r.at.to_string(), describe_frame(r.frame, opts.link_level));
  }
}

}  // namespace ws::cli
