// Choosing a congestion controller by name ("reno", "newreno", "cubic", "bbr"),
// for configuration and command lines.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "tcp/cc.hpp"
#include "tcp/initial_window.hpp"

namespace ws::tcp {

enum class CcKind : std::uint8_t {
  Reno,   // NewRenoCc: RFC 5681 with RFC 3465 byte counting
  Cubic,  // Cubic: RFC 9438
  Bbr,    // Bbr: BBR v1 (Cardwell et al., ACM Queue 2016), paced
};

// A controller of that kind with its defaults (HyStart++ on, fast
// convergence on for CUBIC). `seed`: BBR's ProbeBW start phase.
std::unique_ptr<CongestionControl> make_cc(CcKind kind, std::uint32_t smss, InitialWindow iw, std::uint64_t seed = 1);

// "reno" and "newreno" are both CcKind::Reno (the loss recovery that made
// Reno NewReno is the sender's now); "cubic"; "bbr"; nullopt for anything else.
std::optional<CcKind> parse_cc(std::string_view name);

std::string_view to_string(CcKind kind);

}  // namespace ws::tcp
