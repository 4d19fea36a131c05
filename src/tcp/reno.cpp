#include "tcp/reno.hpp"

#include <algorithm>

namespace ws::tcp {

namespace {

std::uint32_t saturate(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, Reno::kMaxCwnd));
}

}  // namespace

Reno::Reno(RenoConfig config) : config_(config) {
  config_.smss = std::max<std::uint32_t>(config_.smss, 1);
  config_.abc_limit = std::max<std::uint32_t>(config_.abc_limit, 1);
  cwnd_ = initial_window(config_.smss, config_.initial_window);
  ssthresh_ = config_.initial_ssthresh;
}

std::uint32_t Reno::loss_ssthresh(std::uint32_t flight_size) const {
  return saturate(std::max<std::uint64_t>(flight_size / 2, 2 * std::uint64_t{config_.smss}));
}

void Reno::grow(std::uint32_t by) { cwnd_ = saturate(std::uint64_t{cwnd_} + by); }

void Reno::on_ack(const AckEvent& ev) {
  if (ev.bytes_acked == 0) return;
  rto_unanswered_ = false;
  const std::uint32_t smss = config_.smss;

  if (in_recovery_) {
    // Plain Reno: any new ACK ends fast recovery (RFC 5681 §3.2 step 6).
    if (!config_.newreno) {
      on_recovery_exit(ev);
      return;
    }
    // RFC 6582 §3.2 "partial acknowledgments": deflate cwnd by the new
    // data acknowledged (those bytes left the network), add back one SMSS
    // if at least one SMSS was acknowledged, so that about ssthresh bytes
    // stay in flight while the next hole is repaired.
    cwnd_ = cwnd_ > ev.bytes_acked ? cwnd_ - ev.bytes_acked : 0;
    if (ev.bytes_acked >= smss) grow(smss);
    cwnd_ = std::max(cwnd_, smss);
    return;
  }

  if (cwnd_ < ssthresh_) {
    // Slow start with appropriate byte counting (RFC 3465 §2.2; RFC 5681
    // §3.1 eq. (2) is the L = 1 case): cwnd += min(N, L·SMSS).
    const std::uint32_t l = after_rto_ ? 1 : config_.abc_limit;
    grow(static_cast<std::uint32_t>(
        std::min<std::uint64_t>(ev.bytes_acked, std::uint64_t{l} * smss)));
    if (cwnd_ >= ssthresh_) after_rto_ = false;
    return;
  }

  // Congestion avoidance by byte counting (RFC 3465 §2.1, the method RFC
  // 5681 §3.1 recommends): one SMSS once a full cwnd of bytes has been
  // acknowledged, i.e. one SMSS per RTT whatever the ACK pattern.
  after_rto_ = false;
  bytes_acked_ = saturate(std::uint64_t{bytes_acked_} + ev.bytes_acked);
  if (bytes_acked_ >= cwnd_) {
    bytes_acked_ -= cwnd_;
    grow(smss);
  }
}

void Reno::on_fast_retransmit(const LossEvent& ev) {
  // One reduction per loss episode: the sender's `recover` check (RFC 6582
  // §3.2 "three duplicate ACKs") keeps this from being called again in recovery.
  if (in_recovery_) return;
  // RFC 5681 §3.2 steps 2-3: ssthresh by equation (4); cwnd inflated by the
  // three segments the duplicate ACKs say have left the network.
  ssthresh_ = loss_ssthresh(ev.flight_size);
  cwnd_ = saturate(std::uint64_t{ssthresh_} + 3 * std::uint64_t{config_.smss});
  in_recovery_ = true;
  bytes_acked_ = 0;
  after_rto_ = false;
}

void Reno::on_dupack(Instant /*now*/) {
  // RFC 5681 §3.2 step 4: each further duplicate ACK means another segment
  // left the network. Before recovery (the first two), cwnd does not change
  // (RFC 3042 limited transmit is the sender's, within cwnd + 2·SMSS).
  if (in_recovery_) grow(config_.smss);
}

void Reno::on_recovery_exit(const AckEvent& ev) {
  if (!in_recovery_) {
    on_ack(ev);
    return;
  }
  in_recovery_ = false;
  rto_unanswered_ = false;
  bytes_acked_ = 0;
  if (config_.newreno) {
    // RFC 6582 §3.2 "full acknowledgments", option (1): deflate to
    // ssthresh but no more than one SMSS above what is still in flight, so
    // that leaving recovery with little outstanding does not send a burst.
    const std::uint64_t flight_plus_one =
        std::max(ev.flight_size, config_.smss) + std::uint64_t{config_.smss};
    cwnd_ = saturate(std::min<std::uint64_t>(ssthresh_, flight_plus_one));
  } else {
    cwnd_ = ssthresh_;  // RFC 5681 §3.2 step 6: "deflating" the window
  }
}

void Reno::on_rto_timeout(const LossEvent& ev) {
  // RFC 5681 §3.1: ssthresh by equation (4) — but only when the segment had
  // not already been resent by the timer (a repeated timeout is the same
  // loss, and FlightSize has collapsed meanwhile). A timeout during fast
  // recovery keeps the ssthresh that recovery already set for this loss
  // episode (as Linux's tcp_enter_loss does): one reduction per episode.
  if (!rto_unanswered_ && !in_recovery_) ssthresh_ = loss_ssthresh(ev.flight_size);
  // The loss window: one segment, whatever IW was. Slow start follows.
  cwnd_ = config_.smss;
  in_recovery_ = false;
  bytes_acked_ = 0;
  after_rto_ = true;
  rto_unanswered_ = true;
}

void Reno::on_idle_restart(Instant /*now*/) {
  // RFC 5681 §4.1: after an idle period longer than RTO, cwnd is at most the
  // restart window RW = min(IW, cwnd).
  cwnd_ = std::min(cwnd_, initial_window(config_.smss, config_.initial_window));
  bytes_acked_ = 0;
}

}  // namespace ws::tcp
