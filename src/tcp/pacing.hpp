// Pacer: the departure times of a TCP sender's segments (docs/architecture.md
// "Delivery rate, pacing and BBR"). Instead of sending a window's worth of
// segments back to back when an ACK opens it, the sender spaces them at
// the pacing rate: a segment of L bytes pushes the next departure L / rate
// later. The sender asks may_send() before each segment; when the answer
// is no, it arms its pacing timer for wake_at() and stops — the timer, not
// a busy loop, brings it back (TimerKind::kPace).
//
// A segment may leave up to a horizon ahead of its slot: at high rates a
// timer per segment would cost more than the pacing saves, so segments go
// in bursts of about a millisecond's worth (at most 64 KiB), and of two
// segments at least from 150 kB/s (1.2 Mbit/s) up, as Linux sizes its
// bursts — a receiver that ACKs every second segment releases two at a
// time. Below that rate every segment leaves on its own, spaced exactly.
//
// Window-based controllers (NewReno, CUBIC) are paced at a multiple of
// cwnd / SRTT — twice that in slow start, 1.2 times after, as Linux does —
// which keeps their bursts out of small bottleneck queues without holding
// them below their window. Time is passed in; nothing here reads a clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/time.hpp"

namespace ws::tcp {

// Which senders pace: kRateBased the controllers that ask for a rate
// (BBR), as Linux paces without the fq qdisc; kAll also the window-based
// ones (NewReno, CUBIC) at a multiple of cwnd/SRTT, as Linux does with fq.
enum class Pacing : std::uint8_t { kOff, kRateBased, kAll };

// "off", "rate", "all"; nullopt for anything else.
std::optional<Pacing> parse_pacing(std::string_view name);
std::string_view to_string(Pacing p);

class Pacer {
 public:
  static constexpr Duration kMaxHorizon = Duration::millis(1);
  static constexpr std::uint64_t kMaxBurst = 64 * 1024;
  static constexpr std::uint64_t kPairRate = 150'000;  // bytes/s from which segments go in pairs

  // The default rate for a window-based controller: cwnd / srtt scaled by
  // 2 while cwnd is below half of ssthresh (slow start doubles each round
  // trip), else by 1.2; 0 (not paced) without an RTT sample yet.
  static std::uint64_t window_rate(std::uint32_t cwnd, std::uint32_t ssthresh, Duration srtt);

  // Bytes per second; 0 turns pacing off. `segment`: the sender's segment size.
  void set_rate(std::uint64_t rate, std::uint32_t segment) {
    rate_ = rate;
    segment_ = segment;
  }
  std::uint64_t rate() const { return rate_; }

  // Whether a segment may leave at `now`.
  bool may_send(Instant now) const { return rate_ == 0 || next_ - horizon() <= now; }
  // When may_send() becomes true.
  Instant wake_at() const { return next_ - horizon(); }
  // A segment of `bytes` left at `now`: the next departure moves on.
  void on_sent(Instant now, std::uint32_t bytes);
  // The departure slot of the next segment.
  Instant next_departure() const { return next_; }

 private:
  Duration horizon() const;
  Duration time_for(std::uint64_t bytes) const;

  std::uint64_t rate_ = 0;
  std::uint32_t segment_ = 0;
  Instant next_;
};

}  // namespace ws::tcp
