// A Host on the simulated network: interface i of the host is port i.
// Add the host's interfaces before connecting its ports.
#pragma once

#include "ip/host.hpp"
#include "sim/node.hpp"

namespace ws::sim {

class HostNode final : public Node {
 public:
  explicit HostNode(HostConfig config) : host_(std::move(config)) {}

  Host& host() { return host_; }
  const Host& host() const { return host_; }

  const std::string& name() const override { return host_.name(); }
  std::size_t port_count() const override { return host_.interface_count(); }
  void deliver(Instant now, std::size_t port, Bytes frame) override { host_.receive(now, port, frame); }
  void poll(Instant now) override { host_.poll(now); }
  Instant poll_at() const override { return host_.poll_at(); }
  void drain(std::vector<OutFrame>& out) override {
    while (auto tx = host_.pop_transmit()) {
      const Bytes b = tx->frame->bytes();
      out.push_back(OutFrame{tx->iface, {b.begin(), b.end()}});
    }
  }

 private:
  Host host_;
};

}  // namespace ws::sim
