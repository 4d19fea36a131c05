// BBR v1 (see bbr.hpp): one ACK updates the model — round count, BtlBw,
// the ACK aggregation estimate, the ProbeBW phase, Startup's end, Drain,
// RTprop and ProbeRTT — and then sets the pacing rate and cwnd from it.
#include "tcp/bbr.hpp"

#include <algorithm>
#include <cmath>

namespace ws::tcp {

namespace {

std::uint32_t clamp_cwnd(std::uint64_t bytes, std::uint32_t smss) {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(bytes, smss, CongestionControl::kMaxCwnd));
}

}  // namespace

Bbr::Bbr(BbrConfig config)
    : smss_(std::max<std::uint32_t>(config.smss, 1)),
      initial_cwnd_(initial_window(smss_, config.initial_window)),
      cwnd_(initial_cwnd_),
      rng_(config.seed == 0 ? 0x9e3779b97f4a7c15ull : config.seed) {}

std::uint64_t Bbr::next_random() {
  // xorshift64: deterministic, seeded by the configuration.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_;
}

std::uint32_t Bbr::bdp(double gain) const {
  const std::uint64_t bw = max_bw();
  // No model yet: the initial window stands in for the BDP.
  if (bw == 0 || min_rtt_ <= Duration{}) return initial_cwnd_;
  const double bytes = static_cast<double>(bw) * min_rtt_.as_seconds() * gain;
  return clamp_cwnd(static_cast<std::uint64_t>(std::ceil(bytes)), smss_);
}

void Bbr::on_ack(const AckSample& ack) {
  if (ack.srtt > Duration{}) srtt_ = ack.srtt;
  update_round(ack);
  update_bw(ack);
  update_ack_aggregation(ack);
  update_cycle_phase(ack);
  check_full_bw_reached(ack);
  check_drain(ack);
  update_min_rtt(ack);
  update_pacing_rate(ack);
  update_cwnd(ack);
}

void Bbr::update_round(const AckSample& ack) {
  // A round trip ends when a segment sent after it began is delivered:
  // its snapshot of the delivered count reaches the count at the start.
  round_start_ = false;
  if (ack.rate && ack.rate->prior_delivered >= next_round_delivered_) {
    next_round_delivered_ = ack.delivered_total;
    ++round_count_;
    round_start_ = true;
    packet_conservation_ = false;  // conservation lasts one round trip
  }
}

void Bbr::update_bw(const AckSample& ack) {
  if (!ack.rate) return;
  const std::uint64_t bw = ack.rate->rate();
  if (bw == 0) return;
  // An application-limited sample says how fast the application was; it
  // counts only when it beats the estimate anyway.
  if (!ack.rate->app_limited || bw >= max_bw()) max_bw_.update(round_count_, bw);
}

void Bbr::update_ack_aggregation(const AckSample& ack) {
  // ACKs that come in bunches (delayed ACKs, a stretch ACK after loss,
  // aggregation on the path) deliver more in a short time than BtlBw
  // explains; the excess is kept in cwnd so the sender does not stall
  // waiting for the next bunch.
  if (ack.delivered == 0) return;
  if (round_start_ && ++extra_acked_rounds_ >= kAckEpochRounds) {
    extra_acked_rounds_ = 0;
    extra_acked_slot_ ^= 1u;
    extra_acked_[extra_acked_slot_] = 0;
  }
  std::uint64_t expected = 0;
  if (ack_epoch_started_) {
    expected = static_cast<std::uint64_t>(static_cast<double>(max_bw()) * (ack.now - ack_epoch_start_).as_seconds());
  }
  // A new epoch when the ACKs fell behind the rate (no aggregation now).
  if (!ack_epoch_started_ || ack_epoch_acked_ <= expected || ack_epoch_acked_ + ack.delivered >= (1u << 20)) {
    ack_epoch_started_ = true;
    ack_epoch_start_ = ack.now;
    ack_epoch_acked_ = 0;
    expected = 0;
  }
  ack_epoch_acked_ += ack.delivered;
  const std::uint64_t extra = std::min<std::uint64_t>(ack_epoch_acked_ - expected, cwnd_);
  extra_acked_[extra_acked_slot_] = std::max(extra_acked_[extra_acked_slot_], static_cast<std::uint32_t>(extra));
}

std::uint32_t Bbr::ack_aggregation_cwnd() const {
  if (!full_bw_reached_) return 0;
  const std::uint64_t cap = max_bw() / 10;  // at most 100 ms at BtlBw
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(std::max(extra_acked_[0], extra_acked_[1]), cap));
}

void Bbr::update_cycle_phase(const AckSample& ack) {
  if (mode_ != Mode::kProbeBw) return;
  const bool full_length = ack.now - cycle_stamp_ > min_rtt_;
  bool next = full_length;
  if (pacing_gain_ > 1.0) {
    // Probing: stay until the probe has put gain · BDP in flight (or lost
    // some of it), and at least one RTprop.
    next = full_length && (ack.lost > 0 || ack.prior_flight >= bdp(pacing_gain_));
  } else if (pacing_gain_ < 1.0) {
    // Draining the probe's queue: done once the flight is one BDP.
    next = full_length || ack.prior_flight <= bdp(1.0);
  }
  if (!next) return;
  cycle_index_ = (cycle_index_ + 1) % kPacingGainCycle.size();
  cycle_stamp_ = ack.now;
  pacing_gain_ = kPacingGainCycle[cycle_index_];
}

void Bbr::check_full_bw_reached(const AckSample& ack) {
  // Startup ends when BtlBw stops growing: three round trips (not limited
  // by the application) without 25 % more.
  if (full_bw_reached_ || !round_start_ || (ack.rate && ack.rate->app_limited)) return;
  const std::uint64_t bw = max_bw();
  if (static_cast<double>(bw) >= static_cast<double>(full_bw_) * kFullBwGrowth) {
    full_bw_ = bw;
    full_bw_count_ = 0;
    return;
  }
  if (++full_bw_count_ >= kFullBwRounds) full_bw_reached_ = true;
}

void Bbr::check_drain(const AckSample& ack) {
  if (mode_ == Mode::kStartup && full_bw_reached_) {
    mode_ = Mode::kDrain;
    pacing_gain_ = kDrainGain;
    cwnd_gain_ = kHighGain;
  }
  if (mode_ == Mode::kDrain && ack.flight <= bdp(1.0)) enter_probe_bw(ack.now);
}

void Bbr::enter_probe_bw(Instant now) {
  mode_ = Mode::kProbeBw;
  cwnd_gain_ = kCwndGain;
  // A random phase, never the draining one (index 1): flows that start
  // together do not probe in step.
  const auto r = static_cast<unsigned>(next_random() % (kPacingGainCycle.size() - 1));
  cycle_index_ = r == 0 ? 0 : r + 1;
  cycle_stamp_ = now;
  pacing_gain_ = kPacingGainCycle[cycle_index_];
}

void Bbr::enter_startup() {
  mode_ = Mode::kStartup;
  pacing_gain_ = kHighGain;
  cwnd_gain_ = kHighGain;
}

void Bbr::update_min_rtt(const AckSample& ack) {
  const bool expired = min_rtt_ > Duration{} && ack.now > min_rtt_stamp_ + kMinRttWindow;
  // A sample equal to RTprop confirms it as well as a lower one would:
  // the window starts again (and a path that shows its RTprop needs no
  // ProbeRTT to find it).
  if (ack.rtt && (min_rtt_ <= Duration{} || *ack.rtt <= min_rtt_ || expired)) {
    min_rtt_ = *ack.rtt;
    min_rtt_stamp_ = ack.now;
  }
  if (expired && !idle_restart_ && mode_ != Mode::kProbeRtt) {
    // RTprop has not been confirmed for 10 s: drain the queue to see it.
    mode_ = Mode::kProbeRtt;
    pacing_gain_ = 1.0;
    cwnd_gain_ = 1.0;
    save_cwnd();
    probe_rtt_done_.reset();
  }
  if (mode_ == Mode::kProbeRtt) {
    if (!probe_rtt_done_ && ack.flight <= min_cwnd()) {
      // The flight is down to 4 segments: hold it 200 ms and a round trip.
      probe_rtt_done_ = ack.now + kProbeRttTime;
      probe_rtt_round_done_ = false;
      next_round_delivered_ = ack.delivered_total;
    } else if (probe_rtt_done_) {
      if (round_start_) probe_rtt_round_done_ = true;
      if (probe_rtt_round_done_ && ack.now >= *probe_rtt_done_) {
        min_rtt_stamp_ = ack.now;
        cwnd_ = std::max(cwnd_, prior_cwnd_);
        if (full_bw_reached_) {
          enter_probe_bw(ack.now);
        } else {
          enter_startup();
        }
      }
    }
  }
  if (ack.delivered > 0) idle_restart_ = false;
}

void Bbr::update_pacing_rate(const AckSample& ack) {
  double rate;
  const std::uint64_t bw = max_bw();
  if (bw == 0) {
    // No bandwidth sample yet: Startup's gain over the window per RTT.
    const Duration rtt = srtt_ > Duration{} ? srtt_ : ack.rtt.value_or(Duration::millis(1));
    rate = kHighGain * static_cast<double>(cwnd_) / std::max(rtt.as_seconds(), 1e-6);
  } else {
    rate = pacing_gain_ * static_cast<double>(bw) * kPacingMargin;
  }
  const auto r = static_cast<std::uint64_t>(std::max(rate, 1.0));
  // Until Startup is over the rate only rises: an early low sample must
  // not slow the search for BtlBw.
  if (full_bw_reached_ || !pacing_rate_ || r > *pacing_rate_) pacing_rate_ = r;
}

bool Bbr::recovery_cwnd(const AckSample& ack) {
  std::uint32_t cwnd = cwnd_;
  if (ack.lost > 0) cwnd = cwnd > ack.lost + smss_ ? cwnd - ack.lost : smss_;
  if (ack.in_recovery && !in_recovery_) {
    // Recovery begins: packet conservation for one round trip — no more
    // out than comes back.
    packet_conservation_ = true;
    next_round_delivered_ = ack.delivered_total;
    cwnd = ack.flight + ack.delivered;
  } else if (!ack.in_recovery && in_recovery_) {
    cwnd = std::max(cwnd, prior_cwnd_);
    packet_conservation_ = false;
  }
  in_recovery_ = ack.in_recovery;
  if (packet_conservation_) {
    cwnd_ = clamp_cwnd(std::max<std::uint64_t>(cwnd, std::uint64_t{ack.flight} + ack.delivered), smss_);
    return true;
  }
  cwnd_ = clamp_cwnd(cwnd, smss_);
  return false;
}

void Bbr::update_cwnd(const AckSample& ack) {
  if (!recovery_cwnd(ack) && ack.delivered > 0) {
    // Bursts of up to a millisecond at the pacing rate (tcp/pacing.hpp):
    // room for three of them, so bursts never starve the pipe.
    const std::uint64_t rate = pacing_rate_.value_or(0);
    const std::uint64_t floor = rate < 150'000 ? smss_ : 2u * smss_;
    const std::uint64_t quantum = std::clamp<std::uint64_t>(rate / 1000, floor, 64 * 1024);
    std::uint64_t target = std::uint64_t{bdp(cwnd_gain_)} + ack_aggregation_cwnd() + 3 * quantum;
    if (mode_ == Mode::kProbeBw && cycle_index_ == 0) target += 2u * smss_;  // room to probe
    std::uint64_t cwnd = cwnd_;
    if (full_bw_reached_) {
      cwnd = std::min(cwnd + ack.delivered, target);
    } else if (cwnd < target || ack.delivered_total < initial_cwnd_) {
      cwnd += ack.delivered;  // Startup: grow with what is delivered
    }
    cwnd_ = clamp_cwnd(std::max<std::uint64_t>(cwnd, min_cwnd()), smss_);
  }
  if (mode_ == Mode::kProbeRtt) cwnd_ = std::min(cwnd_, min_cwnd());
}

void Bbr::save_cwnd() {
  if (!in_recovery_ && mode_ != Mode::kProbeRtt) {
    prior_cwnd_ = cwnd_;
  } else {
    prior_cwnd_ = std::max(prior_cwnd_, cwnd_);
  }
}

void Bbr::on_loss(Instant /*now*/, std::uint32_t /*flight*/) {
  // The model is not cut: the next on_ack() (in recovery) starts packet
  // conservation; cwnd comes back when recovery ends.
  save_cwnd();
}

void Bbr::on_rto(Instant /*now*/, std::uint32_t /*flight*/) {
  // Everything in flight is deemed lost: start again from one segment,
  // growing with each delivery, and restore cwnd when recovery ends.
  save_cwnd();
  cwnd_ = smss_;
}

void Bbr::on_recovery_end(Instant /*now*/) {
  if (in_recovery_) cwnd_ = std::max(cwnd_, prior_cwnd_);
  in_recovery_ = false;
  packet_conservation_ = false;
}

void Bbr::on_idle_restart(Instant /*now*/) {
  // After idle, pace at BtlBw (not a probing gain) and start the ACK
  // aggregation estimate afresh.
  idle_restart_ = true;
  ack_epoch_started_ = false;
  if (mode_ == Mode::kProbeBw && max_bw() > 0) {
    pacing_rate_ = static_cast<std::uint64_t>(static_cast<double>(max_bw()) * kPacingMargin);
  }
}

void Bbr::undo() {
  // The loss was spurious: the window before it, and Startup may look
  // for more bandwidth again.
  cwnd_ = std::max(cwnd_, prior_cwnd_);
  full_bw_ = 0;
  full_bw_count_ = 0;
  packet_conservation_ = false;
}

void Bbr::set_cwnd(std::uint32_t cwnd) { cwnd_ = clamp_cwnd(cwnd, smss_); }

}  // namespace ws::tcp
