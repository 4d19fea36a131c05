// Small nodes and frame helpers for the simulator tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/address.hpp"
#include "base/bytes.hpp"
#include "base/time.hpp"
#include "sim/node.hpp"
#include "wire/ethernet.hpp"

namespace ws::sim::testing {

inline constexpr std::uint16_t kTestEtherType = 0x88b5;  // IEEE 802 local experimental

inline MacAddress mac(std::uint8_t n) { return MacAddress({0x02, 0, 0, 0, 0, n}); }

inline Instant at_ms(std::int64_t ms) { return Instant::zero() + Duration::millis(ms); }
inline Instant at_us(std::int64_t us) { return Instant::zero() + Duration::micros(us); }

// An Ethernet frame whose payload starts with `seq` (big-endian) and is
// filled up to `payload_len` bytes with a pattern derived from seq.
inline std::vector<std::uint8_t> make_frame(MacAddress dst, MacAddress src, std::uint32_t seq,
                                            std::size_t payload_len = 46) {
  std::vector<std::uint8_t> f(EthernetView::kHeaderLen + payload_len);
  EthernetHeader{dst, src, kTestEtherType}.emit(f);
  if (payload_len >= 4) store_be32(f.data() + EthernetView::kHeaderLen, seq);
  for (std::size_t i = EthernetView::kHeaderLen + 4; i < f.size(); ++i) {
    f[i] = static_cast<std::uint8_t>(seq * 31 + i);
  }
  return f;
}

inline std::uint32_t frame_seq(Bytes f) { return load_be32(f.data() + EthernetView::kHeaderLen); }

// A node that records what it receives and when it is polled, sends what
// the test queues, fires test-set timers and can echo frames back.
class TestNode : public Node {
 public:
  struct Rx {
    Instant at;
    std::size_t port;
    std::vector<std::uint8_t> bytes;
  };

  explicit TestNode(std::string name, std::size_t ports = 1)
      : name_(std::move(name)), ports_(ports) {}

  const std::string& name() const override { return name_; }
  std::size_t port_count() const override { return ports_; }

  void deliver(Instant now, std::size_t port, Frame& frame) override {
    const Bytes b = frame.bytes();
    rx.push_back(Rx{now, port, std::vector<std::uint8_t>(b.begin(), b.end())});
    if (echo && b.size() >= EthernetView::kHeaderLen) {
      std::vector<std::uint8_t> back(b.begin(), b.end());
      // Swap the MAC addresses, as a reply would.
      for (std::size_t i = 0; i < 6; ++i) std::swap(back[i], back[6 + i]);
      send(port, std::move(back));
    }
  }

  void poll(Instant now) override {
    polls.push_back(now);
    while (!timers.empty() && *timers.begin() <= now) timers.erase(timers.begin());
  }

  Instant poll_at() const override { return timers.empty() ? Instant::never() : *timers.begin(); }

  void drain(std::vector<OutFrame>& out) override {
    for (auto& f : outbox) out.push_back(std::move(f));
    outbox.clear();
  }

  void send(std::size_t port, std::vector<std::uint8_t> bytes) {
    outbox.push_back(OutFrame{port, Frame(bytes)});
  }

  bool echo = false;
  std::vector<Rx> rx;
  std::vector<Instant> polls;
  std::multiset<Instant> timers;
  std::vector<OutFrame> outbox;

 private:
  std::string name_;
  std::size_t ports_;
};

}  // namespace ws::sim::testing
