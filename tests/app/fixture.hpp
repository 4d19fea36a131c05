// Shared by the app tests: a LAN on the simulator with a SimLoop serving
// its hosts, and a transcript of what the programs print.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/sim_loop.hpp"
#include "apps/common.hpp"
#include "sim/topology.hpp"

namespace ws::app::testing {

inline constexpr Instant t0 = Instant::zero();

// What the programs printed, "who: line", in order.
class Transcript {
 public:
  apps::Print printer(std::string who) {
    return [this, who = std::move(who)](std::string_view line) {
      lines_.push_back(who + ": " + std::string(line));
    };
  }
  const std::vector<std::string>& lines() const { return lines_; }
  // The lines of one program, without the prefix.
  std::vector<std::string> of(const std::string& who) const {
    std::vector<std::string> out;
    for (const auto& l : lines_) {
      if (l.starts_with(who + ": ")) out.push_back(l.substr(who.size() + 2));
    }
    return out;
  }
  std::size_t count(std::string_view line) const {
    return static_cast<std::size_t>(std::count(lines_.begin(), lines_.end(), line));
  }
  bool has(std::string_view line) const { return count(line) > 0; }
  std::size_t count_prefix(std::string_view prefix) const {
    return static_cast<std::size_t>(std::count_if(
        lines_.begin(), lines_.end(), [&](const std::string& l) { return l.starts_with(prefix); }));
  }
  std::string dump() const {
    std::string s = "transcript:\n";
    for (const auto& l : lines_) s += "  " + l + "\n";
    return s;
  }

 private:
  std::vector<std::string> lines_;
};

// client 192.0.2.10 and server 192.0.2.20 on one switch (1 ms links), and
// a loop serving both. Members in construction order: the loop goes first.
struct LanWorld {
  explicit LanWorld(std::uint64_t seed,
                    sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1)))
      : sim(seed), lan(sim::build_lan(sim, link)), loop(sim) {
    loop.serve(lan.client);
    loop.serve(lan.server);
  }
  Stack& client() { return lan.client.stack(); }
  Stack& server() { return lan.server.stack(); }

  sim::Simulation sim;
  sim::Lan lan;
  SimLoop loop;
};

// The same across the router: client 192.0.2.10, server 198.51.100.20.
struct RoutedWorld {
  explicit RoutedWorld(std::uint64_t seed,
                       sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1)))
      : sim(seed), net(sim::build_routed(sim, link)), loop(sim) {
    loop.serve(net.client);
    loop.serve(net.server);
    loop.serve(net.router);
  }
  sim::Simulation sim;
  sim::RoutedLans net;
  SimLoop loop;
};

}  // namespace ws::app::testing
