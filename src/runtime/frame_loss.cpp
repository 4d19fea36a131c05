#include "runtime/frame_loss.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ws::runtime {

namespace {
// Separates the outbound stream from the inbound one of the same seed.
constexpr std::uint64_t kOutboundStream = 0x9e3779b97f4a7c15ULL;
}  // namespace

std::optional<std::string> FrameLoss::check_rate(double rate) {
  if (!std::isfinite(rate) || rate < 0 || rate >= 1) {
    return fmt::format("--loss {}: must be a probability with 0 <= P < 1", rate);
  }
  return std::nullopt;
}

FrameLoss::FrameLoss(double rate, std::uint64_t seed)
    : rate_(rate), seed_(seed), in_(seed), out_(seed ^ kOutboundStream) {
  if (auto e = check_rate(rate)) throw std::invalid_argument(*e);
}

bool FrameLoss::drop_inbound() {
  ++stats_.in_seen;
  const bool drop = in_.chance(rate_);
  if (drop) ++stats_.in_dropped;
  return drop;
}

bool FrameLoss::drop_outbound() {
  ++stats_.out_seen;
  const bool drop = out_.chance(rate_);
  if (drop) ++stats_.out_dropped;
  return drop;
}

std::string FrameLoss::summary() const {
  return fmt::format("dropped {} of {} frames from the TAP, {} of {} to it (--loss {}, seed {})", stats_.in_dropped,
                     stats_.in_seen, stats_.out_dropped, stats_.out_seen, rate_, seed_);
}

}  // namespace ws::runtime
