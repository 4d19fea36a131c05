// Packet-level harness for one Connection (STYLE.md §11): put it in a
// state, inject exact segments, assert the exact replies. Time only moves
// when a test says so. On failure, every segment exchanged is printed.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tcp/connection.hpp"

namespace ws::tcp::testing {

// A sent segment with its payload copied out of the send buffer.
struct Sent {
  TcpSegment seg;
  std::vector<std::uint8_t> data;
  std::string text() const { return std::string(data.begin(), data.end()); }
};

inline std::string describe(const TcpSegment& s) {
  std::string out = fmt::format("[{}] seq {}", s.flags.to_string(), s.seq.raw());
  if (s.ack) out += fmt::format(" ack {}", s.ack->raw());
  out += fmt::format(" win {} len {}", s.window, s.payload.size());
  if (s.options.mss) out += fmt::format(" mss {}", *s.options.mss);
  return out;
}

// Builds segments "from the peer" to feed the connection.
struct Seg {
  TcpSegment s;
  std::vector<std::uint8_t> storage;
  Seg(std::uint32_t seq, std::uint8_t flags) {
    s.src_port = 8000;
    s.dst_port = 49152;
    s.seq = SeqNum(seq);
    s.flags.bits = flags;
    s.window = 65535;
  }
  Seg& ack(std::uint32_t a) {
    s.ack = SeqNum(a);
    s.flags.bits |= TcpFlags::kAck;
    return *this;
  }
  Seg& win(std::uint16_t w) {
    s.window = w;
    return *this;
  }
  Seg& mss(std::uint16_t m) {
    s.options.mss = m;
    return *this;
  }
  Seg& data(const std::string& d) {
    storage.assign(d.begin(), d.end());
    s.payload = storage;
    return *this;
  }
  operator const TcpSegment&() const { return s; }  // NOLINT: implicit by design
};

class ConnectionTest : public ::testing::Test {
 protected:
  // Client side of seed 000: 192.0.2.1:49152 -> 192.0.2.2:8000, ISN 1000.
  void make(ConnectionConfig cfg = {}, std::uint32_t iss = 1000) {
    conn = std::make_unique<Connection>(
        cfg, FourTuple{{Ipv4Address(192, 0, 2, 1), 49152}, {Ipv4Address(192, 0, 2, 2), 8000}}, SeqNum(iss),
        [this](const TcpSegment& s) {
          Sent x{s, {s.payload.begin(), s.payload.end()}};
          x.seg.payload = {};
          sent.push_back(std::move(x));
          log.push_back(fmt::format("  ws → {} @{}", describe(s), now.to_string()));
        });
    conn->set_state_hook([this](State a, State b) {
      log.push_back(fmt::format("  state {} → {}", to_string(a), to_string(b)));
    });
  }
  void in(const TcpSegment& s) {
    log.push_back(fmt::format("  peer → {} @{}", describe(s), now.to_string()));
    conn->on_segment(now, s);
  }
  void advance(Duration d) {
    const Instant until = now + d;
    while (conn->next_deadline() <= until) {
      now = std::max(now, conn->next_deadline());
      conn->on_timer(now);
    }
    now = until;
  }
  // The segments sent since the last call.
  std::vector<Sent> take() { return std::exchange(sent, {}); }
  // Exactly one segment was sent; returns it.
  Sent one() {
    auto s = take();
    EXPECT_EQ(s.size(), 1u) << trace();
    return s.empty() ? Sent{} : s.front();
  }
  std::string trace() const {
    std::string t = "\n";
    for (const auto& l : log) t += l + "\n";
    return t;
  }
  // Active open to ESTABLISHED with the seed's numbers (server ISN 8000, MSS 1024).
  void establish(ConnectionConfig cfg = {}) {
    make(cfg);
    conn->open_active(now);
    take();
    in(Seg(8000, TcpFlags::kSyn).ack(1001).mss(1024));
    take();
    ASSERT_EQ(conn->state(), State::Established) << trace();
  }

  Instant now = Instant::zero();
  std::unique_ptr<Connection> conn;
  std::vector<Sent> sent;
  std::vector<std::string> log;
};

}  // namespace ws::tcp::testing
