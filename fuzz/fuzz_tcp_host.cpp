// TCP ingress: arbitrary segments fed to a stack with a listener and
// connections in several states (ESTABLISHED, FIN-WAIT-1, CLOSE-WAIT,
// SYN-RECEIVED, one with unacknowledged data). Segments are built with
// valid checksums and sequence numbers chosen relative to each
// connection's own (so they land in and around the windows); the clock
// advances between them so timers fire. After every segment the
// invariants below must hold.
//
// Window scaling (RFC 7323) is on: peers 0 and 2 offer shifts 7 and 14
// in their SYNs, the others none, so scaled and unscaled windows meet.
//
// Record: [peer][flags][seq_off:4][ack_off:4][window:2][len][advance][payload...]
#include <cstring>
#include <vector>

#include "roundtrip.hpp"
#include "socket/stack.hpp"
#include "tcp/tcp_layer.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace {

using namespace ws;

const MacAddress kServerMac({0x02, 0, 0, 0, 0, 0x20});
const MacAddress kPeerMac({0x02, 0, 0, 0, 0, 0x10});
const Ipv4Address kServer(192, 0, 2, 20);
const Ipv4Address kPeer(192, 0, 2, 10);
constexpr std::size_t kMaxConnections = 32;

struct World {
  Stack stack;
  Instant now;
  SocketId listener = 0;
  std::vector<SocketId> accepted;
  std::vector<std::uint8_t> frame;

  World(tcp::CcKind cc, tcp::Pacing pacing) : stack(config()) {
    stack.host().logger().set_level(LogLevel::Off);
    stack.tcp().defaults().window_scale = true;
    stack.tcp().defaults().sack = true;
    stack.tcp().defaults().timestamps = true;
    stack.tcp().defaults().cc = cc;
    stack.tcp().defaults().pacing = pacing;
    stack.host().add_interface({"eth0", kServerMac, 1500});
    stack.host().add_address(now, 0, Ipv4Cidr(kServer, 24));
    // Teach the server the peer's MAC so its replies leave at once.
    std::vector<std::uint8_t> arp(42);
    EthernetHeader{kServerMac, kPeerMac, ethertype::kArp}.emit(arp);
    ArpPacket{ArpOp::Request, kPeerMac, kPeer, MacAddress(), kServer}.emit(MutBytes(arp).subspan(14));
    stack.receive(now, 0, arp);
    listener = *stack.socket(SocketType::Stream);
    (void)stack.bind(listener, {Ipv4Address::any(), 80});
    (void)stack.listen(listener, 8);
    drain();
  }
  static StackConfig config() {
    StackConfig c;
    c.max_connections = kMaxConnections;
    c.default_rcvbuf = 4096;
    c.default_sndbuf = 8192;
    c.host.tx_queue_limit = 64;
    return c;
  }

  // Sends one segment from the peer; returns the server's last reply, if any.
  std::optional<TcpSegment> send(std::uint16_t port, std::uint8_t flags, SeqNum seq, std::optional<SeqNum> ack,
                                 std::uint16_t window, Bytes payload, std::vector<std::uint8_t>& reply_storage,
                                 std::optional<std::uint8_t> wscale = std::nullopt, bool sack_ok = false,
                                 std::optional<TcpTimestamps> ts = std::nullopt,
                                 std::optional<SackBlock> block = std::nullopt) {
    TcpSegment s;
    s.src_port = port;
    s.dst_port = 80;
    s.seq = seq;
    s.ack = ack;
    s.flags.bits = flags;
    if (!ack) s.flags.bits &= static_cast<std::uint8_t>(~TcpFlags::kAck);
    if (s.flags.syn()) s.flags.bits &= static_cast<std::uint8_t>(~(TcpFlags::kRst | TcpFlags::kFin));
    s.window = window;
    if (s.flags.syn()) {
      s.options.mss = 1000;
      s.options.window_scale = wscale;
      s.options.sack_permitted = sack_ok;
    }
    s.options.timestamps = ts;
    if (block && !s.flags.syn()) {
      s.options.sack_blocks[0] = *block;
      s.options.sack_count = 1;
    }
    s.payload = payload;
    Ipv4Header ip;
    ip.protocol = ipproto::kTcp;
    ip.src = kPeer;
    ip.dst = kServer;
    ip.payload_len = static_cast<std::uint16_t>(s.buffer_len());
    frame.assign(14 + 20 + s.buffer_len(), 0);
    EthernetHeader{kServerMac, kPeerMac, ethertype::kIpv4}.emit(frame);
    ip.emit(MutBytes(frame).subspan(14));
    s.emit(MutBytes(frame).subspan(34), kPeer, kServer);
    stack.receive(now, 0, frame);
    return drain(port, &reply_storage);
  }

  // Empties the transmit queue, checking what the server sends; returns
  // the last TCP segment sent to `port`.
  std::optional<TcpSegment> drain(std::uint16_t port = 0, std::vector<std::uint8_t>* storage = nullptr) {
    std::optional<TcpSegment> last;
    while (auto tx = stack.pop_transmit()) {
      const Bytes f = tx->frame->bytes();
      WS_FUZZ_CHECK(f.size() >= 14 && f.size() <= 14 + 1500);
      auto eth = EthernetView::check(f);
      if (!eth || eth->ethertype() != ethertype::kIpv4) continue;
      auto ip = Ipv4Header::parse(eth->payload());
      WS_FUZZ_CHECK(ip.ok());  // everything we send is well-formed
      if (ip->protocol != ipproto::kTcp) continue;
      const Bytes l4 = Ipv4View::check(eth->payload())->payload();
      auto seg = TcpSegment::parse(l4, ip->src, ip->dst);
      WS_FUZZ_CHECK(seg.ok());
      WS_FUZZ_CHECK(seg->payload.size() <= 1000);  // never above the peer's MSS
      if (storage && seg->dst_port == port) {
        storage->assign(l4.begin(), l4.end());
        last = TcpSegment::parse(*storage, ip->src, ip->dst).value();
      }
    }
    return last;
  }

  void check_invariants() {
    const TcpLayer& tcp = stack.tcp();
    WS_FUZZ_CHECK(tcp.connection_count() <= kMaxConnections);
    WS_FUZZ_CHECK(stack.host().pending_transmit() == 0);
    for (SocketId id : accepted) {
      if (!stack.type_of(id)) continue;
      const tcp::Connection* c = tcp.connection(id);
      if (!c) continue;
      WS_FUZZ_CHECK(c->snd_una().before_eq(c->snd_nxt()));
      WS_FUZZ_CHECK(c->readable_bytes() <= 4096);
      WS_FUZZ_CHECK(c->send_space() <= 8192);
      WS_FUZZ_CHECK(c->is_closed() || c->next_deadline() > now || c->next_deadline() == now);
    }
    WS_FUZZ_CHECK(stack.poll_at() >= now || stack.poll_at() == Instant::never());
  }
};

// A peer connection the fuzzer can address: its port and what the peer
// believes the sequence numbers are.
struct Peer {
  std::uint16_t port;
  SeqNum snd;  // the peer's next sequence number
  SeqNum rcv;  // the peer's view of the server's next sequence number
  bool ts = false;          // the peer offered timestamps (RFC 7323)
  bool sack = false;        // the peer offered SACK (RFC 2018)
  std::uint32_t tsval = 1;  // the peer's timestamp clock
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Every congestion controller and pacing mode: the input's first byte
  // picks them.
  const std::uint8_t pick = size > 0 ? data[0] : 0;
  constexpr tcp::CcKind kinds[] = {tcp::CcKind::Reno, tcp::CcKind::Cubic, tcp::CcKind::Bbr};
  constexpr tcp::Pacing pacings[] = {tcp::Pacing::kRateBased, tcp::Pacing::kAll, tcp::Pacing::kOff};
  World w(kinds[pick % 3], pacings[(pick / 3) % 3]);
  std::vector<std::uint8_t> reply;
  std::vector<Peer> peers;
  // Four established connections, offering SACK and timestamps in every
  // combination...
  for (std::uint16_t i = 0; i < 4; ++i) {
    Peer p{static_cast<std::uint16_t>(40000 + i), SeqNum(0xfffffff0u - 1000u * i), SeqNum(0)};
    p.sack = i == 0 || i == 1;
    p.ts = i == 0 || i == 2;
    const std::optional<std::uint8_t> shift =
        i == 0 ? std::optional<std::uint8_t>(7) : i == 2 ? std::optional<std::uint8_t>(14) : std::nullopt;
    const auto ts = p.ts ? std::optional(TcpTimestamps{p.tsval, 0}) : std::nullopt;
    auto synack = w.send(p.port, TcpFlags::kSyn, p.snd, std::nullopt, 8192, {}, reply, shift, p.sack, ts);
    WS_FUZZ_CHECK(synack && synack->ack);  // the setup is deterministic: it must work
    WS_FUZZ_CHECK(synack->options.window_scale.has_value() == shift.has_value());  // answered only to an offer
    WS_FUZZ_CHECK(synack->options.sack_permitted == p.sack);
    WS_FUZZ_CHECK(synack->options.timestamps.has_value() == p.ts);
    p.snd = p.snd + 1;
    p.rcv = synack->seq + 1;
    const auto echo = p.ts ? std::optional(TcpTimestamps{++p.tsval, synack->options.timestamps->tsval}) : std::nullopt;
    (void)w.send(p.port, TcpFlags::kAck, p.snd, p.rcv, 8192, {}, reply, std::nullopt, false, echo);
    peers.push_back(p);
  }
  while (auto a = w.stack.accept(w.listener)) w.accepted.push_back(a->socket);
  WS_FUZZ_CHECK(w.accepted.size() == 4);
  {  // ...put into different states: FIN-WAIT-1, CLOSE-WAIT, unacknowledged data.
    (void)w.stack.shutdown(w.now, w.accepted[1], ShutdownHow::Write);
    const std::uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
    (void)w.stack.send_to(w.now, w.accepted[3], hello);
    w.drain();
    (void)w.send(peers[2].port, TcpFlags::kFin | TcpFlags::kAck, peers[2].snd, peers[2].rcv, 8192, {}, reply);
    peers[2].snd = peers[2].snd + 1;
  }
  // A half-open SYN-RECEIVED child, and a port nobody listens on.
  (void)w.send(40100, TcpFlags::kSyn, SeqNum(777), std::nullopt, 8192, {}, reply);
  peers.push_back(Peer{40100, SeqNum(778), reply.empty() ? SeqNum(0) : SeqNum(load_be32(reply.data() + 4) + 1)});
  peers.push_back(Peer{40200, SeqNum(5), SeqNum(9)});
  WS_FUZZ_CHECK(w.stack.tcp().connection(w.accepted[1])->state() == tcp::State::FinWait1);
  WS_FUZZ_CHECK(w.stack.tcp().connection(w.accepted[2])->state() == tcp::State::CloseWait);
  WS_FUZZ_CHECK(w.stack.tcp().connection_count() == 5);
  w.check_invariants();

  std::size_t pos = 0;
  while (pos + 14 <= size) {
    const std::uint8_t* r = data + pos;
    Peer& p = peers[r[0] % peers.size()];
    const std::uint8_t flags = r[1];
    const auto seq_off = static_cast<std::int32_t>(load_be32(r + 2));
    const auto ack_off = static_cast<std::int32_t>(load_be32(r + 6));
    const std::uint16_t window = load_be16(r + 10);
    const std::size_t len = std::min<std::size_t>(r[12], size - pos - 14);
    const std::uint8_t advance = r[13];
    pos += 14;
    const Bytes payload(data + pos, len);
    pos += len;
    // Small offsets most of the time: in and around the windows.
    const SeqNum seq = p.snd + static_cast<std::uint32_t>((seq_off & 0x100000) != 0 ? seq_off : seq_off % 5000);
    const SeqNum ack = p.rcv + static_cast<std::uint32_t>((ack_off & 0x100000) != 0 ? ack_off : ack_off % 5000);
    const bool with_ack = (flags & TcpFlags::kAck) != 0;
    // Timestamps mostly moving forward, sometimes back (PAWS); a SACK
    // block near the server's window when URG is set.
    std::optional<TcpTimestamps> ts;
    if (p.ts) {
      p.tsval = (advance & 0x80) != 0 ? p.tsval - (advance & 0x7f) : p.tsval + advance;
      ts = TcpTimestamps{p.tsval, load_be32(r + 2) ^ load_be32(r + 6)};
    }
    std::optional<SackBlock> block;
    if ((flags & TcpFlags::kUrg) != 0) {
      const SeqNum left = p.rcv + static_cast<std::uint32_t>(ack_off % 3000);
      block = SackBlock{left, left + static_cast<std::uint32_t>(window % 3000)};
    }
    auto out = w.send(p.port, flags, seq, with_ack ? std::optional(ack) : std::nullopt, window, payload, reply,
                      std::nullopt, false, ts, block);
    if (out && out->ack) p.rcv = out->seq;  // follow the server
    if (seq == p.snd && !payload.empty()) p.snd = p.snd + static_cast<std::uint32_t>(len);
    w.now += Duration::millis(advance) * (advance > 200 ? 500 : 1);
    w.stack.poll(w.now);
    w.drain();
    // The application side reads, writes and sometimes closes.
    for (SocketId id : w.accepted) {
      if (!w.stack.type_of(id)) continue;
      std::uint8_t buf[512];
      (void)w.stack.recv_from(w.now, id, buf);
      if ((flags & 0x40) != 0) (void)w.stack.send_to(w.now, id, payload);
      if ((flags & 0xc0) == 0xc0 && advance % 7 == 0) (void)w.stack.close(w.now, id);
    }
    while (auto a = w.stack.accept(w.listener)) w.accepted.push_back(a->socket);
    w.drain();
    w.check_invariants();
  }
  w.stack.poll(w.now + Duration::seconds(600));
  w.drain();
  w.check_invariants();
  return 0;
}
