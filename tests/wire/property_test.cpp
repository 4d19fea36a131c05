// Properties over many random values (fixed seeds, so failures replay):
// emit -> parse returns the same value; every truncation is rejected.
#include <gtest/gtest.h>

#include "generators.hpp"
#include "wire/describe.hpp"

namespace ws {
namespace {

using testing::Frame;
using testing::Storage;

constexpr int kIterations = 2000;

TEST(WireProperty, ArpRoundTrip) {
  Rng r(1);
  for (int i = 0; i < kIterations; ++i) {
    const ArpPacket a = testing::random_arp(r);
    Frame out(ArpPacket::buffer_len());
    a.emit(out);
    auto back = ArpPacket::parse(out);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, a);
  }
}

TEST(WireProperty, EthernetRoundTrip) {
  Rng r(2);
  for (int i = 0; i < kIterations; ++i) {
    const EthernetHeader h{testing::random_mac(r), testing::random_mac(r), static_cast<std::uint16_t>(r.next_u32())};
    Frame out(14);
    h.emit(out);
    auto back = EthernetHeader::parse(out);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, h);
  }
}

TEST(WireProperty, Ipv4RoundTripWithOptionsAndFragments) {
  Rng r(3);
  for (int i = 0; i < kIterations; ++i) {
    Storage s;
    Ipv4Header h = testing::random_ipv4(r, s, static_cast<std::uint8_t>(r.next_u32()), r.below(2000));
    h.more_frags = r.chance(0.3);
    h.frag_offset = static_cast<std::uint16_t>(8 * r.below(8192));
    Frame out(h.total_len());
    h.emit(out);
    auto back = Ipv4Header::parse(out);
    ASSERT_TRUE(back.ok()) << to_string(back.error());
    EXPECT_EQ(*back, h);
    EXPECT_EQ(back->is_fragment(), h.more_frags || h.frag_offset != 0);
  }
}

TEST(WireProperty, IcmpRoundTrip) {
  Rng r(4);
  for (int i = 0; i < kIterations; ++i) {
    Storage s;
    const IcmpMessage m = testing::random_icmp(r, s);
    Frame out(m.buffer_len());
    m.emit(out);
    auto back = IcmpMessage::parse(out);
    ASSERT_TRUE(back.ok()) << to_string(back.error());
    EXPECT_EQ(*back, m);
  }
}

TEST(WireProperty, UdpRoundTrip) {
  Rng r(5);
  for (int i = 0; i < kIterations; ++i) {
    Storage s;
    const UdpDatagram u = testing::random_udp(r, s);
    const Ipv4Address src = testing::random_ip(r), dst = testing::random_ip(r);
    Frame out(u.buffer_len());
    u.emit(out, src, dst);
    EXPECT_NE(load_be16(out.data() + 6), 0) << "a computed checksum is never sent as zero";
    auto back = UdpDatagram::parse(out, src, dst);
    ASSERT_TRUE(back.ok()) << to_string(back.error());
    EXPECT_EQ(*back, u);
  }
}

TEST(WireProperty, TcpRoundTrip) {
  Rng r(6);
  for (int i = 0; i < kIterations; ++i) {
    Storage s;
    const TcpSegment t = testing::random_tcp(r, s);
    ASSERT_LE(t.options.encoded_len(), TcpOptions::kMaxLen);
    const Ipv4Address src = testing::random_ip(r), dst = testing::random_ip(r);
    Frame out(t.buffer_len());
    t.emit(out, src, dst);
    auto back = TcpSegment::parse(out, src, dst);
    ASSERT_TRUE(back.ok()) << to_string(back.error());
    EXPECT_EQ(*back, t);
  }
}

// Checksum offload's partial checksum (ChecksumMode::kPartial): the field
// holds the pseudo-header's sum only, so the segment does not verify as it
// is; completing it gives exactly the bytes of a full emit.
TEST(WireProperty, PartialChecksumsCompleteToTheFullOnes) {
  Rng r(61);
  int unverified_tcp = 0, unverified_udp = 0;
  for (int i = 0; i < kIterations; ++i) {
    Storage s;
    const TcpSegment t = testing::random_tcp(r, s);
    const Ipv4Address src = testing::random_ip(r), dst = testing::random_ip(r);
    Frame full(t.buffer_len()), partial(t.buffer_len());
    t.emit(full, src, dst);
    t.emit(partial, src, dst, ChecksumMode::kPartial);
    if (!TcpSegment::parse(partial, src, dst).ok()) ++unverified_tcp;
    auto lenient = TcpSegment::parse(partial, src, dst, /*verify_checksum=*/false);
    ASSERT_TRUE(lenient.ok());
    EXPECT_EQ(*lenient, t) << "only the checksum differs";
    complete_partial_checksum(partial, 16);
    ASSERT_TRUE(std::equal(full.begin(), full.end(), partial.begin())) << i;

    const UdpDatagram u = testing::random_udp(r, s);
    Frame ufull(u.buffer_len()), upartial(u.buffer_len());
    u.emit(ufull, src, dst);
    u.emit(upartial, src, dst, ChecksumMode::kPartial);
    if (!UdpDatagram::parse(upartial, src, dst).ok()) ++unverified_udp;
    complete_partial_checksum(upartial, 6);
    if (load_be16(upartial.data() + 6) == 0) store_be16(upartial.data() + 6, 0xffff);  // RFC 768
    ASSERT_TRUE(std::equal(ufull.begin(), ufull.end(), upartial.begin())) << i;
  }
  EXPECT_GT(unverified_tcp, kIterations * 9 / 10) << "a partial checksum is not a valid one";
  EXPECT_GT(unverified_udp, kIterations * 9 / 10);
}

// emit copies the payload (and sums it as it copies): a payload already in
// place, or lying where the header goes, gives the same bytes as one from
// separate storage.
TEST(WireProperty, TcpAndUdpEmitWithPayloadInsideTheOutputBuffer) {
  Rng r(8);
  for (int i = 0; i < kIterations; ++i) {
    Storage s;
    const Ipv4Address src = testing::random_ip(r), dst = testing::random_ip(r);
    const bool tcp = r.chance(0.5);
    TcpSegment t = testing::random_tcp(r, s);
    UdpDatagram u = testing::random_udp(r, s);
    const Bytes payload = tcp ? t.payload : u.payload;
    const std::size_t len = tcp ? t.buffer_len() : u.buffer_len();
    const std::size_t hlen = len - payload.size();
    Frame want(len);
    if (tcp) {
      t.emit(want, src, dst);
    } else {
      u.emit(want, src, dst);
    }
    // The payload placed at `at` in the output buffer, then emitted there.
    const std::size_t at = r.chance(0.5) ? hlen : r.below(hlen + 1);
    Frame out(len);
    r.fill(out);
    std::copy(payload.begin(), payload.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
    const Bytes inside(out.data() + at, payload.size());
    if (tcp) {
      t.payload = inside;
      t.emit(out, src, dst);
    } else {
      u.payload = inside;
      u.emit(out, src, dst);
    }
    ASSERT_EQ(out, want) << (tcp ? "tcp" : "udp") << " payload " << payload.size() << " at " << at
                         << " (header " << hlen << ")";
  }
}

// A valid frame of every kind cut short at every length fails to parse.
TEST(WireProperty, EveryTruncationOfAValidFrameIsRejected) {
  Rng r(7);
  for (int i = 0; i < 200; ++i) {
    const Frame f = testing::random_frame(r, i % 4);
    ASSERT_EQ(testing::parse_all_layers(f), std::nullopt) << describe_frame(f);
    for (std::size_t len = 0; len < f.size(); ++len) {
      const Bytes cut(f.data(), len);
      ASSERT_NE(testing::parse_all_layers(cut), std::nullopt) << "kind " << i % 4 << " len " << len;
      (void)describe_frame(cut, true);  // the describer copes too
    }
  }
}

// Each layer on its own rejects truncations through its length fields.
TEST(WireProperty, LayerTruncationsAreRejectedWithSpecificErrors) {
  Rng r(8);
  for (int i = 0; i < 200; ++i) {
    Storage s;
    const ArpPacket a = testing::random_arp(r);
    Frame arp(28);
    a.emit(arp);
    for (std::size_t n = 0; n < arp.size(); ++n) {
      auto res = ArpPacket::parse(Bytes(arp.data(), n));
      ASSERT_FALSE(res.ok());
      EXPECT_EQ(res.error(), WireError::TruncatedHeader);
    }
    const Ipv4Header ip = testing::random_ipv4(r, s, ipproto::kUdp, r.below(100));
    Frame ipb(ip.total_len());
    ip.emit(ipb);
    for (std::size_t n = 0; n < ipb.size(); ++n) {
      auto res = Ipv4Header::parse(Bytes(ipb.data(), n));
      ASSERT_FALSE(res.ok());
      EXPECT_TRUE(res.error() == WireError::TruncatedHeader || res.error() == WireError::TruncatedPayload)
          << to_string(res.error());
    }
    const UdpDatagram u = testing::random_udp(r, s);
    Frame ub(u.buffer_len());
    u.emit(ub, ip.src, ip.dst);
    for (std::size_t n = 0; n < ub.size(); ++n) {
      auto res = UdpDatagram::parse(Bytes(ub.data(), n), ip.src, ip.dst);
      ASSERT_FALSE(res.ok());
      EXPECT_TRUE(res.error() == WireError::TruncatedHeader || res.error() == WireError::TruncatedPayload);
    }
    const TcpSegment t = testing::random_tcp(r, s);
    Frame tb(t.buffer_len());
    t.emit(tb, ip.src, ip.dst);
    for (std::size_t n = 0; n < t.header_len(); ++n) {
      auto res = TcpSegment::parse(Bytes(tb.data(), n), ip.src, ip.dst);
      ASSERT_FALSE(res.ok());
      EXPECT_TRUE(res.error() == WireError::TruncatedHeader || res.error() == WireError::BadDataOffset);
    }
  }
}

}  // namespace
}  // namespace ws
