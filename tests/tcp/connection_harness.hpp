// Packet-level harness for one Connection (docs/principles.md "Packet-level tests"): put it in a
// state, inject exact segments, assert the exact replies. Time only moves
// when a test says so. On failure, every segment exchanged is printed.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tcp/connection.hpp"

namespace ws::tcp::testing {

// A sent segment with its payload copied out of the send buffer.
struct Sent {
  TcpSegment seg;
  std::vector<std::uint8_t> data;
  Instant at;  // when it left
  std::uint8_t ecn = 0;  // the IP header's ECN codepoint the connection asked for (RFC 3168)
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
  Seg& wscale(std::uint8_t shift) {
    s.options.window_scale = shift;
    return *this;
  }
  Seg& data(const std::string& d) {
    storage.assign(d.begin(), d.end());
    s.payload = storage;
    return *this;
  }
  operator const TcpSegment&() const { return s; }  // NOLINT: implicit by design
};

// What a sent segment must be, field by field (docs/principles.md
// "Packet-level tests"). Everything is compared exactly: flags, SEQ, ACK (absent unless
// given), window, payload length (0 unless given) and the MSS option
// (absent unless given).
//   EXPECT_SEG(one(), Want(kA).seq(1001).ack(8001).win(65535));
class Want {
 public:
  explicit Want(std::uint8_t flags) : flags_(flags) {}
  Want& seq(std::uint32_t v) {
    seq_ = v;
    return *this;
  }
  Want& ack(std::uint32_t v) {
    ack_ = v;
    return *this;
  }
  Want& win(std::uint16_t v) {
    win_ = v;
    return *this;
  }
  Want& len(std::size_t v) {
    len_ = v;
    return *this;
  }
  Want& data(const std::string& v) {
    data_ = v;
    len_ = v.size();
    return *this;
  }
  Want& mss(std::uint16_t v) {
    mss_ = v;
    return *this;
  }

  ::testing::AssertionResult check(const Sent& s) const {
    std::string bad;
    if (s.seg.flags.bits != flags_) bad += fmt::format(" flags [{}]≠[{}]", s.seg.flags.to_string(), TcpFlags{flags_}.to_string());
    if (s.seg.seq != SeqNum(seq_)) bad += fmt::format(" seq {}≠{}", s.seg.seq.raw(), seq_);
    if (s.seg.ack != (ack_ ? std::optional(SeqNum(*ack_)) : std::nullopt)) {
      bad += fmt::format(" ack {}≠{}", s.seg.ack ? std::to_string(s.seg.ack->raw()) : "none",
                         ack_ ? std::to_string(*ack_) : "none");
    }
    if (s.seg.window != win_) bad += fmt::format(" win {}≠{}", s.seg.window, win_);
    if (s.data.size() != len_) bad += fmt::format(" len {}≠{}", s.data.size(), len_);
    if (data_ && s.text() != *data_) bad += " payload differs";
    if (s.seg.options.mss != mss_) bad += " mss option differs";
    if (bad.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "sent " << describe(s.seg) << " —" << bad;
  }

 private:
  std::uint8_t flags_;
  std::uint32_t seq_ = 0;
  std::optional<std::uint32_t> ack_;
  std::uint16_t win_ = 0;
  std::size_t len_ = 0;
  std::optional<std::string> data_;
  std::optional<std::uint16_t> mss_;
};

// Inside a ConnectionTest: the segment matches, else the whole exchange is printed.
#define EXPECT_SEG(sent, want) EXPECT_TRUE((want).check(sent)) << trace()

// SND.NXT and RCV.NXT that to_state() leaves in each state (our ISS 1000,
// the peer's 8000, no data exchanged): what tests build segments from.
struct StateNumbers {
  std::uint32_t snd_nxt;
  std::uint32_t rcv_nxt;
};
inline StateNumbers numbers_in(State s) {
  switch (s) {
    case State::Closed:
    case State::Listen:
    case State::SynSent: return {1001, 0};
    case State::SynReceived:
    case State::Established: return {1001, 8001};
    case State::FinWait1:
    case State::FinWait2: return {1002, 8001};  // our FIN took 1001
    case State::CloseWait: return {1001, 8002};  // theirs took 8001
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: return {1002, 8002};
  }
  return {0, 0};
}

class ConnectionTest : public ::testing::Test {
 protected:
  // Client side of seed 000: 192.0.2.1:49152 -> 192.0.2.2:8000, ISN 1000.
  void make(ConnectionConfig cfg = {}, std::uint32_t iss = 1000) {
    conn = std::make_unique<Connection>(
        cfg, FourTuple{{Ipv4Address(192, 0, 2, 1), 49152}, {Ipv4Address(192, 0, 2, 2), 8000}}, SeqNum(iss),
        [this](Instant t, const TcpSegment& s) {
          Sent x{s, {s.payload.begin(), s.payload.end()}, t, conn->outgoing_ecn()};
          x.seg.payload = {};
          sent.push_back(std::move(x));
          log.push_back(fmt::format("  ws → {} @{}", describe(s), now.to_string()));
        });
    conn->set_state_hook([this](State a, State b) {
      log.push_back(fmt::format("  state {} → {}", to_string(a), to_string(b)));
      arcs.push_back(fmt::format("{}>{}", to_string(a), to_string(b)));
    });
  }
  void in(const TcpSegment& s, std::uint8_t ecn = 0) {
    log.push_back(fmt::format("  peer → {} @{}{}", describe(s), now.to_string(), ecn == 3 ? " CE" : ""));
    conn->on_segment(now, s, ecn);
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
  // Active open to ESTABLISHED against a peer that answers SACK-permitted
  // (and timestamps when `cfg.timestamps`), MSS 1000, after a 100 ms
  // handshake: RTT and min_RTT are 100 ms from the start. Unpaced unless
  // `paced` (then as `cfg.pacing` says): these tests count the segments
  // one ACK releases, which pacing would spread out (pacing_test.cpp).
  void establish_sack(ConnectionConfig cfg, bool paced = false, std::uint16_t peer_window = 65535) {
    if (!paced) cfg.pacing = Pacing::kOff;
    make(cfg);
    conn->open_active(now);
    take();
    advance(Duration::millis(100));
    Seg synack(8000, TcpFlags::kSyn);
    synack.ack(1001).mss(1000).win(peer_window);
    synack.s.options.sack_permitted = true;
    if (cfg.timestamps) synack.s.options.timestamps = TcpTimestamps{500, 0};
    in(synack);
    take();
    ASSERT_EQ(conn->state(), State::Established) << trace();
  }
  // A pure ACK from the peer carrying SACK blocks [left, right), in order.
  static Seg ack_with(std::uint32_t ack, std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> blocks) {
    Seg s(8001, TcpFlags::kAck);
    s.ack(ack);
    for (auto [l, r] : blocks) s.s.options.sack_blocks[s.s.options.sack_count++] = SackBlock{SeqNum(l), SeqNum(r)};
    return s;
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

  // Drives a new connection to `target` with the seed's numbers (see
  // numbers_in): SYN-RECEIVED by a passive open, the rest from an active
  // one. Our FIN comes from shutdown_write(), so the connection is not
  // orphaned (data may still arrive in FIN-WAIT-1/2). Nothing stays in
  // take(); arcs holds only what the test itself causes.
  void to_state(State target, ConnectionConfig cfg = {}) {
    switch (target) {
      case State::Closed:
      case State::Listen: make(cfg); break;
      case State::SynSent:
        make(cfg);
        conn->open_active(now);
        break;
      case State::SynReceived:
        make(cfg);
        conn->open_passive(now, Seg(8000, TcpFlags::kSyn).mss(1024));
        break;
      case State::Established: establish(cfg); break;
      case State::FinWait1:
        establish(cfg);
        conn->shutdown_write(now);
        break;
      case State::FinWait2:
        to_state(State::FinWait1, cfg);
        in(Seg(8001, TcpFlags::kAck).ack(1002));
        break;
      case State::CloseWait:
        establish(cfg);
        in(Seg(8001, TcpFlags::kAck | TcpFlags::kFin).ack(1001));
        break;
      case State::Closing:
        to_state(State::FinWait1, cfg);
        in(Seg(8001, TcpFlags::kAck | TcpFlags::kFin).ack(1001));
        break;
      case State::LastAck:
        to_state(State::CloseWait, cfg);
        conn->shutdown_write(now);
        break;
      case State::TimeWait:
        to_state(State::FinWait2, cfg);
        in(Seg(8001, TcpFlags::kAck | TcpFlags::kFin).ack(1002));
        break;
    }
    take();
    arcs.clear();
    const State want = target == State::Listen ? State::Closed : target;
    ASSERT_EQ(conn->state(), want) << trace();
    if (target != State::Closed && target != State::Listen) {
      ASSERT_EQ(conn->snd_nxt(), SeqNum(numbers_in(target).snd_nxt)) << trace();
      if (target != State::SynSent) {
        ASSERT_EQ(conn->rcv_nxt(), SeqNum(numbers_in(target).rcv_nxt)) << trace();
      }
    }
  }
  // Nothing was sent since the last take().
  ::testing::AssertionResult silent() {
    auto s = take();
    if (s.empty()) return ::testing::AssertionSuccess();
    auto r = ::testing::AssertionFailure() << s.size() << " segment(s) sent:";
    for (const auto& x : s) r << " " << describe(x.seg) << ";";
    return r;
  }

  Instant now = Instant::zero();
  std::unique_ptr<Connection> conn;
  std::vector<Sent> sent;
  std::vector<std::string> log;
  std::vector<std::string> arcs;  // "FROM>TO" for every state change
};

}  // namespace ws::tcp::testing
