// The demo's script: what happened on the two hosts' wires, their TCP
// state changes and their socket calls, in event order — printed like the
// seed notes (one line per segment), drawn as an SVG sequence diagram and
// written as a step-through page. The simulator knows what a capture
// cannot: which frames were lost, the real states, the socket calls.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/host_node.hpp"
#include "sim/simulation.hpp"
#include "view/conversation.hpp"

namespace ws::cli::demo {

class Script {
 public:
  // `command`: the command line that made the run (the pictures' title).
  Script(bool across_router, std::string command) : across_router_(across_router), command_(std::move(command)) {}

  // Records host `name`'s interface 0 and its TCP state changes. Call it
  // for the left side ("client") first, then the right.
  void watch(sim::Simulation& sim, sim::HostNode& host, const std::string& name);
  // A socket call an application made (printed inline).
  void app(const std::string& who, const std::string& what);

  // The run as one model, annotated (numbers, retransmissions, phases).
  view::Conversation conversation() const;
  void print(std::FILE* out) const;
  bool write_svg(const std::string& path) const;
  bool write_page(const std::string& path) const;
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

  bool across_router_;
  std::string command_;
  sim::Simulation* sim_ = nullptr;
  std::vector<std::string> names_;
  std::vector<std::string> addresses_;
  std::vector<Event> events_;
};

}  // namespace ws::cli::demo
