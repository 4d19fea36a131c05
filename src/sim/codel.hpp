// CoDel, "Controlled Delay" active queue management (RFC 8289), as the
// decision of a simulated link's queue (sim/link.hpp): for each packet as
// it leaves the queue, whether to drop it — or, when the packet is
// ECN-capable, to mark it CE instead (RFC 8289 §4.2 and RFC 3168 §5: the
// link does the marking; this class only says "signal congestion now").
//
// The algorithm (RFC 8289 §3, §5):
//   - it watches the sojourn time (how long each packet waited). While it
//     stays below `target` (5 ms), or the queue holds at most one MTU,
//     nothing happens;
//   - once the sojourn time has stayed above target for a whole `interval`
//     (100 ms), CoDel enters the dropping state and signals the packet
//     leaving then;
//   - in the dropping state the next signal is due at drop_next, advanced
//     by the control law interval / sqrt(count) after each one, so signals
//     come faster while the queue stays; a sojourn below target (or a
//     near-empty queue) leaves the dropping state;
//   - re-entering soon (within 16 intervals) after leaving starts count
//     from where the last episode got to rather than from 1 (§5.6).
//
// Sans-I/O and deterministic: the caller passes the instant of each
// departure, its sojourn and the bytes still queued behind it; departures
// must come in time order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/time.hpp"

namespace ws::sim {

struct CodelConfig {
  Duration target = Duration::millis(5);      // RFC 8289 §4.4: acceptable standing queue delay
  Duration interval = Duration::millis(100);  // §4.5: on the order of a worst-case RTT
  // §4.4 ("maxpacket"): with this many bytes or fewer queued, the queue is
  // too short to be worth shrinking, whatever the sojourn time (a slow link
  // holds one packet for longer than target). One full Ethernet frame.
  std::size_t mtu_bytes = 1514;
};

class Codel {
 public:
  explicit Codel(const CodelConfig& config = {}) : config_(config) {}

  // A packet leaves the queue at `now` after waiting `sojourn`; `backlog`
  // bytes stay queued behind it. True: signal congestion with this packet
  // (drop it, or mark it CE).
  bool on_dequeue(Instant now, Duration sojourn, std::size_t backlog);

  bool dropping() const { return dropping_; }
  std::uint32_t count() const { return count_; }
  Instant drop_next() const { return drop_next_; }
  const CodelConfig& config() const { return config_; }

  // §5.5 control law: the next signal is interval / sqrt(count) after `t`.
  Instant control_law(Instant t, std::uint32_t count) const;

 private:
  // §5.3: has the sojourn time been above target for at least an interval?
  bool ok_to_drop(Instant now, Duration sojourn, std::size_t backlog);

  CodelConfig config_;
  std::optional<Instant> first_above_time_;  // when "above target for an interval" would hold
  Instant drop_next_ = Instant::zero();
  std::uint32_t count_ = 0;       // signals in this dropping state
  std::uint32_t last_count_ = 0;  // count at the start of the previous one
  bool dropping_ = false;
};

}  // namespace ws::sim
