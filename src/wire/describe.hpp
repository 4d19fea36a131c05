// One-line, tcpdump-like summaries of frames, for the CLI, logs and test
// failure messages. Decoding only: no protocol decisions here.
#pragma once

#include <string>

#include "base/bytes.hpp"

namespace ws {

// "IP 192.0.2.1.40232 > 192.0.2.2.8000: Flags [S], seq 1000, win 64240,
//  options [mss 1460,sackOK,TS val 1 ecr 0,wscale 7], length 0"
// With link_level, the MAC addresses lead the line, as in `tcpdump -e`.
// Malformed input is described, never trusted: "IP bad: BadChecksum".
std::string describe_frame(Bytes frame, bool link_level = false);

}  // namespace ws
