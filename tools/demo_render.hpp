// The demo's script: what happened on the two hosts' wires, their TCP
// state changes and their socket calls, in event order — printed like the
// seed notes (one line per segment) and drawn as an SVG sequence diagram.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "sim/host_node.hpp"
#include "sim/simulation.hpp"

namespace ws::cli::demo {

class Script {
 public:
  explicit Script(bool across_router) : across_router_(across_router) {}

  // Records host `name`'s interface 0 and its TCP state changes.
  void watch(sim::Simulation& sim, sim::HostNode& host, const std::string& name);
  // A socket call an application made (printed inline).
  void app(const std::string& who, const std::string& what);

  void print(std::FILE* out) const;
  bool write_svg(const std::string& path) const;
  // Both applications reached close().
  bool completed() const;

 private:
  enum class Kind { Sent, Received, State, App };
  struct Event {
    Instant at;
    Kind kind;
    std::string who;
    std::string text;                 // state change or app call
    std::vector<std::uint8_t> frame;  // frames
  };
  struct Segment;  // a decoded TCP segment (demo_render.cpp)
  std::vector<Segment> segments() const;

  bool across_router_;
  sim::Simulation* sim_ = nullptr;
  std::vector<Event> events_;
};

}  // namespace ws::cli::demo
