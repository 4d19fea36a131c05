// CongestionControl: the window policy of a TCP sender that does its own
// loss recovery (RFC 6675 with Proportional Rate Reduction, RFC 6937) —
// the split Linux makes between tcp_input's recovery and a congestion
// control module.
//
// The sender (tcp/sender.*) detects losses (duplicate ACKs, SACK, RACK),
// runs the retransmission timer, and during recovery sets cwnd itself
// (PRR: about one segment per segment delivered, down to ssthresh). The
// controller decides only:
//   - the reduction when a loss episode starts: on_loss() sets ssthresh
//     (RFC 5681 eq. (4), RFC 9438 §4.6 β_cubic) and remembers what undo()
//     restores;
//   - the loss window after a timeout: on_rto() (RFC 5681 §3.1);
//   - growth outside recovery: on_ack() (slow start and congestion
//     avoidance, RFC 5681 §3.1, RFC 3465, RFC 9438 §4);
//   - the end of recovery: on_recovery_end() (cwnd = ssthresh, as RFC 6937
//     §3.1 leaves it);
//   - restart after idle: on_idle_restart() (RFC 5681 §4.1);
//   - undo() of the last reduction once it proved spurious (RFC 4015 §3.2:
//     F-RTO, Eifel or D-SACK said the retransmission was not needed).
// A model-based controller (BBR, tcp/bbr.hpp) says owns_recovery(): it
// sets cwnd in recovery too, so the sender skips PRR and gives it every
// ACK; and any controller may ask for a pacing rate (tcp/pacing.hpp).
// Time comes in with each call; nothing here reads a clock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/time.hpp"
#include "tcp/delivery_rate.hpp"

namespace ws::tcp {

// What one ACK told the sender, for window growth.
struct AckSample {
  Instant now;
  std::uint32_t delivered = 0;  // bytes newly delivered: cumulatively ACKed plus newly SACKed
  std::uint32_t flight = 0;     // bytes in flight after this ACK (RFC 6675 "pipe")
  std::optional<Duration> rtt;  // an RTT sample from this ACK (Karn's rule or timestamps)
  Duration min_rtt;             // the smallest RTT seen so far (zero: none yet)
  // RFC 7661 §4.3: the sender had less to send than cwnd allowed for the
  // data this ACK covers; growth would not be validated by that data.
  bool app_limited = false;
  // Round-trip count: it increases when an ACK covers the first byte sent
  // in the previous round (RFC 9406 §4.2, "rounds").
  std::uint64_t round = 0;
  // The smoothed RTT (RFC 6298 SRTT; zero: none yet): RFC 9438 §4.2 looks
  // one SRTT ahead on the cubic curve, W_cubic(t + RTT).
  Duration srtt;
  // Delivery-rate estimation (delivery_rate.hpp): this ACK's sample, if it
  // gave one, and the bytes delivered over the connection's life.
  std::optional<RateSample> rate;
  std::uint64_t delivered_total = 0;
  std::uint32_t lost = 0;          // bytes newly deemed lost while this ACK was processed
  std::uint32_t prior_flight = 0;  // pipe before this ACK
  bool in_recovery = false;        // the sender is in fast or timeout recovery
};

// Slow start's growth for one ACK (RFC 5681 §3.1, RFC 3465 §2.2): the
// bytes delivered, at most L·SMSS (L = 2, and 1 after a timeout); none
// while application-limited (RFC 7661 §4.3: such data does not validate a
// larger window).
inline std::uint32_t slow_start_increase(const AckSample& ack, std::uint32_t l, std::uint32_t smss) {
  if (ack.app_limited) return 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(ack.delivered, std::uint64_t{l} * smss));
}

class CongestionControl {
 public:
  // No window grows beyond 2^30 bytes (RFC 7323 §2.3): 32-bit arithmetic.
  static constexpr std::uint32_t kMaxCwnd = std::uint32_t{1} << 30;

  virtual ~CongestionControl() = default;

  virtual void on_ack(const AckSample& ack) = 0;
  virtual void on_loss(Instant now, std::uint32_t flight) = 0;
  virtual void on_rto(Instant now, std::uint32_t flight) = 0;
  virtual void on_recovery_end(Instant now) = 0;
  virtual void on_idle_restart(Instant now) = 0;
  virtual void undo() = 0;

  // The sender sets cwnd during recovery (PRR); clamped to [1 SMSS, kMaxCwnd].
  virtual void set_cwnd(std::uint32_t cwnd) = 0;
  virtual std::uint32_t cwnd() const = 0;
  virtual std::uint32_t ssthresh() const = 0;
  virtual bool in_slow_start() const { return cwnd() < ssthresh(); }
  virtual std::string_view name() const = 0;

  // True: the controller sets cwnd in loss recovery itself — the sender
  // runs no PRR, calls on_ack() for every ACK (in recovery, and for ACKs
  // that only SACK), and sends what cwnd − pipe allows.
  virtual bool owns_recovery() const { return false; }
  // True for a controller built around a pacing rate (BBR): paced under
  // Pacing::kRateBased, the default.
  virtual bool rate_based() const { return false; }
  // The pacing rate the controller asks for, in bytes per second; nullopt:
  // the sender's default for a window (tcp/pacing.hpp) — for a rate-based
  // controller, until its first bandwidth sample.
  virtual std::optional<std::uint64_t> pacing_rate() const { return std::nullopt; }
  // True while the controller holds the flight low on purpose (BBR's
  // ProbeRTT): the sender marks the delivery-rate samples of that time
  // application-limited, so that they do not lower the bandwidth estimate.
  virtual bool holding_back() const { return false; }
};

}  // namespace ws::tcp
