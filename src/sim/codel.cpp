#include "sim/codel.hpp"

#include <cmath>

namespace ws::sim {

Instant Codel::control_law(Instant t, std::uint32_t count) const {
  // RFC 8289 §5.5: t + interval / sqrt(count). (The RFC's reference code
  // approximates the inverse square root by Newton steps; the simulator
  // can afford the exact value, rounded to whole nanoseconds.)
  const double step = static_cast<double>(config_.interval.total_nanos()) / std::sqrt(static_cast<double>(count));
  return t + Duration::nanos(std::llround(step));
}

bool Codel::ok_to_drop(Instant now, Duration sojourn, std::size_t backlog) {
  // §5.3: below target, or hardly a queue at all: reset the clock — the
  // sojourn time must stay above target for a whole interval again.
  if (sojourn < config_.target || backlog <= config_.mtu_bytes) {
    first_above_time_.reset();
    return false;
  }
  if (!first_above_time_) {
    // Just went above: it is time to act if it is still so an interval on.
    first_above_time_ = now + config_.interval;
    return false;
  }
  return now >= *first_above_time_;
}

bool Codel::on_dequeue(Instant now, Duration sojourn, std::size_t backlog) {
  const bool ok = ok_to_drop(now, sojourn, backlog);
  if (dropping_) {
    // §5.4, in the dropping state.
    if (!ok) {
      dropping_ = false;  // the queue went below target: leave it
      return false;
    }
    if (now < drop_next_) return false;
    // The next signal is due: send it, and schedule the following one
    // sooner (count grows, so interval / sqrt(count) shrinks).
    ++count_;
    drop_next_ = control_law(drop_next_, count_);
    return true;
  }
  if (!ok) return false;
  // §5.4, entering the dropping state: signal this packet. If the last
  // episode ended recently (within 16 intervals of its next due signal),
  // the queue is still congested: resume from the rate it had reached
  // (count − last_count more than where it began) instead of from 1.
  dropping_ = true;
  const std::uint32_t delta = count_ - last_count_;
  count_ = 1;
  if (delta > 1 && now - drop_next_ < config_.interval * 16) count_ = delta;
  drop_next_ = control_law(now, count_);
  last_count_ = count_;
  return true;
}

}  // namespace ws::sim
