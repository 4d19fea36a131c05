// Anything attached to the simulated network: a host (through HostNode),
// a switch. The simulator delivers frames to a node's ports, runs its
// timers, and collects the frames it wants to send.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "sim/frame.hpp"

namespace ws::sim {

struct OutFrame {
  std::size_t port = 0;
  Frame frame;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual const std::string& name() const = 0;
  virtual std::size_t port_count() const = 0;
  // A frame arrived on `port` at `now`. The node reads it, or moves it out
  // to keep it (a switch forwarding it); the simulator drops what is left.
  // A kept frame may hold a buffer of another node's pool (sim/frame.hpp):
  // hand it back through drain(), which ~Simulation calls on every node
  // before destroying any, or destroy it while its sender lives.
  virtual void deliver(Instant now, std::size_t port, Frame& frame) = 0;
  // Run whatever timers are due at `now`.
  virtual void poll(Instant now) = 0;
  // When the node next needs poll(); Instant::never() when idle.
  virtual Instant poll_at() const = 0;
  // Moves the frames the node wants to transmit into `out` (appending).
  virtual void drain(std::vector<OutFrame>& out) = 0;
};

}  // namespace ws::sim
