// ping(8)'s lines, shared by `wirestack sim ping` and `wirestack ping`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ip/host.hpp"

namespace ws::cli {

// "64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=0.081 ms"
std::string ping_reply_line(const PingReply& r);
// "From 192.0.2.2 icmp_seq=1 Destination Host Unreachable"
std::string ping_error_line(const PingError& e);
// The "--- HOST ping statistics ---" block (rtt line only with replies).
std::string ping_statistics(const std::string& host, int sent, const std::vector<double>& rtts_ms, int errors,
                            std::int64_t elapsed_ms);

}  // namespace ws::cli
