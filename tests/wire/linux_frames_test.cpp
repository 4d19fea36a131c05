// Round trips on real frames from the Linux kernel (tests/fixtures): every
// decoded field is asserted, and emit() of the decoded values reproduces
// the captured bytes exactly, checksums included.
#include <gtest/gtest.h>

#include <vector>

#include "fixtures/linux_frames.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace ws {
namespace {

const MacAddress kMacA = *MacAddress::parse("02:00:00:00:00:01");
const MacAddress kMacB = *MacAddress::parse("02:00:00:00:00:02");
const Ipv4Address kIpA(192, 0, 2, 1);
const Ipv4Address kIpB(192, 0, 2, 2);

using Frame = std::vector<std::uint8_t>;

// A frame decoded down to its IPv4 payload.
struct Decoded {
  EthernetHeader eth;
  Ipv4Header ip;
  Bytes l4;
};

Decoded decode_ip(Bytes frame) {
  auto eth = EthernetHeader::parse(frame);
  EXPECT_TRUE(eth.ok());
  auto ip = Ipv4Header::parse(frame.subspan(14));
  EXPECT_TRUE(ip.ok()) << to_string(ip.error());
  auto view = Ipv4View::check(frame.subspan(14));
  return {*eth, *ip, view->payload()};
}

// Emits Ethernet + IPv4 + an L4 writer's bytes into one frame.
template <class EmitL4>
Frame emit_ip(const Decoded& d, std::size_t l4_len, EmitL4 emit_l4) {
  Frame out(14 + d.ip.header_len() + l4_len);
  d.eth.emit(out);
  d.ip.emit(MutBytes(out).subspan(14, d.ip.header_len()));
  emit_l4(MutBytes(out).subspan(14 + d.ip.header_len()));
  return out;
}

Frame bytes_of(Bytes b) { return {b.begin(), b.end()}; }

TEST(LinuxFrames, ArpRequest) {
  auto eth = EthernetHeader::parse(fixtures::kArpRequest);
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->dst, MacAddress::broadcast());
  EXPECT_EQ(eth->src, kMacA);
  EXPECT_EQ(eth->ethertype, ethertype::kArp);
  auto arp = ArpPacket::parse(Bytes(fixtures::kArpRequest).subspan(14));
  ASSERT_TRUE(arp.ok());
  EXPECT_EQ(arp->op, ArpOp::Request);
  EXPECT_EQ(arp->sender_mac, kMacA);
  EXPECT_EQ(arp->sender_ip, kIpA);
  EXPECT_EQ(arp->target_mac, MacAddress());
  EXPECT_EQ(arp->target_ip, kIpB);

  Frame out(42);
  eth->emit(out);
  arp->emit(MutBytes(out).subspan(14));
  EXPECT_EQ(out, bytes_of(fixtures::kArpRequest));
}

TEST(LinuxFrames, ArpReply) {
  auto arp = ArpPacket::parse(Bytes(fixtures::kArpReply).subspan(14));
  ASSERT_TRUE(arp.ok());
  EXPECT_EQ(arp->op, ArpOp::Reply);
  EXPECT_EQ(arp->sender_mac, kMacB);
  EXPECT_EQ(arp->sender_ip, kIpB);
  EXPECT_EQ(arp->target_mac, kMacA);
  EXPECT_EQ(arp->target_ip, kIpA);
  Frame out(42);
  EthernetHeader{kMacA, kMacB, ethertype::kArp}.emit(out);
  arp->emit(MutBytes(out).subspan(14));
  EXPECT_EQ(out, bytes_of(fixtures::kArpReply));
}

TEST(LinuxFrames, IcmpEchoRequestAndReply) {
  const Decoded d = decode_ip(fixtures::kIcmpEchoRequest);
  EXPECT_EQ(d.eth.src, kMacA);
  EXPECT_EQ(d.eth.dst, kMacB);
  EXPECT_EQ(d.ip.ident, 0x4944);
  EXPECT_TRUE(d.ip.dont_frag);
  EXPECT_FALSE(d.ip.more_frags);
  EXPECT_EQ(d.ip.frag_offset, 0);
  EXPECT_EQ(d.ip.ttl, 64);
  EXPECT_EQ(d.ip.protocol, ipproto::kIcmp);
  EXPECT_EQ(d.ip.src, kIpA);
  EXPECT_EQ(d.ip.dst, kIpB);
  EXPECT_EQ(d.ip.payload_len, 64);
  auto m = IcmpMessage::parse(d.l4);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, IcmpType::EchoRequest);
  EXPECT_EQ(m->ident, 0x0dee);
  EXPECT_EQ(m->seq, 1);
  ASSERT_EQ(m->body.size(), 56u);
  EXPECT_EQ(m->body[16], 0x10);
  EXPECT_EQ(m->body[55], 0x37);
  EXPECT_EQ(emit_ip(d, m->buffer_len(), [&](MutBytes o) { m->emit(o); }),
            bytes_of(fixtures::kIcmpEchoRequest));

  const Decoded r = decode_ip(fixtures::kIcmpEchoReply);
  EXPECT_FALSE(r.ip.dont_frag);
  auto reply = IcmpMessage::parse(r.l4);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->type, IcmpType::EchoReply);
  EXPECT_EQ(reply->ident, m->ident);
  EXPECT_EQ(reply->seq, m->seq);
  EXPECT_TRUE(std::equal(reply->body.begin(), reply->body.end(), m->body.begin(), m->body.end()));
  EXPECT_EQ(emit_ip(r, reply->buffer_len(), [&](MutBytes o) { reply->emit(o); }),
            bytes_of(fixtures::kIcmpEchoReply));
}

TEST(LinuxFrames, UdpDatagram) {
  const Decoded d = decode_ip(fixtures::kUdpDatagram);
  EXPECT_EQ(d.ip.ident, 0x377f);
  EXPECT_EQ(d.ip.protocol, ipproto::kUdp);
  auto view = UdpView::check(d.l4);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->checksum(), 0x60c4);
  EXPECT_EQ(view->length(), 14);
  auto u = UdpDatagram::parse(d.l4, d.ip.src, d.ip.dst);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->src_port, 46085);
  EXPECT_EQ(u->dst_port, 9000);
  EXPECT_EQ(std::string(u->payload.begin(), u->payload.end()), "hello\n");
  EXPECT_EQ(emit_ip(d, u->buffer_len(), [&](MutBytes o) { u->emit(o, d.ip.src, d.ip.dst); }),
            bytes_of(fixtures::kUdpDatagram));
}

TEST(LinuxFrames, TcpSynWithLinuxOptions) {
  const Decoded d = decode_ip(fixtures::kTcpSyn);
  EXPECT_EQ(d.ip.ident, 0x2d4a);
  EXPECT_EQ(d.ip.protocol, ipproto::kTcp);
  auto view = TcpView::check(d.l4);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->header_len(), 40u);
  EXPECT_EQ(view->checksum(), 0xcdf0);
  auto t = TcpSegment::parse(d.l4, d.ip.src, d.ip.dst);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->src_port, 40232);
  EXPECT_EQ(t->dst_port, 8000);
  EXPECT_EQ(t->seq, SeqNum(3764964416u));
  EXPECT_FALSE(t->ack.has_value());
  EXPECT_EQ(t->flags.bits, TcpFlags::kSyn);
  EXPECT_EQ(t->window, 64240);
  EXPECT_EQ(t->urgent_ptr, 0);
  EXPECT_EQ(t->options.mss, 1460);
  EXPECT_TRUE(t->options.sack_permitted);
  ASSERT_TRUE(t->options.timestamps.has_value());
  EXPECT_EQ(t->options.timestamps->tsval, 474903991u);
  EXPECT_EQ(t->options.timestamps->tsecr, 0u);
  EXPECT_EQ(t->options.window_scale, 10);
  EXPECT_EQ(t->options.sack_count, 0);
  EXPECT_TRUE(t->payload.empty());
  EXPECT_EQ(t->seq_len(), 1u);
  EXPECT_EQ(t->header_len(), 40u);
  EXPECT_EQ(emit_ip(d, t->buffer_len(), [&](MutBytes o) { t->emit(o, d.ip.src, d.ip.dst); }),
            bytes_of(fixtures::kTcpSyn));
}

TEST(LinuxFrames, TcpSynAck) {
  const Decoded d = decode_ip(fixtures::kTcpSynAck);
  EXPECT_EQ(d.ip.ident, 0);
  auto t = TcpSegment::parse(d.l4, d.ip.src, d.ip.dst);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->src_port, 8000);
  EXPECT_EQ(t->dst_port, 40232);
  EXPECT_EQ(t->seq, SeqNum(1929207880u));
  ASSERT_TRUE(t->ack.has_value());
  EXPECT_EQ(*t->ack, SeqNum(3764964417u));
  EXPECT_EQ(t->flags.bits, TcpFlags::kSyn | TcpFlags::kAck);
  EXPECT_EQ(t->window, 65160);
  EXPECT_EQ(t->options.mss, 1460);
  EXPECT_TRUE(t->options.sack_permitted);
  EXPECT_EQ(t->options.timestamps, (TcpTimestamps{4220635498u, 474903991u}));
  EXPECT_EQ(t->options.window_scale, 10);
  EXPECT_EQ(emit_ip(d, t->buffer_len(), [&](MutBytes o) { t->emit(o, d.ip.src, d.ip.dst); }),
            bytes_of(fixtures::kTcpSynAck));
}

TEST(LinuxFrames, TcpAckAndData) {
  const Decoded a = decode_ip(fixtures::kTcpAck);
  auto ack = TcpSegment::parse(a.l4, a.ip.src, a.ip.dst);
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->flags.bits, TcpFlags::kAck);
  EXPECT_EQ(ack->seq, SeqNum(3764964417u));
  EXPECT_EQ(*ack->ack, SeqNum(1929207881u));
  EXPECT_EQ(ack->window, 63);
  EXPECT_FALSE(ack->options.mss.has_value());
  EXPECT_FALSE(ack->options.window_scale.has_value());
  EXPECT_EQ(ack->options.timestamps, (TcpTimestamps{474903991u, 4220635498u}));
  EXPECT_EQ(ack->header_len(), 32u);
  EXPECT_EQ(emit_ip(a, ack->buffer_len(), [&](MutBytes o) { ack->emit(o, a.ip.src, a.ip.dst); }),
            bytes_of(fixtures::kTcpAck));

  const Decoded d = decode_ip(fixtures::kTcpData);
  auto data = TcpSegment::parse(d.l4, d.ip.src, d.ip.dst);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->flags.bits, TcpFlags::kPsh | TcpFlags::kAck);
  EXPECT_EQ(std::string(data->payload.begin(), data->payload.end()), "hello");
  EXPECT_EQ(data->seq_len(), 5u);
  EXPECT_EQ(data->options.timestamps->tsval, 474904491u);
  EXPECT_EQ(emit_ip(d, data->buffer_len(), [&](MutBytes o) { data->emit(o, d.ip.src, d.ip.dst); }),
            bytes_of(fixtures::kTcpData));
}

TEST(LinuxFrames, IcmpPortUnreachableQuotesTheDatagram) {
  const Decoded d = decode_ip(fixtures::kIcmpPortUnreachable);
  EXPECT_EQ(d.ip.dscp, 0xc0 >> 2);
  EXPECT_EQ(d.ip.ecn, 0);
  EXPECT_EQ(d.ip.src, kIpB);
  auto m = IcmpMessage::parse(d.l4);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, IcmpType::DestUnreachable);
  EXPECT_EQ(m->code, icmp_unreach::kPort);
  EXPECT_TRUE(m->is_error());
  auto q = m->quoted();
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->header.src, kIpA);
  EXPECT_EQ(q->header.dst, kIpB);
  EXPECT_EQ(q->header.protocol, ipproto::kUdp);
  EXPECT_EQ(q->header.ident, 0x37c7);
  EXPECT_EQ(q->header.payload_len, 14);
  ASSERT_EQ(q->data.size(), 14u);
  EXPECT_EQ(load_be16(q->data.data()), 46085);
  EXPECT_EQ(load_be16(q->data.data() + 2), 9999);
  EXPECT_EQ(emit_ip(d, m->buffer_len(), [&](MutBytes o) { m->emit(o); }),
            bytes_of(fixtures::kIcmpPortUnreachable));
}

}  // namespace
}  // namespace ws
