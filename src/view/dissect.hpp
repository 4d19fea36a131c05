// A frame taken apart layer by layer, field by field, as a learner reads
// it in a packet analyser: Ethernet II, ARP (RFC 826), IPv4 (RFC 791 §3.1),
// TCP (RFC 9293 §3.1, options of RFC 7323 and RFC 2018), UDP (RFC 768),
// ICMP (RFC 792). Decoding only; bad input is described, never trusted.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/bytes.hpp"

namespace ws::view {

struct Layer {
  std::string name;  // "Ethernet II", "IPv4", "TCP", ...
  std::vector<std::pair<std::string, std::string>> fields;  // in header order
};

std::vector<Layer> dissect(Bytes frame);

// "0000  02 00 00 00 03 00 02 00  00 00 02 00 08 00 45 00  ..............E." lines.
std::string hex_dump(Bytes frame);

}  // namespace ws::view
