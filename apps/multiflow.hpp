// N bulk TCP flows through one shared bottleneck: the engine behind
// `wirestack sim multiflow`.
//
//   client 0 ─┐
//   client 1 ─┤ switch ── router ══════ bottleneck ══════ server
//      ...   ─┤  (ideal links)   rate, FIFO of `queue_bytes`,
//   client N-1┘                  `delay` each way
//                                (`aqm`: CoDel in front of the FIFO)
//
// Each client opens one connection to the one server and sends for the
// whole run; the server reads and counts. The router's port towards the
// server serializes at `rate_bps` behind a tail-drop FIFO (sim/link.hpp),
// so the flows compete there, and the RTT is 2·delay plus serialization
// and queueing. Everything is virtual time: a seed replays a run exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/time.hpp"
#include "sim/link.hpp"
#include "tcp/cc_factory.hpp"

namespace ws::apps {

struct MultiflowConfig {
  std::size_t flows = 4;
  std::uint64_t rate_bps = 10'000'000;  // the bottleneck, each direction
  Duration delay = Duration::millis(20);  // one way, on the bottleneck
  std::size_t queue_bytes = 65536;        // the bottleneck's FIFO (frames, Ethernet header included)
  Duration duration = Duration::seconds(2);
  std::uint64_t seed = 1;
  // SO_SNDBUF and SO_RCVBUF of every socket; 0 picks default_buffer().
  std::size_t buffer = 0;
  // Every host's TCP: SACK and timestamps on, this controller (cc.hpp).
  tcp::CcKind cc = tcp::CcKind::Reno;
  // Mixed flows: client i runs flow_cc[i] instead (empty: all run `cc`;
  // otherwise exactly `flows` entries).
  std::vector<tcp::CcKind> flow_cc;
  // The bottleneck's AQM (sim/link.hpp): CoDel marks ECN-capable frames
  // CE and drops the others; the FIFO's tail drop stays the hard bound.
  sim::Aqm aqm = sim::Aqm::kNone;
  // CoDel's parameters (RFC 8289 §4.4–4.5: 5 ms and 100 ms). A FIFO that
  // holds less than `target` of the line's time never reaches it: a lower
  // target lets CoDel act there (RFC 8289 §4.4 advises 5–10 % of interval).
  sim::CodelConfig codel;
  // Every host asks for ECN (RFC 3168); otherwise they only accept it.
  bool ecn = false;
};

// The bounds validate() enforces.
inline constexpr std::size_t kMaxFlows = 1024;
inline constexpr std::uint64_t kMaxRateBps = 10'000'000'000;  // 10 Gbit/s
inline constexpr std::int64_t kMaxDelayMs = 10'000;
inline constexpr std::size_t kMinQueueBytes = 1514;  // one full frame
inline constexpr std::size_t kMaxQueueBytes = 1 << 30;
inline constexpr std::int64_t kMaxSeconds = 3600;
inline constexpr std::size_t kMinBuffer = 1024;
inline constexpr std::size_t kMaxBuffer = 4 << 20;  // StackConfig::max_buffer
// All flows' buffers together (the senders keep theirs full).
inline constexpr std::size_t kBufferBudget = std::size_t{512} << 20;

// Why `c` cannot run (the option and its bound), or nothing.
std::optional<std::string> validate(const MultiflowConfig& c);

// Enough for one flow to fill the path alone (the bandwidth-delay product
// plus the queue), within [64 KiB, kMaxBuffer] and kBufferBudget / flows.
std::size_t default_buffer(const MultiflowConfig& c);

struct FlowResult {
  tcp::CcKind cc = tcp::CcKind::Reno;  // the flow's sender's controller
  std::uint64_t received_bytes = 0;  // by the server's application within the run
  double goodput = 0;                // received_bytes per second of the run
  std::uint64_t retransmitted_segments = 0;
  std::string error;  // the connection failed: why (empty when it ran to the end)
};

struct MultiflowResult {
  std::vector<FlowResult> flows;
  std::size_t buffer = 0;          // the socket buffers used
  double seconds = 0;              // the run's length, virtual
  std::uint64_t aggregate_bytes = 0;
  double aggregate_goodput = 0;    // bytes/s, the sum over the flows
  // Bytes (whole frames, as the rate counts them) that reached the server
  // across the bottleneck, over what the line could carry in the run.
  std::uint64_t bottleneck_bytes = 0;
  double utilisation = 0;
  std::uint64_t frames_offered = 0;  // to the bottleneck towards the server
  std::uint64_t queue_drops = 0;     // tail drops there
  std::uint64_t aqm_drops = 0;       // drops by the AQM there (frames that were not ECN-capable)
  std::uint64_t ce_marks = 0;        // frames the AQM marked CE instead (RFC 3168)
  double drop_rate = 0;              // (queue_drops + aqm_drops) / frames_offered
  double jain = 0;                   // (Σx)² / (N·Σx²) over per-flow goodputs; 0 when nothing moved
  std::uint64_t retransmitted_segments = 0;
  std::uint64_t cc_undos = 0;        // reductions the senders undid as spurious (RFC 4015)
  // RFC 3168 at the ends: CE marks the server saw, ECE ACKs the clients
  // got, and the window reductions those caused.
  std::uint64_t ecn_ce_received = 0;
  std::uint64_t ecn_ece_received = 0;
  std::uint64_t ecn_reductions = 0;
  std::uint64_t ecn_connections = 0;  // clients' connections that negotiated ECN
};

struct MultiflowProgress {
  Instant now;
  Duration total;
  std::uint64_t received;  // all flows so far
};

// Runs `c` (which must pass validate(); throws std::invalid_argument
// otherwise). `progress` is called once per virtual second.
MultiflowResult run_multiflow(const MultiflowConfig& c,
                              const std::function<void(const MultiflowProgress&)>& progress = {});

// Jain's fairness index (Σx)² / (N·Σx²): 1 when all are equal, 1/N when
// one has everything; 0 for an empty or all-zero list.
double jain_index(const std::vector<double>& x);

}  // namespace ws::apps
