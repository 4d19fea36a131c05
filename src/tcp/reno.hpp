// Reno: RFC 5681 congestion control — slow start and congestion avoidance
// with appropriate byte counting (RFC 3465), fast retransmit / fast
// recovery (RFC 5681 §3.2) with NewReno's partial-ACK handling (RFC 6582,
// on by default), the loss window after a timeout, and restart after idle.
// Integer bytes throughout, so tests can walk it with exact numbers.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "tcp/congestion.hpp"
#include "tcp/initial_window.hpp"

namespace ws::tcp {

struct RenoConfig {
  std::uint32_t smss = 1460;  // sender maximum segment size, bytes (> 0)
  InitialWindow initial_window = InitialWindow::kRfc5681;
  // RFC 5681 §3.1: "SHOULD be set arbitrarily high".
  std::uint32_t initial_ssthresh = std::numeric_limits<std::uint32_t>::max();
  // RFC 3465 §2.2: slow start grows by at most L·SMSS per ACK, L = 2 (so a
  // delayed ACK covering two segments counts fully); L = 1 in the slow
  // start that follows an RTO.
  std::uint32_t abc_limit = 2;
  // RFC 6582 partial ACKs; false gives plain RFC 5681 Reno, where the first
  // ACK of new data ends fast recovery.
  bool newreno = true;
};

class Reno final : public CongestionController {
 public:
  // Keeps cwnd arithmetic in 32 bits: no window can exceed 2^30 (RFC 7323 §2.3).
  static constexpr std::uint32_t kMaxCwnd = std::uint32_t{1} << 30;

  explicit Reno(RenoConfig config = {});

  // The initial window for a segment size (RFC 5681 §3.1 / RFC 6928 §2);
  // tcp/initial_window.hpp computes it.
  static std::uint32_t initial_window(std::uint32_t smss, InitialWindow kind) {
    return tcp::initial_window(smss, kind);
  }

  void on_ack(const AckEvent& ev) override;
  void on_fast_retransmit(const LossEvent& ev) override;
  void on_dupack(Instant now) override;
  void on_recovery_exit(const AckEvent& ev) override;
  void on_rto_timeout(const LossEvent& ev) override;
  void on_idle_restart(Instant now) override;

  std::uint32_t cwnd() const override { return cwnd_; }
  std::uint32_t ssthresh() const override { return ssthresh_; }
  bool in_slow_start() const override { return !in_recovery_ && cwnd_ < ssthresh_; }
  bool in_recovery() const override { return in_recovery_; }
  std::string_view name() const override { return config_.newreno ? "newreno" : "reno"; }

  // Congestion-avoidance byte counter (RFC 3465 §2.1), for tests.
  std::uint32_t bytes_acked() const { return bytes_acked_; }
  const RenoConfig& config() const { return config_; }

 private:
  // RFC 5681 §3.1 equation (4): ssthresh = max(FlightSize / 2, 2·SMSS).
  std::uint32_t loss_ssthresh(std::uint32_t flight_size) const;
  void grow(std::uint32_t by);

  RenoConfig config_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_;
  std::uint32_t bytes_acked_ = 0;
  bool in_recovery_ = false;
  // Slow start after an RTO: ABC limit 1·SMSS (RFC 3465 §2.2: segments
  // acknowledged after a timeout may have left the network long ago).
  bool after_rto_ = false;
  // An RTO happened and no new data has been acknowledged since: a further
  // timeout is the same segment's, and ssthresh stays (RFC 5681 §3.1).
  bool rto_unanswered_ = false;
};

}  // namespace ws::tcp
