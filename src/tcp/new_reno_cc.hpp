// NewRenoCc: RFC 5681 congestion control as a CongestionControl (tcp/cc.hpp)
// for a sender that runs its own loss recovery (RFC 6675 + PRR, RFC 6937):
// slow start and congestion avoidance by byte counting (RFC 3465), the
// equation (4) reduction at a loss or timeout, the loss window, restart
// after idle, undo of a spurious reduction (RFC 4015), no growth while
// application-limited (RFC 7661), and HyStart++ (RFC 9406) in the first
// slow start. Integer bytes throughout, so tests walk it with exact numbers.
//
// NewReno's partial-ACK rule (RFC 6582) is the sender's now: during
// recovery PRR sets cwnd (set_cwnd), and the controller only sets ssthresh.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "tcp/cc.hpp"
#include "tcp/hystart.hpp"
#include "tcp/initial_window.hpp"

namespace ws::tcp {

struct NewRenoCcConfig {
  std::uint32_t smss = 1460;  // sender maximum segment size, bytes (> 0)
  InitialWindow initial_window = InitialWindow::kRfc5681;
  // RFC 5681 §3.1: "SHOULD be set arbitrarily high".
  std::uint32_t initial_ssthresh = std::numeric_limits<std::uint32_t>::max();
  // RFC 3465 §2.2: slow start grows by at most L·SMSS per ACK, L = 2; L = 1
  // in the slow start that follows an RTO.
  std::uint32_t abc_limit = 2;
  // RFC 9406: HyStart++ in the first slow start.
  bool hystart = true;
};

class NewRenoCc final : public CongestionControl {
 public:
  explicit NewRenoCc(NewRenoCcConfig config = {});

  void on_ack(const AckSample& ack) override;
  void on_loss(Instant now, std::uint32_t flight) override;
  void on_rto(Instant now, std::uint32_t flight) override;
  void on_recovery_end(Instant now) override;
  void on_idle_restart(Instant now) override;
  void undo() override;

  void set_cwnd(std::uint32_t cwnd) override;
  std::uint32_t cwnd() const override { return cwnd_; }
  std::uint32_t ssthresh() const override { return ssthresh_; }
  std::string_view name() const override { return "newreno"; }

  // For tests.
  const NewRenoCcConfig& config() const { return config_; }
  std::uint32_t bytes_acked() const { return bytes_acked_; }
  const HyStart& hystart() const { return hystart_; }

 private:
  // What undo() goes back to, saved when the window was reduced.
  struct Saved {
    bool timeout;             // on_rto() (else on_loss())
    std::uint32_t cwnd;       // cwnd before the reduction
    std::uint32_t ssthresh;   // ssthresh before the reduction
    std::uint32_t pipe_prev;  // RFC 4015 §3.1 step (1): max(FlightSize, ssthresh)
    HyStart hystart;
  };

  // RFC 5681 §3.1 equation (4): ssthresh = max(FlightSize / 2, 2·SMSS).
  std::uint32_t loss_ssthresh(std::uint32_t flight) const;
  void slow_start(const AckSample& ack);
  void congestion_avoidance(const AckSample& ack);
  void save_for_undo(bool timeout, std::uint32_t flight);
  void grow(std::uint64_t by);

  NewRenoCcConfig config_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_;
  std::uint32_t bytes_acked_ = 0;  // RFC 3465 §2.1 congestion-avoidance counter
  HyStart hystart_;
  std::optional<Saved> saved_;
  // Between on_loss() and on_recovery_end(): one reduction per episode.
  bool in_recovery_ = false;
  // Slow start after an RTO uses L = 1 (RFC 3465 §2.2).
  bool after_rto_ = false;
  // An RTO happened and nothing was delivered since: a further timeout is
  // for a segment the timer already resent, and ssthresh stays (RFC 5681 §3.1).
  bool rto_unanswered_ = false;
};

}  // namespace ws::tcp
