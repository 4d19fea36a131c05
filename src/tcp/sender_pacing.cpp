// Pacing in the sender (tcp/pacing.hpp): which rate this output() call
// paces at, and whether the next segment waits for its departure time.
#include "tcp/connection.hpp"
#include "tcp/sender.hpp"

namespace ws::tcp {

void Sender::update_pacing_rate() {
  const bool paced = config_.pacing == Pacing::kAll || (config_.pacing == Pacing::kRateBased && scc_->rate_based());
  std::uint64_t rate = 0;
  if (paced) {
    rate = scc_->pacing_rate().value_or(
        Pacer::window_rate(scc_->cwnd(), scc_->ssthresh(), rtt_.srtt().value_or(Duration{})));
  }
  pacer_.set_rate(rate, snd_mss_);
}

bool Sender::pace_hold(Instant now) {
  if (pacer_.may_send(now)) return false;
  if (timers_.deadline(TimerKind::kPace) != pacer_.wake_at()) ++stats_.pacing_waits;
  timers_.arm(TimerKind::kPace, pacer_.wake_at());
  return true;
}

}  // namespace ws::tcp
