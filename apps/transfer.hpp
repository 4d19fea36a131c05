// A TCP transfer between two simulated hosts: N pseudo-random bytes one way,
// the other, or both at once, then a clean close; SHA-256 of what each side
// sent and received. The engine behind `wirestack sim transfer` and the
// robustness matrix.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "link/pcap.hpp"
#include "sim/link.hpp"
#include "socket/error.hpp"
#include "tcp/cc_factory.hpp"
#include "tcp/connection.hpp"

namespace ws::apps {

enum class TransferDirection : std::uint8_t { Up, Down, Both };  // up: client → server

struct TransferConfig {
  std::uint64_t bytes = 1 << 20;
  TransferDirection direction = TransferDirection::Up;
  std::size_t buffer = 65535;  // SO_SNDBUF and SO_RCVBUF of both ends
  std::uint64_t seed = 1;
  // The faults (loss, reordering, duplication, corruption), delay, jitter
  // and rate of the path, each direction: applied to the client's link, so
  // a loss rate is the path's (not compounded per hop) and the RTT is twice
  // the delay. The other links are ideal but for `link.mtu`.
  sim::LinkConfig link;
  bool across_router = false;
  Duration time_limit = Duration::seconds(24 * 3600);  // virtual; never a hang
  PcapWriter* capture = nullptr;         // the client's interface, both directions
  PcapWriter* server_capture = nullptr;  // the server's (replaying a case)
  // TCP options of both ends; nullopt: the stacks' defaults.
  std::optional<bool> sack;
  std::optional<bool> timestamps;
  std::optional<tcp::Pacing> pacing;
  std::optional<tcp::CcKind> cc;
  std::optional<tcp::EcnMode> ecn;  // RFC 3168 (kOn: both ends ask)
  // TCP_USER_TIMEOUT of both ends (RFC 5482); zero: never give up.
  std::optional<Duration> user_timeout;
};

struct StreamResult {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::string sent_sha256;
  std::string received_sha256;
  // When the reader got its last byte, from the start of the run (before
  // the FIN exchange that ends the run).
  Duration last_byte_at;
  bool complete() const { return sent == received && sent_sha256 == received_sha256 && !sent_sha256.empty(); }
};

struct TransferResult {
  bool ok = false;
  std::string reason;  // why not, e.g. "ETIMEDOUT after 15 retransmissions"
  Duration virtual_time;
  std::uint64_t retransmitted_segments = 0;
  std::uint64_t rto_expiries = 0;
  tcp::ConnectionStats client_stats;  // every counter of each end's connections
  tcp::ConnectionStats server_stats;
  std::optional<StreamResult> up;    // client → server
  std::optional<StreamResult> down;  // server → client
  std::optional<SockError> client_error;
  std::optional<SockError> server_error;
  double goodput() const;  // payload bytes per virtual second, both directions together
  // Payload bytes per virtual second until the last byte arrived (the
  // close not counted): how smoltcp's netsim measures its loss grid.
  double goodput_to_last_byte() const;
};

struct TransferProgress {
  std::uint64_t received;  // bytes delivered so far, both directions
  std::uint64_t total;
  Instant now;
};

TransferResult run_transfer(const TransferConfig& config,
                            const std::function<void(const TransferProgress&)>& progress = {});

}  // namespace ws::apps
