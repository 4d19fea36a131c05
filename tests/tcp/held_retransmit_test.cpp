// No retransmission while the original is still in the host
// (Connection::held_in_host): a segment waiting in the ARP queue or the
// transmit queue when the retransmission timer expires is not copied; the
// timer backs off as for any timeout (RFC 6298 §5.5–5.6) and the expiry is
// counted in retransmits_held_queued. A segment that did leave and was lost
// is retransmitted as before.
//
// On the simulated LAN (client 192.0.2.10, server 192.0.2.20, 1 ms links)
// every frame the client's stack sends is observed; ARP is held up by
// making the server's link lose everything for a while. The transmit-queue
// case drives one stack by hand and does not pop its frames.
#include <gtest/gtest.h>

#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"
#include "wire/arp.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace ws {
namespace {

using tcp::State;
using tcp::TimerKind;

constexpr std::uint16_t kPort = 8000;

Instant at(std::int64_t ms) { return Instant::zero() + Duration::millis(ms); }

// A TCP segment a stack sent: when, its flags, sequence number and length.
struct Sent {
  Instant at;
  TcpFlags flags;
  SeqNum seq;
  std::size_t len = 0;
};

// The TCP segment in an Ethernet frame, if it carries one.
std::optional<Sent> tcp_in(Instant when, Bytes frame) {
  auto eth = EthernetHeader::parse(frame);
  if (!eth || eth->ethertype != ethertype::kIpv4) return std::nullopt;
  const Bytes packet = frame.subspan(EthernetHeader::header_len());
  auto ip = Ipv4Header::parse(packet);
  if (!ip || ip->protocol != ipproto::kTcp) return std::nullopt;
  auto seg = TcpSegment::parse(packet.subspan(ip->header_len(), ip->payload_len), ip->src, ip->dst);
  if (!seg) return std::nullopt;
  return Sent{when, seg->flags, seg->seq, seg->payload.size()};
}

class HeldRetransmitTest : public ::testing::Test {
 protected:
  explicit HeldRetransmitTest(HostConfig base = {})
      : lan(sim::build_lan(sim, sim::LinkConfig::with_delay(Duration::millis(1)), base)) {
    sim.add_observer(
        lan.client, 0,
        [this](Instant when, Bytes frame, bool) {
          trace += "  " + when.to_string() + " " + describe_frame(frame) + "\n";
          if (auto s = tcp_in(when, frame)) sent.push_back(*s);
        },
        sim::CaptureDir::kSent);
  }
  Stack& client() { return lan.client.stack(); }
  Stack& server() { return lan.server.stack(); }
  const tcp::Connection& conn() const { return *lan.client.stack().tcp().connection(cli); }

  // The server's cable loses every frame, both ways, or none.
  void server_link_down(bool down) {
    sim::LinkConfig c = sim::LinkConfig::with_delay(Duration::millis(1));
    c.loss = down ? 1.0 : 0.0;
    sim.link_at(lan.server, 0)->set_config(c);
  }
  void listen() {
    listener = *server().socket(SocketType::Stream);
    ASSERT_TRUE(server().bind(listener, {Ipv4Address::any(), kPort}));
    ASSERT_TRUE(server().listen(listener, 8));
  }
  void connect() {
    cli = *client().socket(SocketType::Stream);
    ASSERT_EQ(client().connect(sim.now(), cli, {sim::kLanServerAddr, kPort}).error(),
              SockError::InProgress);
    sim.kick(lan.client);
  }
  std::vector<Sent> sent_with(std::uint8_t flags) const {
    std::vector<Sent> out;
    for (const Sent& s : sent) {
      if (s.flags.bits == flags) out.push_back(s);
    }
    return out;
  }

  sim::Simulation sim{17};
  sim::Lan lan;
  SocketId listener = 0;
  SocketId cli = 0;
  std::vector<Sent> sent;  // TCP segments the client sent, in order
  std::string trace = "\n";
};

// ARP cannot resolve the server for longer than the initial RTO: the SYN
// waits in the ARP queue past the first timeout, and leaves once.
TEST_F(HeldRetransmitTest, SynWaitingForArpIsNotCopiedAndTheTimerBacksOff) {
  listen();
  // After the hosts' own announcements (RFC 5227 §3), which would resolve
  // the server if they arrived during the resolution.
  sim.run_until(at(100));
  server_link_down(true);  // the replies to the requests at t0 and t0 + 1 s are lost
  connect();               // t0: SYN into the ARP queue, RTO 1 s (RFC 6298 §2.1)
  const Instant t0 = sim.now();
  auto after = [&](std::int64_t ms) { return t0 + Duration::millis(ms); };
  ASSERT_EQ(conn().timers().deadline(TimerKind::kRetransmit), after(1000));

  sim.run_until(after(1500));
  // t0 + 1 s: the timer expired with the SYN still queued: nothing sent,
  // RTO 1 s → 2 s (§5.5), re-armed for t0 + 1 s + 2 s = t0 + 3 s (§5.6).
  EXPECT_TRUE(sent.empty()) << trace;
  EXPECT_EQ(conn().state(), State::SynSent);
  EXPECT_EQ(conn().stats().rto_expiries, 1u);
  EXPECT_EQ(conn().stats().retransmits_held_queued, 1u);
  EXPECT_EQ(conn().stats().retransmitted_segments, 0u);
  EXPECT_EQ(conn().rtt().rto(), Duration::seconds(2));
  EXPECT_EQ(conn().timers().deadline(TimerKind::kRetransmit), after(3000));

  // ARP's third request (t0 + 2 s) is answered at t0 + 2.004 s (two 1 ms
  // hops each way): the SYN leaves then, once, and the handshake completes.
  server_link_down(false);
  sim.run_until(after(2500));
  const auto syns = sent_with(TcpFlags::kSyn);
  ASSERT_EQ(syns.size(), 1u) << trace;
  EXPECT_EQ(syns[0].at, after(2004)) << trace;
  EXPECT_EQ(syns[0].seq, conn().iss());
  EXPECT_EQ(conn().state(), State::Established) << trace;
  EXPECT_EQ(conn().stats().retransmits_held_queued, 1u);
  EXPECT_EQ(conn().stats().retransmitted_segments, 0u);
  // The timer did expire during the handshake: RFC 6298 §5.7's 3 s RTO.
  EXPECT_EQ(conn().rtt().rto(), Duration::seconds(3));
  EXPECT_FALSE(conn().timers().armed(TimerKind::kRetransmit));
}

// The SYN left the host and was lost on the cable: the timeout resends it.
TEST_F(HeldRetransmitTest, SynLostOnTheWireIsStillRetransmitted) {
  listen();
  // Resolve the server first, so the SYN leaves the host at once.
  ASSERT_TRUE(client().host().send_ping(sim.now(), sim::kLanServerAddr, 1, 1));
  sim.kick(lan.client);
  sim.run_until(at(100));
  ASSERT_EQ(client().host().take_ping_replies().size(), 1u) << trace;

  server_link_down(true);
  connect();  // t0 = 0.1 s
  sim.run_until(at(600));
  server_link_down(false);
  sim.run_until(at(1500));

  const auto syns = sent_with(TcpFlags::kSyn);
  ASSERT_EQ(syns.size(), 2u) << trace;
  EXPECT_EQ(syns[0].at, at(100));
  EXPECT_EQ(syns[1].at, at(1100)) << "t0 + RTO 1 s";
  EXPECT_EQ(syns[1].seq, syns[0].seq);
  EXPECT_EQ(conn().state(), State::Established) << trace;
  EXPECT_EQ(conn().stats().retransmits_held_queued, 0u);
  EXPECT_EQ(conn().stats().retransmitted_segments, 1u);
}

// Entries live 5 s and are not refreshed, so an idle connection's next
// segment waits for ARP again.
class HeldDataTest : public HeldRetransmitTest {
 protected:
  static HostConfig short_arp() {
    HostConfig c;
    c.arp.lifetime = Duration::seconds(5);
    c.arp.refresh_before = Duration::zero();
    return c;
  }
  HeldDataTest() : HeldRetransmitTest(short_arp()) {}
  // The timeline of RFC 6298 alone: without SACK there is no tail loss
  // probe (RFC 8985 §7) before each timeout.
  void without_sack() {
    client().tcp().defaults().sack = false;
    server().tcp().defaults().sack = false;
  }
};

// Data sent after the client's ARP entry expired waits in the ARP queue
// through three timeouts; it leaves once, when ARP resolves.
TEST_F(HeldDataTest, DataWaitingForArpIsNotCopiedAndTheTimerBacksOff) {
  without_sack();
  listen();
  connect();
  sim.run_until(at(6000));
  ASSERT_EQ(conn().state(), State::Established) << trace;
  // One sample of a few milliseconds: RTO is the 200 ms minimum (§2.4).
  ASSERT_EQ(conn().rtt().rto(), Duration::millis(200));

  server_link_down(true);  // the replies to the requests at 6 s and 7 s are lost
  const std::vector<std::uint8_t> data(100, 'x');
  ASSERT_EQ(*client().send_to(sim.now(), cli, data), data.size());
  sim.kick(lan.client);
  sim.run_until(at(7500));
  // Expiries at 6.2 s (RTO → 0.4 s), 6.6 s (→ 0.8 s) and 7.4 s (→ 1.6 s),
  // each with the segment still queued; the next is due at 9 s.
  auto data_segments = [&] {
    std::vector<Sent> out;
    for (const Sent& s : sent) {
      if (s.len > 0) out.push_back(s);
    }
    return out;
  };
  EXPECT_TRUE(data_segments().empty()) << trace;
  EXPECT_EQ(conn().stats().rto_expiries, 3u);
  EXPECT_EQ(conn().stats().retransmits_held_queued, 3u);
  EXPECT_EQ(conn().stats().retransmitted_segments, 0u);
  EXPECT_EQ(conn().rtt().rto(), Duration::millis(1600));
  EXPECT_EQ(conn().timers().deadline(TimerKind::kRetransmit), at(9000));
  EXPECT_EQ(conn().snd_nxt(), conn().snd_una() + 100) << "no go-back-N: the segment is not lost";

  // ARP's third request (8 s) is answered: the segment leaves, once, and
  // is acknowledged.
  server_link_down(false);
  sim.run_until(at(8500));
  const auto once = data_segments();
  ASSERT_EQ(once.size(), 1u) << trace;
  EXPECT_EQ(once[0].at, at(8004)) << trace;
  EXPECT_EQ(once[0].len, data.size());
  EXPECT_EQ(conn().snd_una(), conn().snd_nxt()) << trace;
  EXPECT_EQ(conn().stats().retransmits_held_queued, 3u);
  EXPECT_EQ(conn().stats().retransmitted_segments, 0u);
  EXPECT_FALSE(conn().timers().armed(TimerKind::kRetransmit));
}

// With SACK a tail loss probe (RFC 8985 §7) comes before each timeout; it
// is not sent either while the data waits for ARP.
TEST_F(HeldDataTest, NoTailLossProbeWhileTheDataWaitsForArp) {
  listen();
  connect();
  sim.run_until(at(6000));
  ASSERT_EQ(conn().state(), State::Established) << trace;
  ASSERT_TRUE(conn().sack_enabled());
  server_link_down(true);
  const std::vector<std::uint8_t> data(100, 'x');
  ASSERT_EQ(*client().send_to(sim.now(), cli, data), data.size());
  sim.kick(lan.client);
  sim.run_until(at(7500));
  for (const Sent& s : sent) EXPECT_EQ(s.len, 0u) << "data left while waiting for ARP" << trace;
  EXPECT_EQ(conn().stats().tlp_probes, 0u);
  EXPECT_EQ(conn().stats().retransmitted_segments, 0u);
  EXPECT_GE(conn().stats().retransmits_held_queued, 2u);  // the probe's time and the RTO's
  server_link_down(false);
  sim.run_until(at(9000));
  std::size_t data_segments = 0;
  for (const Sent& s : sent) data_segments += s.len > 0 ? 1 : 0;
  EXPECT_EQ(data_segments, 1u) << trace;
  EXPECT_EQ(conn().snd_una(), conn().snd_nxt()) << trace;
}

// One stack driven by hand, whose driver has not yet popped the SYN from
// the transmit queue when the timer expires.
TEST(HeldInTransmitQueue, SynTheDriverHasNotTakenIsNotCopied) {
  constexpr Ipv4Address kOwn{192, 0, 2, 10};
  constexpr Ipv4Address kPeer{192, 0, 2, 20};
  const MacAddress own_mac = *MacAddress::parse("02:00:00:00:00:01");
  const MacAddress peer_mac = *MacAddress::parse("02:00:00:00:00:02");
  Stack stack;
  stack.host().add_interface({"eth0", own_mac, 1500});
  stack.host().add_address(at(0), 0, Ipv4Cidr(kOwn, 24));
  // The peer asks for our address; its request teaches us its MAC (RFC 826).
  std::vector<std::uint8_t> request(EthernetHeader::header_len() + ArpPacket::buffer_len());
  EthernetHeader{MacAddress::broadcast(), peer_mac, ethertype::kArp}.emit(request);
  ArpPacket{ArpOp::Request, peer_mac, kPeer, MacAddress(), kOwn}.emit(
      MutBytes(request).subspan(EthernetHeader::header_len()));
  stack.receive(at(0), 0, request);
  auto take_syns = [&](Instant when) {
    std::vector<Sent> syns;
    while (auto tx = stack.pop_transmit()) {
      auto s = tcp_in(when, tx->frame->bytes());
      if (s && s->flags.syn()) syns.push_back(*s);
    }
    return syns;
  };
  ASSERT_TRUE(take_syns(at(0)).empty());  // the announcement and our ARP reply

  const SocketId c = *stack.socket(SocketType::Stream);
  ASSERT_EQ(stack.connect(at(0), c, {kPeer, kPort}).error(), SockError::InProgress);
  const tcp::Connection& conn = *stack.tcp().connection(c);
  ASSERT_EQ(stack.host().pending_transmit(), 1u) << "the SYN, waiting for the driver";

  stack.poll(at(1000));  // the first timeout, the SYN still in the queue
  EXPECT_EQ(conn.stats().retransmits_held_queued, 1u);
  EXPECT_EQ(conn.stats().retransmitted_segments, 0u);
  EXPECT_EQ(conn.timers().deadline(TimerKind::kRetransmit), at(3000));
  EXPECT_EQ(take_syns(at(1000)).size(), 1u);

  stack.poll(at(3000));  // the SYN has left: this timeout resends it
  EXPECT_EQ(take_syns(at(3000)).size(), 1u);
  EXPECT_EQ(conn.stats().retransmits_held_queued, 1u);
  EXPECT_EQ(conn.stats().retransmitted_segments, 1u);
  EXPECT_EQ(conn.timers().deadline(TimerKind::kRetransmit), at(7000)) << "3 s + RTO 4 s";
}

}  // namespace
}  // namespace ws
