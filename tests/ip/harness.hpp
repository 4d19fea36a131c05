// A minimal driver for host-level tests: hosts joined by ideal cables
// (no delay, no loss), frames pumped until quiet, time advanced from
// deadline to deadline. The simulator (src/sim) is the full-featured one;
// this keeps IP tests independent of it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "ip/host.hpp"
#include "wire/describe.hpp"

namespace ws::testing {

class CableNet {
 public:
  Host& add_host(const std::string& name, std::uint64_t seed = 1, HostConfig cfg = {}) {
    cfg.name = name;
    cfg.seed = seed;
    hosts_.push_back(std::make_unique<Host>(cfg));
    return *hosts_.back();
  }
  // Adds an interface to each host and joins them with a cable.
  void cable(Host& a, const std::string& a_mac, Host& b, const std::string& b_mac, std::uint16_t mtu = 1500) {
    const IfIndex ia = a.add_interface({"eth" + std::to_string(a.interface_count()), *MacAddress::parse(a_mac), mtu});
    const IfIndex ib = b.add_interface({"eth" + std::to_string(b.interface_count()), *MacAddress::parse(b_mac), mtu});
    cables_.push_back({{&a, ia}, {&b, ib}});
  }
  // An interface with no cable: frames sent there vanish (a dead host).
  IfIndex dangling(Host& h, const std::string& mac) {
    return h.add_interface({"eth" + std::to_string(h.interface_count()), *MacAddress::parse(mac), 1500});
  }

  // Moves frames until no host has anything to send.
  void pump() {
    for (int rounds = 0; rounds < 10000; ++rounds) {
      bool moved = false;
      for (auto& h : hosts_) {
        while (auto f = h->pop_transmit()) {
          moved = true;
          log.push_back(h->name() + ": " + describe_frame(f->frame->bytes()));
          if (tap) tap(*h, f->iface, f->frame->bytes());
          if (const End* peer = peer_of(h.get(), f->iface)) peer->host->receive(now, peer->iface, f->frame->bytes());
        }
      }
      if (!moved) return;
    }
  }
  // Runs every timer due up to now + d, pumping after each.
  void advance(Duration d) {
    const Instant until = now + d;
    pump();
    for (;;) {
      Instant next = Instant::never();
      for (auto& h : hosts_) next = std::min(next, h->poll_at());
      if (next > until) break;
      now = std::max(now, next);
      for (auto& h : hosts_) {
        if (h->poll_at() <= now) h->poll(now);
      }
      pump();
    }
    now = until;
  }

  Instant now = Instant::zero();
  std::vector<std::string> log;  // one line per frame sent
  std::function<void(Host&, IfIndex, Bytes)> tap;

 private:
  struct End {
    Host* host;
    IfIndex iface;
  };
  const End* peer_of(Host* h, IfIndex i) const {
    for (const auto& c : cables_) {
      if (c.first.host == h && c.first.iface == i) return &c.second;
      if (c.second.host == h && c.second.iface == i) return &c.first;
    }
    return nullptr;
  }
  std::vector<std::unique_ptr<Host>> hosts_;
  std::vector<std::pair<End, End>> cables_;
};

inline std::string dump(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "  " + l + "\n";
  return s;
}

}  // namespace ws::testing
