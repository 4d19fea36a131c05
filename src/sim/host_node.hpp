// A host on the simulated network: a Stack (Host + transports + sockets)
// whose interface i is port i. Add interfaces before connecting ports.
#pragma once

#include "socket/stack.hpp"
#include "sim/node.hpp"

namespace ws::sim {

class HostNode final : public Node {
 public:
  explicit HostNode(HostConfig config) : stack_(StackConfig{std::move(config)}) {}
  explicit HostNode(StackConfig config) : stack_(std::move(config)) {}

  Stack& stack() { return stack_; }
  const Stack& stack() const { return stack_; }
  Host& host() { return stack_.host(); }
  const Host& host() const { return stack_.host(); }

  const std::string& name() const override { return stack_.host().name(); }
  std::size_t port_count() const override { return stack_.host().interface_count(); }
  void deliver(Instant now, std::size_t port, Frame& frame) override {
    stack_.receive(now, port, frame.bytes());
  }
  void poll(Instant now) override { stack_.poll(now); }
  Instant poll_at() const override { return stack_.poll_at(); }
  void drain(std::vector<OutFrame>& out) override {
    // The host's pooled buffer travels as the frame (no copy); it returns
    // to the host's pool when the frame is dropped or delivered.
    while (auto tx = stack_.pop_transmit()) {
      out.push_back(OutFrame{tx->iface, Frame(std::move(tx->frame))});
    }
  }

 private:
  Stack stack_;
};

}  // namespace ws::sim
