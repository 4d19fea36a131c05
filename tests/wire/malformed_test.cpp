// Specific rejections: each malformed input yields its own WireError.
#include <gtest/gtest.h>

#include <vector>

#include "base/checksum.hpp"
#include "fixtures/linux_frames.hpp"
#include "wire/arp.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace ws {
namespace {

using Frame = std::vector<std::uint8_t>;
const Ipv4Address kA(192, 0, 2, 1);
const Ipv4Address kB(192, 0, 2, 2);

Frame l3_of(Bytes frame) { return {frame.begin() + 14, frame.end()}; }

void fix_ip_checksum(Frame& ip) {
  store_be16(ip.data() + 10, 0);
  store_be16(ip.data() + 10, internet_checksum(Bytes(ip.data(), std::size_t{ip[0] & 0x0fu} * 4)));
}

template <class R>
WireError error_of(const R& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? WireError::Fragmented : r.error();
}

TEST(Ipv4Malformed, EachFieldHasItsError) {
  Frame ip = l3_of(fixtures::kTcpSyn);
  ASSERT_TRUE(Ipv4Header::parse(ip).ok());

  Frame v6 = ip;
  v6[0] = 0x65;
  EXPECT_EQ(error_of(Ipv4Header::parse(v6)), WireError::BadVersion);

  Frame short_ihl = ip;
  short_ihl[0] = 0x44;
  EXPECT_EQ(error_of(Ipv4Header::parse(short_ihl)), WireError::BadHeaderLength);

  Frame long_ihl = ip;
  long_ihl[0] = 0x4f;  // a 60-byte header, but total length says 40
  store_be16(long_ihl.data() + 2, 40);
  EXPECT_EQ(error_of(Ipv4Header::parse(long_ihl)), WireError::BadTotalLength);

  Frame total_small = ip;
  store_be16(total_small.data() + 2, 19);
  EXPECT_EQ(error_of(Ipv4Header::parse(total_small)), WireError::BadTotalLength);

  Frame total_big = ip;
  store_be16(total_big.data() + 2, static_cast<std::uint16_t>(ip.size() + 1));
  EXPECT_EQ(error_of(Ipv4Header::parse(total_big)), WireError::TruncatedPayload);

  Frame bad_sum = ip;
  bad_sum[8] ^= 1;  // TTL changed, checksum not updated
  EXPECT_EQ(error_of(Ipv4Header::parse(bad_sum)), WireError::BadChecksum);
  EXPECT_TRUE(Ipv4Header::parse(bad_sum, /*verify_checksum=*/false).ok());

  // Incremental update (RFC 1624) repairs it exactly like a recomputation.
  Frame adjusted = bad_sum;
  store_be16(adjusted.data() + 10,
             checksum_adjust(load_be16(ip.data() + 10), load_be16(ip.data() + 8), load_be16(bad_sum.data() + 8)));
  EXPECT_TRUE(Ipv4Header::parse(adjusted).ok());
}

TEST(Ipv4Malformed, PaddingBeyondTotalLengthIsIgnored) {
  Frame ip = l3_of(fixtures::kUdpDatagram);
  ip.resize(46, 0);  // Ethernet minimum-frame padding
  auto h = Ipv4Header::parse(ip);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->payload_len, 14);
  EXPECT_EQ(Ipv4View::check(ip)->payload().size(), 14u);
}

TEST(Ipv4Malformed, OptionsAreHonouredForLength) {
  Frame ip = l3_of(fixtures::kUdpDatagram);
  Frame with_opts(ip.begin(), ip.begin() + 20);
  with_opts.insert(with_opts.end(), {0x01, 0x01, 0x01, 0x00});  // NOP NOP NOP EOL
  with_opts.insert(with_opts.end(), ip.begin() + 20, ip.end());
  with_opts[0] = 0x46;
  store_be16(with_opts.data() + 2, static_cast<std::uint16_t>(with_opts.size()));
  fix_ip_checksum(with_opts);
  auto h = Ipv4Header::parse(with_opts);
  ASSERT_TRUE(h.ok()) << to_string(h.error());
  EXPECT_EQ(h->header_len(), 24u);
  EXPECT_EQ(h->payload_len, 14);
  auto u = UdpDatagram::parse(Ipv4View::check(with_opts)->payload(), h->src, h->dst);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->dst_port, 9000);
}

Frame tcp_of(Bytes frame) {
  Frame ip = l3_of(frame);
  return {ip.begin() + 20, ip.end()};
}

// Rewrites the TCP options area of a 40-byte-header segment, keeping the checksum valid.
Frame syn_with_options(std::initializer_list<std::uint8_t> opts) {
  Frame t = tcp_of(fixtures::kTcpSyn);
  Frame o(opts);
  o.resize(20, 0);
  std::copy(o.begin(), o.end(), t.begin() + 20);
  store_be16(t.data() + 16, 0);
  ChecksumAccumulator acc;
  add_pseudo_header(acc, kA, kB, ipproto::kTcp, static_cast<std::uint16_t>(t.size()));
  acc.add(t);
  store_be16(t.data() + 16, acc.finish());
  return t;
}

TEST(TcpMalformed, DataOffset) {
  Frame t = tcp_of(fixtures::kTcpSyn);
  Frame small = t;
  small[12] = 0x40;  // 16 bytes
  EXPECT_EQ(error_of(TcpSegment::parse(small, kA, kB, false)), WireError::BadDataOffset);
  Frame beyond = t;
  beyond.resize(36);  // header says 40
  EXPECT_EQ(error_of(TcpSegment::parse(beyond, kA, kB, false)), WireError::BadDataOffset);
  EXPECT_EQ(error_of(TcpSegment::parse(Bytes(t.data(), 19), kA, kB, false)), WireError::TruncatedHeader);
}

TEST(TcpMalformed, OptionLengths) {
  EXPECT_TRUE(TcpSegment::parse(syn_with_options({2, 4, 5, 0xb4}), kA, kB).ok());
  // Length byte missing at the end of the option space.
  Frame t = syn_with_options({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2});
  EXPECT_EQ(error_of(TcpSegment::parse(t, kA, kB)), WireError::BadOptionLength);
  // Length below 2, and an option that overruns the header.
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({30, 1}), kA, kB)), WireError::BadOptionLength);
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({30, 0}), kA, kB)), WireError::BadOptionLength);
  Frame overrun = syn_with_options({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 30, 8});
  EXPECT_EQ(error_of(TcpSegment::parse(overrun, kA, kB)), WireError::BadOptionLength);
  // Known options with the wrong size.
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({2, 3, 5}), kA, kB)), WireError::BadOptionLength);
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({3, 4, 7, 0}), kA, kB)), WireError::BadOptionLength);
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({4, 3, 0}), kA, kB)), WireError::BadOptionLength);
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({8, 8, 0, 0, 0, 0, 0, 0}), kA, kB)),
            WireError::BadOptionLength);
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({5, 6, 0, 0, 0, 1}), kA, kB)),
            WireError::BadOptionLength);
  EXPECT_EQ(error_of(TcpSegment::parse(syn_with_options({5, 2}), kA, kB)), WireError::BadOptionLength);
}

TEST(TcpMalformed, UnknownOptionsAreSkippedAndEolEndsTheList) {
  auto t = TcpSegment::parse(syn_with_options({30, 4, 0xaa, 0xbb, 2, 4, 0x04, 0x00, 0, 3, 3, 9}), kA, kB);
  ASSERT_TRUE(t.ok()) << to_string(t.error());
  EXPECT_EQ(t->options.mss, 1024);
  EXPECT_FALSE(t->options.window_scale.has_value()) << "options after EOL are padding";
}

TEST(TcpMalformed, SackBlocksParse) {
  auto t = TcpSegment::parse(syn_with_options({1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40}), kA, kB);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->options.sack_count, 2);
  EXPECT_EQ(t->options.sack_blocks[0], (SackBlock{SeqNum(10), SeqNum(20)}));
  EXPECT_EQ(t->options.sack_blocks[1], (SackBlock{SeqNum(30), SeqNum(40)}));
}

TEST(TcpMalformed, ImpossibleFlagsAndChecksum) {
  Frame t = tcp_of(fixtures::kTcpSyn);
  Frame syn_rst = t;
  syn_rst[13] = TcpFlags::kSyn | TcpFlags::kRst;
  EXPECT_EQ(error_of(TcpSegment::parse(syn_rst, kA, kB, false)), WireError::BadFlags);
  Frame syn_fin = t;
  syn_fin[13] = TcpFlags::kSyn | TcpFlags::kFin;
  EXPECT_EQ(error_of(TcpSegment::parse(syn_fin, kA, kB, false)), WireError::BadFlags);
  Frame corrupt = t;
  corrupt[25] ^= 0x40;
  EXPECT_EQ(error_of(TcpSegment::parse(corrupt, kA, kB)), WireError::BadChecksum);
  // The pseudo-header is covered: another destination address fails too.
  EXPECT_EQ(error_of(TcpSegment::parse(t, kA, Ipv4Address(192, 0, 2, 3))), WireError::BadChecksum);
}

TEST(TcpFlagsText, TcpdumpNotation) {
  EXPECT_EQ((TcpFlags{TcpFlags::kSyn}).to_string(), "S");
  EXPECT_EQ((TcpFlags{TcpFlags::kSyn | TcpFlags::kAck}).to_string(), "S.");
  EXPECT_EQ((TcpFlags{TcpFlags::kFin | TcpFlags::kPsh | TcpFlags::kAck}).to_string(), "FP.");
  EXPECT_EQ((TcpFlags{TcpFlags::kEce | TcpFlags::kCwr | TcpFlags::kUrg}).to_string(), "UEW");
}

TEST(UdpMalformed, LengthAndChecksum) {
  Frame u = l3_of(fixtures::kUdpDatagram);
  u.erase(u.begin(), u.begin() + 20);
  ASSERT_TRUE(UdpDatagram::parse(u, kA, kB).ok());
  Frame short_len = u;
  store_be16(short_len.data() + 4, 7);
  EXPECT_EQ(error_of(UdpDatagram::parse(short_len, kA, kB, false)), WireError::BadLength);
  Frame long_len = u;
  store_be16(long_len.data() + 4, 15);
  EXPECT_EQ(error_of(UdpDatagram::parse(long_len, kA, kB, false)), WireError::TruncatedPayload);
  Frame bad = u;
  bad[9] ^= 0x01;
  EXPECT_EQ(error_of(UdpDatagram::parse(bad, kA, kB)), WireError::BadChecksum);
  Frame none = bad;
  store_be16(none.data() + 6, 0);  // RFC 768: zero means "no checksum"
  EXPECT_TRUE(UdpDatagram::parse(none, kA, kB).ok());
}

TEST(UdpMalformed, ComputedZeroChecksumIsSentAsAllOnes) {
  // Choose the payload's last word so that the one's-complement sum is 0xffff.
  std::uint8_t payload[4] = {0x12, 0x34, 0, 0};
  UdpDatagram d{1000, 2000, payload};
  Frame out(d.buffer_len());
  d.emit(out, kA, kB);
  const std::uint16_t sum = load_be16(out.data() + 6);  // checksum with last word 0
  store_be16(payload + 2, sum);  // adding ~sum' makes the total fold to 0xffff
  d.emit(out, kA, kB);
  EXPECT_EQ(load_be16(out.data() + 6), 0xffff);
  auto back = UdpDatagram::parse(out, kA, kB);
  ASSERT_TRUE(back.ok());
}

TEST(ArpMalformed, HardwareAndOperation) {
  Frame a = l3_of(fixtures::kArpRequest);
  ASSERT_TRUE(ArpPacket::parse(a).ok());
  Frame hw = a;
  hw[1] = 6;  // IEEE 802
  EXPECT_EQ(error_of(ArpPacket::parse(hw)), WireError::UnsupportedHardware);
  Frame plen = a;
  plen[5] = 16;
  EXPECT_EQ(error_of(ArpPacket::parse(plen)), WireError::UnsupportedHardware);
  Frame op = a;
  op[7] = 3;  // RARP request
  EXPECT_EQ(error_of(ArpPacket::parse(op)), WireError::BadOperation);
}

TEST(IcmpMalformed, TypeChecksumAndQuote) {
  Frame m = l3_of(fixtures::kIcmpEchoRequest);
  m.erase(m.begin(), m.begin() + 20);
  ASSERT_TRUE(IcmpMessage::parse(m).ok());
  auto refix = [](Frame f) {
    store_be16(f.data() + 2, 0);
    store_be16(f.data() + 2, internet_checksum(f));
    return f;
  };
  Frame ts = m;
  ts[0] = 13;  // timestamp request
  EXPECT_EQ(error_of(IcmpMessage::parse(refix(ts))), WireError::UnsupportedType);
  Frame bad = m;
  bad[20] ^= 0xff;
  EXPECT_EQ(error_of(IcmpMessage::parse(bad)), WireError::BadChecksum);
  EXPECT_EQ(error_of(IcmpMessage::parse(Bytes(m.data(), 7))), WireError::TruncatedHeader);

  Frame unreach = l3_of(fixtures::kIcmpPortUnreachable);
  unreach.erase(unreach.begin(), unreach.begin() + 20);
  Frame garbage_quote = unreach;
  garbage_quote[8] = 0x60;  // quoted "IPv6" header
  EXPECT_EQ(error_of(IcmpMessage::parse(refix(garbage_quote))), WireError::BadVersion);
  Frame short_quote(unreach.begin(), unreach.begin() + 8 + 12);
  EXPECT_EQ(error_of(IcmpMessage::parse(refix(short_quote))), WireError::TruncatedHeader);
}

TEST(IcmpMessage, FragNeededCarriesNextHopMtu) {
  const Frame quoted = l3_of(fixtures::kUdpDatagram);
  const IcmpMessage m = IcmpMessage::dest_unreachable(icmp_unreach::kFragNeeded, quoted, 1400);
  Frame out(m.buffer_len());
  m.emit(out);
  EXPECT_EQ(load_be16(out.data() + 6), 1400);
  auto back = IcmpMessage::parse(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->next_hop_mtu, 1400);
  EXPECT_EQ(back->quoted()->header.dst, kB);
  EXPECT_EQ(icmp_quote_len(Frame(2000)), 548u);
  EXPECT_EQ(icmp_quote_len(quoted), quoted.size());
}

}  // namespace
}  // namespace ws
