// Choosing a congestion controller by name ("reno", "newreno", "cubic"),
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
};

// A controller of that kind with its defaults (HyStart++ on, fast
// convergence on for CUBIC).
std::unique_ptr<CongestionControl> make_cc(CcKind kind, std::uint32_t smss, InitialWindow iw);

// "reno" and "newreno" are both CcKind::Reno (the loss recovery that made
// Reno NewReno is the sender's now); nullopt for anything else.
std::optional<CcKind> parse_cc(std::string_view name);

std::string_view to_string(CcKind kind);

}  // namespace ws::tcp
