// Bbr: BBR congestion control (version 1) as a CongestionControl
// (tcp/cc.hpp) — Cardwell, Cheng, Gunn, Hassas Yeganeh, Jacobson, "BBR:
// Congestion-Based Congestion Control", ACM Queue 14(5), 2016; the design
// is explained in docs/architecture.md "Delivery rate, pacing and BBR".
//
// BBR does not read loss as congestion. It models the path by two numbers:
// the bottleneck bandwidth BtlBw, the largest delivery rate
// (delivery_rate.hpp) of the last ten round trips, and the round-trip
// propagation time RTprop, the smallest RTT of the last ten seconds. It
// paces at pacing_gain · BtlBw and keeps at most cwnd_gain · BtlBw ·
// RTprop (the bandwidth-delay product, BDP) in flight, plus an allowance
// for ACKs that arrive in bunches. Its four modes:
//   Startup  — gain 2/ln 2 on both, doubling the rate each round trip,
//              until three rounds in a row grow BtlBw by less than 25 %;
//   Drain    — pacing gain ln 2 / 2, until the flight is down to one BDP;
//   ProbeBW  — cycling the pacing gain through 1.25, 0.75 and six 1s, one
//              RTprop each: probe for more bandwidth, drain what the probe
//              queued, cruise (cwnd gain 2);
//   ProbeRTT — when RTprop has not been seen for 10 s, at most 4 segments
//              in flight for 200 ms and a round trip, so the queue empties
//              and the true RTprop shows.
// In loss recovery (owns_recovery()) it keeps packet conservation for the
// first round trip — cwnd no lower than what is in flight plus what was
// just delivered — and restores cwnd when recovery ends.
//
// Deterministic: time comes with the samples, and the random start of
// the ProbeBW cycle comes from a generator seeded in the configuration.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tcp/cc.hpp"
#include "tcp/initial_window.hpp"

namespace ws::tcp {

struct BbrConfig {
  std::uint32_t smss = 1460;  // sender maximum segment size, bytes (> 0)
  InitialWindow initial_window = InitialWindow::kRfc5681;
  std::uint64_t seed = 1;     // the ProbeBW cycle's random start phase
};

// The largest value seen in the last `Rounds` round trips: one slot per
// round, the maximum of the slots still in the window.
template <unsigned Rounds>
class WindowedMax {
 public:
  void update(std::uint64_t round, std::uint64_t value) {
    Slot& s = slots_[round % Rounds];
    if (s.round != round || !s.used) s = Slot{round, 0, true};
    if (value > s.value) s.value = value;
    latest_ = round;
  }
  std::uint64_t get() const {
    std::uint64_t best = 0;
    for (const Slot& s : slots_) {
      if (s.used && s.round + Rounds > latest_ && s.value > best) best = s.value;
    }
    return best;
  }
  void reset() { *this = WindowedMax{}; }

 private:
  struct Slot {
    std::uint64_t round = 0;
    std::uint64_t value = 0;
    bool used = false;
  };
  std::array<Slot, Rounds> slots_{};
  std::uint64_t latest_ = 0;
};

class Bbr final : public CongestionControl {
 public:
  enum class Mode : std::uint8_t { kStartup, kDrain, kProbeBw, kProbeRtt };

  static constexpr double kHighGain = 2.885;              // 2/ln 2: the rate doubles each round
  static constexpr double kDrainGain = 1.0 / kHighGain;   // drains Startup's queue in a round
  static constexpr double kCwndGain = 2.0;                // ProbeBW's cwnd: two BDPs
  static constexpr std::array<double, 8> kPacingGainCycle{1.25, 0.75, 1, 1, 1, 1, 1, 1};
  static constexpr unsigned kBwFilterRounds = 10;         // BtlBw: max over 10 round trips
  static constexpr Duration kMinRttWindow = Duration::seconds(10);  // RTprop: min over 10 s
  static constexpr Duration kProbeRttTime = Duration::millis(200);
  static constexpr std::uint32_t kMinCwndSegments = 4;    // ProbeRTT's cwnd, and the floor
  static constexpr double kFullBwGrowth = 1.25;           // Startup grows BtlBw by 25 % a round...
  static constexpr unsigned kFullBwRounds = 3;            // ...or ends after 3 rounds without
  static constexpr double kPacingMargin = 0.99;           // pace 1 % below BtlBw: keep no standing queue
  static constexpr unsigned kAckEpochRounds = 5;          // the ACK aggregation window, per slot

  explicit Bbr(BbrConfig config = {});

  void on_ack(const AckSample& ack) override;
  void on_loss(Instant now, std::uint32_t flight) override;
  void on_rto(Instant now, std::uint32_t flight) override;
  void on_recovery_end(Instant now) override;
  void on_idle_restart(Instant now) override;
  void undo() override;

  void set_cwnd(std::uint32_t cwnd) override;
  std::uint32_t cwnd() const override { return cwnd_; }
  // BBR keeps no slow-start threshold; loss does not set one.
  std::uint32_t ssthresh() const override { return kMaxCwnd; }
  bool in_slow_start() const override { return mode_ == Mode::kStartup; }
  std::string_view name() const override { return "bbr"; }
  bool owns_recovery() const override { return true; }
  std::optional<std::uint64_t> pacing_rate() const override { return pacing_rate_; }
  bool holding_back() const override { return mode_ == Mode::kProbeRtt; }
  bool rate_based() const override { return true; }

  // The model, for tests and statistics.
  Mode mode() const { return mode_; }
  std::uint64_t max_bw() const { return max_bw_.get(); }  // BtlBw, bytes per second
  Duration min_rtt() const { return min_rtt_; }           // RTprop (zero: none yet)
  double pacing_gain() const { return pacing_gain_; }
  double cwnd_gain() const { return cwnd_gain_; }
  bool full_bw_reached() const { return full_bw_reached_; }
  std::uint64_t round_count() const { return round_count_; }
  unsigned cycle_index() const { return cycle_index_; }
  // The bytes `gain` times the bandwidth-delay product (an initial window
  // while no RTT or bandwidth is known).
  std::uint32_t bdp(double gain) const;

 private:
  void update_round(const AckSample& ack);
  void update_bw(const AckSample& ack);
  void update_ack_aggregation(const AckSample& ack);
  void update_cycle_phase(const AckSample& ack);
  void check_full_bw_reached(const AckSample& ack);
  void check_drain(const AckSample& ack);
  void update_min_rtt(const AckSample& ack);
  void update_pacing_rate(const AckSample& ack);
  void update_cwnd(const AckSample& ack);
  // Returns true when recovery decided cwnd for this ACK (packet conservation).
  bool recovery_cwnd(const AckSample& ack);
  void enter_probe_bw(Instant now);
  void enter_startup();
  void save_cwnd();
  std::uint32_t ack_aggregation_cwnd() const;
  std::uint32_t min_cwnd() const { return kMinCwndSegments * smss_; }
  std::uint64_t next_random();

  std::uint32_t smss_;
  std::uint32_t initial_cwnd_;
  std::uint32_t cwnd_;
  std::uint64_t rng_;

  Mode mode_ = Mode::kStartup;
  double pacing_gain_ = kHighGain;
  double cwnd_gain_ = kHighGain;
  std::optional<std::uint64_t> pacing_rate_;
  Duration srtt_;

  // Rounds, counted by delivered data: a round ends when a segment sent
  // after the round began is delivered.
  std::uint64_t round_count_ = 0;
  std::uint64_t next_round_delivered_ = 0;
  bool round_start_ = false;

  WindowedMax<kBwFilterRounds> max_bw_;
  Duration min_rtt_;
  Instant min_rtt_stamp_;

  // Startup's end.
  std::uint64_t full_bw_ = 0;
  unsigned full_bw_count_ = 0;
  bool full_bw_reached_ = false;

  // ProbeBW's gain cycle.
  unsigned cycle_index_ = 0;
  Instant cycle_stamp_;

  // ProbeRTT.
  std::optional<Instant> probe_rtt_done_;
  bool probe_rtt_round_done_ = false;
  bool idle_restart_ = false;

  // Loss recovery.
  std::uint32_t prior_cwnd_ = 0;
  bool in_recovery_ = false;
  bool packet_conservation_ = false;

  // ACK aggregation: bytes ACKed beyond what BtlBw explains, the larger of
  // two slots of kAckEpochRounds rounds each.
  std::array<std::uint32_t, 2> extra_acked_{};
  unsigned extra_acked_slot_ = 0;
  unsigned extra_acked_rounds_ = 0;
  Instant ack_epoch_start_;
  std::uint64_t ack_epoch_acked_ = 0;
  bool ack_epoch_started_ = false;
};

}  // namespace ws::tcp
