// Cubic: CUBIC congestion control (RFC 9438) as a CongestionControl
// (tcp/cc.hpp), for a sender that runs its own loss recovery.
//
// In congestion avoidance the window follows the cubic function of the
// time since the epoch began (§4.2), W_cubic(t) = C·(t − K)³ + W_max, or
// Reno's AIMD estimate W_est where that is larger (§4.3); a loss sets
// ssthresh to β_cubic of the flight (§4.6) with fast convergence (§4.7); a
// timeout gives Reno's loss window (§4.8); undo() restores the state from
// before a spurious reduction (§4.9, RFC 4015); slow start (§4.10) is
// RFC 5681's with byte counting (RFC 3465) and HyStart++ (RFC 9406).
//
// The cubic arithmetic is in segments and seconds as doubles, as RFC 9438
// writes it; cwnd itself is whole bytes. Time comes only from the samples
// (Instant), so results are deterministic.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "tcp/cc.hpp"
#include "tcp/hystart.hpp"
#include "tcp/initial_window.hpp"

namespace ws::tcp {

struct CubicConfig {
  std::uint32_t smss = 1460;  // sender maximum segment size, bytes (> 0)
  InitialWindow initial_window = InitialWindow::kRfc5681;
  std::uint32_t initial_ssthresh = std::numeric_limits<std::uint32_t>::max();
  // RFC 3465 §2.2 slow start limit L (L = 1 after an RTO).
  std::uint32_t abc_limit = 2;
  bool hystart = true;           // RFC 9406 in the first slow start
  bool fast_convergence = true;  // RFC 9438 §4.7 (SHOULD)
};

class Cubic final : public CongestionControl {
 public:
  // RFC 9438 §4.1.1 / §5: C = 0.4 segments/s³, β_cubic = 0.7, and the
  // Reno-friendly additive factor α_cubic = 3(1 − β_cubic)/(1 + β_cubic).
  static constexpr double kC = 0.4;
  static constexpr double kBeta = 0.7;
  static constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

  explicit Cubic(CubicConfig config = {});

  void on_ack(const AckSample& ack) override;
  void on_loss(Instant now, std::uint32_t flight) override;
  void on_rto(Instant now, std::uint32_t flight) override;
  void on_recovery_end(Instant now) override;
  void on_idle_restart(Instant now) override;
  void undo() override;

  void set_cwnd(std::uint32_t cwnd) override;
  std::uint32_t cwnd() const override { return cwnd_; }
  std::uint32_t ssthresh() const override { return ssthresh_; }
  std::string_view name() const override { return "cubic"; }

  // RFC 9438 §4.2 eq. (1), in segments, t in seconds since the epoch.
  double w_cubic(double t) const;

  // For tests: the §4.1.2 state variables (windows in segments).
  const CubicConfig& config() const { return config_; }
  double w_max() const { return w_max_; }
  double k() const { return k_; }
  double w_est() const { return w_est_; }
  double cwnd_prior() const { return cwnd_prior_; }
  double cwnd_epoch() const { return cwnd_epoch_; }
  std::optional<Instant> epoch() const { return epoch_; }
  const HyStart& hystart() const { return hystart_; }

 private:
  // Everything a spurious congestion event's undo() puts back (RFC 9438
  // §4.9: cwnd_prior, ssthresh_prior, W_max, K, epoch, W_est; RFC 4015
  // §3.1 step (1): pipe_prev).
  struct Saved {
    bool timeout;  // on_rto() (else on_loss())
    std::uint32_t cwnd;
    std::uint32_t ssthresh;
    std::uint32_t pipe_prev;
    double w_max;
    double k;
    double w_est;
    double cwnd_prior;
    double cwnd_epoch;
    std::optional<Instant> epoch;
    std::optional<Instant> last_ack;
    bool restart_w_max;
    HyStart hystart;
  };

  void slow_start(const AckSample& ack);
  void congestion_avoidance(const AckSample& ack);
  void start_epoch(Instant now);
  // §4.6: ssthresh = max(flight_size · β_cubic, 2·SMSS).
  std::uint32_t reduced_ssthresh(std::uint32_t flight) const;
  void save_for_undo(bool timeout, std::uint32_t flight);
  void restore_cubic_state();
  // Grows cwnd to `segments` (never shrinks it), keeping fractions of a byte.
  void grow_to(double segments);
  double segments(std::uint32_t bytes) const;

  CubicConfig config_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_;
  double carry_ = 0;  // fraction of a byte of growth not yet in cwnd_

  double w_max_ = 0;                 // 0: undefined (no congestion event yet)
  double k_ = 0;                     // seconds
  double w_est_ = 0;                 // §4.3
  double cwnd_prior_ = 0;            // cwnd when ssthresh was last set (§4.6)
  double cwnd_epoch_ = 0;            // cwnd when the epoch began (§4.2)
  std::optional<Instant> epoch_;     // none: the next ACK in avoidance starts one
  std::optional<Instant> last_ack_;  // for leaving application-limited time out of t
  // §4.8 and §4.10: the next epoch takes W_max = cwnd_epoch (so K = 0).
  bool restart_w_max_ = false;

  HyStart hystart_;
  std::optional<Saved> saved_;
  bool in_recovery_ = false;
  bool after_rto_ = false;
  bool rto_unanswered_ = false;
};

}  // namespace ws::tcp
