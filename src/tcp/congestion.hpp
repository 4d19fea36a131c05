// CongestionController: the replaceable congestion-window policy of a TCP
// sender (after Linux's tcp_congestion_ops and smoltcp's tcp/congestion/).
//
// The split of work, as in Linux: the sender (connection) detects events —
// it counts duplicate ACKs (RFC 5681 §2 definition), keeps the NewReno
// recovery point `recover` (RFC 6582 §3.2), runs the retransmission timer
// and decides what to (re)transmit. The controller only turns those events
// into cwnd and ssthresh. The driver contract:
//
//   ACK advances SND.UNA by n:
//     if in_recovery() and SEG.ACK covers `recover` → on_recovery_exit(ev)
//     else                                          → on_ack(ev)  (a partial
//          ACK while in recovery: also retransmit the first unacked segment)
//   duplicate ACK number k (RFC 5681 §2: no data, no window change, ...):
//     k == 3 and not in_recovery() and SEG.ACK - 1 > recover (RFC 6582 §3.2
//       "three duplicate ACKs") → recover = SND.MAX - 1; on_fast_retransmit();
//                                 retransmit the first unacked segment
//     k > 3 and in_recovery()  → on_dupack()
//   retransmission timer fires → on_rto_timeout(); recover = SND.MAX - 1
//                                (RFC 6582 §3.2 "retransmit timeouts")
//   sending after an idle period longer than RTO → on_idle_restart()
//
// Every byte count is in bytes of sequence space; flight_size is what the
// sender has outstanding (SND.NXT − SND.UNA, RFC 5681 §2 "FlightSize").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/time.hpp"

namespace ws::tcp {

struct AckEvent {
  Instant now;
  std::uint32_t bytes_acked = 0;  // how far this ACK advanced SND.UNA
  std::uint32_t flight_size = 0;  // bytes still outstanding after it
  std::optional<Duration> rtt;    // a valid RTT sample from this ACK (after Karn's rule)
};

struct LossEvent {
  Instant now;
  std::uint32_t flight_size = 0;  // bytes outstanding when the loss was detected
};

class CongestionController {
 public:
  virtual ~CongestionController() = default;

  // An ACK for new data. Outside recovery: window growth (slow start or
  // congestion avoidance). In recovery: a partial ACK.
  virtual void on_ack(const AckEvent& ev) = 0;
  // The third duplicate ACK: fast retransmit, and fast recovery begins.
  virtual void on_fast_retransmit(const LossEvent& ev) = 0;
  // Each duplicate ACK after the third, while in recovery (others: no-op).
  virtual void on_dupack(Instant now) = 0;
  // The ACK that covers the recovery point: fast recovery ends.
  virtual void on_recovery_exit(const AckEvent& ev) = 0;
  // The retransmission timer expired.
  virtual void on_rto_timeout(const LossEvent& ev) = 0;
  // About to send after an idle period longer than RTO (RFC 5681 §4.1).
  virtual void on_idle_restart(Instant now) = 0;

  // Bytes the sender may have outstanding (before min with the peer's window).
  virtual std::uint32_t cwnd() const = 0;
  virtual std::uint32_t ssthresh() const = 0;
  virtual bool in_slow_start() const = 0;
  virtual bool in_recovery() const = 0;
  virtual std::string_view name() const = 0;
};

}  // namespace ws::tcp
