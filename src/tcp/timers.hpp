// TimerSet: a connection's timers as data (docs/principles.md "Timers as data", after smoltcp's
// `enum Timer`): one deadline per kind, Instant::never() when unarmed.
// Arming is storing a value; nothing runs by itself. The connection asks
// next_deadline() to tell its host when to poll it (the host's TimerQueue
// orders connections), and at poll time takes the expired timers with
// pop_expired().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/time.hpp"

namespace ws::tcp {

enum class TimerKind : std::uint8_t {
  kRetransmit,  // RFC 6298 §5: retransmission (RTO), armed while data or SYN/FIN is unacked
  kPersist,     // RFC 9293 §3.8.6.1: zero-window probes (never together with kRetransmit)
  kDelayedAck,  // RFC 9293 §3.8.6.3 / RFC 1122 §4.2.3.2: ACK at most 500 ms late (Linux: 40 ms)
  kKeepalive,   // RFC 9293 §3.8.4 / RFC 1122 §4.2.3.6: idle probe, >= 2 h by default
  kClose,       // TIME-WAIT's 2·MSL (RFC 9293 §3.6), or the FIN-WAIT-2 timeout: a
                // connection is in at most one of those states
  kReorder,     // RFC 8985 §6.2 step 5: RACK's reordering timer (a loss becomes due)
  kLossProbe,   // RFC 8985 §7.2: the tail loss probe timeout (PTO), earlier than the RTO
  kPace,        // the next paced segment's departure (tcp/pacing.hpp)
};

inline constexpr std::size_t kTimerKinds = 8;

constexpr std::string_view to_string(TimerKind k) {
  switch (k) {
    case TimerKind::kRetransmit: return "retransmit";
    case TimerKind::kPersist: return "persist";
    case TimerKind::kDelayedAck: return "delayed-ack";
    case TimerKind::kKeepalive: return "keepalive";
    case TimerKind::kClose: return "close";
    case TimerKind::kReorder: return "reorder";
    case TimerKind::kLossProbe: return "loss-probe";
    case TimerKind::kPace: return "pace";
  }
  return "?";
}

class TimerSet {
 public:
  // Sets (or moves) the deadline. Instant::never() disarms.
  void arm(TimerKind k, Instant deadline) { at_[index(k)] = deadline; }
  void cancel(TimerKind k) { at_[index(k)] = Instant::never(); }
  void cancel_all() { at_.fill(Instant::never()); }

  bool armed(TimerKind k) const { return at_[index(k)] != Instant::never(); }
  Instant deadline(TimerKind k) const { return at_[index(k)]; }

  // The earliest armed deadline, or never(): a scan of kTimerKinds values.
  Instant next_deadline() const {
    Instant best = Instant::never();
    for (const Instant t : at_) best = t < best ? t : best;
    return best;
  }

  // The earliest timer due at `now` (deadline <= now), disarmed; ties go to
  // the lower kind. Call until nullopt to handle every due timer in order.
  std::optional<TimerKind> pop_expired(Instant now) {
    std::size_t best = kTimerKinds;
    for (std::size_t i = 0; i < kTimerKinds; ++i) {
      if (at_[i] <= now && at_[i] != Instant::never() &&
          (best == kTimerKinds || at_[i] < at_[best])) {
        best = i;
      }
    }
    if (best == kTimerKinds) return std::nullopt;
    at_[best] = Instant::never();
    return static_cast<TimerKind>(best);
  }

  bool operator==(const TimerSet&) const = default;

 private:
  static constexpr std::size_t index(TimerKind k) { return static_cast<std::size_t>(k); }

  std::array<Instant, kTimerKinds> at_{Instant::never(), Instant::never(), Instant::never(), Instant::never(),
                                       Instant::never(), Instant::never(), Instant::never(), Instant::never()};
};

}  // namespace ws::tcp
