// FrameLoss: seeded fault injection on the real wire. The driver asks it
// about every frame it reads from the TAP (towards the stack) and every
// frame the stack transmits (towards the TAP); each is dropped with
// probability `rate`, so wirestack can be tried against a lossy path with
// a real peer. Each direction draws from its own generator (base/rng.hpp),
// so the n-th frame of a direction meets the same fate in every run with
// the same seed, however the two directions interleave in real time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/rng.hpp"

namespace ws::runtime {

struct FrameLossStats {
  std::uint64_t in_seen = 0;  // frames read from the TAP
  std::uint64_t in_dropped = 0;
  std::uint64_t out_seen = 0;  // frames the stack transmitted
  std::uint64_t out_dropped = 0;
};

class FrameLoss {
 public:
  // `rate` must satisfy 0 <= rate < 1 (see check_rate).
  FrameLoss(double rate, std::uint64_t seed);

  // Why `rate` is not a loss probability this accepts, or nothing.
  static std::optional<std::string> check_rate(double rate);

  // True: drop this frame.
  bool drop_inbound();
  bool drop_outbound();

  double rate() const { return rate_; }
  const FrameLossStats& stats() const { return stats_; }
  // "dropped 12 of 601 frames from the TAP, 9 of 598 to it (--loss 0.02, seed 1)"
  std::string summary() const;

 private:
  double rate_;
  std::uint64_t seed_;
  Rng in_;
  Rng out_;
  FrameLossStats stats_;
};

}  // namespace ws::runtime
