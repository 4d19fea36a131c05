#include "tcp/pacing.hpp"

#include <algorithm>

namespace ws::tcp {

std::optional<Pacing> parse_pacing(std::string_view name) {
  if (name == "off") return Pacing::kOff;
  if (name == "rate") return Pacing::kRateBased;
  if (name == "all") return Pacing::kAll;
  return std::nullopt;
}

std::string_view to_string(Pacing p) {
  switch (p) {
    case Pacing::kOff: return "off";
    case Pacing::kRateBased: return "rate";
    case Pacing::kAll: return "all";
  }
  return "?";
}

std::uint64_t Pacer::window_rate(std::uint32_t cwnd, std::uint32_t ssthresh, Duration srtt) {
  if (srtt <= Duration{}) return 0;
  // Slow start may double cwnd in one round trip: pace at twice it so the
  // pacing never holds the window back; after, 1.2 times (Linux's ratios).
  const double factor = cwnd < ssthresh / 2 ? 2.0 : 1.2;
  const double rate = factor * static_cast<double>(cwnd) * 1e9 / static_cast<double>(srtt.total_nanos());
  return static_cast<std::uint64_t>(std::max(rate, 1.0));
}

Duration Pacer::time_for(std::uint64_t bytes) const {
  if (rate_ == 0) return Duration{};
  return Duration::nanos(static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 / static_cast<double>(rate_)));
}

Duration Pacer::horizon() const {
  // A slot's worth of horizon lets one segment go with the one before it.
  const Duration pair = rate_ >= kPairRate ? time_for(segment_) : Duration{};
  return std::max(std::min(kMaxHorizon, time_for(kMaxBurst)), pair);
}

void Pacer::on_sent(Instant now, std::uint32_t bytes) {
  // After an idle stretch the slot lies in the past: the segment goes now
  // and the next one a segment's time later (no credit is saved up).
  next_ = std::max(next_, now) + time_for(bytes);
}

}  // namespace ws::tcp
