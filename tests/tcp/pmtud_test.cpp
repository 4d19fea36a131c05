// Path MTU discovery (RFC 1191) packet by packet: DF on every TCP segment;
// a router's "fragmentation needed" lowers the segment size and the data
// in flight is sent again at once at the new size; forged or stale
// messages — a quote that matches no connection, a sequence number outside
// SND.UNA..SND.MAX (RFC 5927 §4.1), an MTU not below the current one or
// larger than the datagram quoted — change nothing and are counted. UDP
// keeps fragmentation.
#include "wire_peer.hpp"

namespace ws::testing {
namespace {

// Every segment is ≤ `max_len` bytes of data and carries DF.
::testing::AssertionResult all_fit(const std::vector<SentTcp>& segs, std::size_t max_len) {
  for (const auto& s : segs) {
    if (s.len > max_len || !s.ip.dont_frag) {
      return ::testing::AssertionFailure() << "seq " << s.seq() << " len " << s.len << " DF " << s.ip.dont_frag;
    }
  }
  return ::testing::AssertionSuccess();
}

class Pmtud : public WirePeerTest {
 protected:
  // ACKs everything the stack sends until `total` bytes after `first` are
  // acknowledged; returns every segment it sent meanwhile (`pending` first).
  std::vector<SentTcp> ack_until_done(std::uint32_t first, std::size_t total, std::vector<SentTcp> pending) {
    std::vector<SentTcp> all;
    std::uint32_t acked = first;
    for (int round = 0; round < 200 && acked != first + total; ++round) {
      for (const auto& s : pending) {
        all.push_back(s);
        const std::uint32_t end = s.seq() + static_cast<std::uint32_t>(s.len);
        if (static_cast<std::int32_t>(end - acked) > 0) acked = end;
      }
      peer_ack(acked);
      pending = take();
      if (pending.empty()) {
        advance(Duration::millis(250));  // whatever waits for a timer
        pending = take();
      }
    }
    return all;
  }
};

TEST_F(Pmtud, FragNeededLowersTheMssAndTheFlightIsResentAtTheNewSize) {
  establish();
  EXPECT_EQ(conn().effective_mss(), 1460);
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u) << "the initial window: 4380 bytes" << trace();
  for (const auto& s : first) {
    EXPECT_EQ(s.len, 1460u);
    EXPECT_TRUE(s.ip.dont_frag) << "RFC 1191 §3: DF on every TCP segment";
  }
  // The router beyond has an MTU of 1280 and drops the three.
  frag_needed(first[0].datagram, 1280);
  auto resent = take();
  ASSERT_EQ(resent.size(), 3u) << trace();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(resent[i].seq(), iss + 1 + 1240 * i) << trace();
    EXPECT_EQ(resent[i].len, 1240u) << "1280 − 20 (IPv4) − 20 (TCP)";
    EXPECT_TRUE(resent[i].ip.dont_frag);
    EXPECT_LE(resent[i].ip.total_len(), 1280);
  }
  EXPECT_EQ(conn().effective_mss(), 1240);
  EXPECT_EQ(conn().path_mtu(), 1280);
  EXPECT_EQ(conn().stats().path_mtu_reductions, 1u);
  EXPECT_EQ(stats().frag_needed_accepted, 1u);
  EXPECT_EQ(conn().cwnd(), 4380u) << "RFC 1191 §6.4: not a congestion signal";
  // The rest of the 20000 bytes at the new size.
  auto rest = ack_until_done(iss + 1, 20000, resent);
  EXPECT_TRUE(all_fit(rest, 1240)) << trace();
  EXPECT_EQ(conn().snd_una().raw(), iss + 1 + 20000) << trace();
}

TEST_F(Pmtud, WithTimestampsASegmentCarries12BytesLess) {
  establish(true);  // SACK and timestamps
  EXPECT_EQ(conn().effective_mss(), 1448);
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u) << trace();
  frag_needed(first[1].datagram, 1280);
  auto resent = take();
  // The whole flight (3 × 1448) again from SND.UNA, in segments of
  // 1280 − 40 − 12 = 1228 bytes, within the unchanged cwnd.
  ASSERT_FALSE(resent.empty()) << trace();
  std::uint32_t next = iss + 1;
  for (const auto& s : resent) {
    EXPECT_EQ(s.seq(), next) << trace();
    EXPECT_LE(s.len, 1228u);
    EXPECT_LE(s.ip.total_len(), 1280) << "TCP header with TSopt: 32 bytes";
    EXPECT_TRUE(s.ip.dont_frag);
    next += static_cast<std::uint32_t>(s.len);
  }
  EXPECT_EQ(resent.front().len, 1228u);
  EXPECT_EQ(next, iss + 1 + 3 * 1448) << "everything in flight was resent" << trace();
  EXPECT_EQ(conn().effective_mss(), 1228);
  auto rest = ack_until_done(iss + 1, 20000, resent);
  EXPECT_TRUE(all_fit(rest, 1228)) << trace();
  EXPECT_EQ(conn().snd_una().raw(), iss + 1 + 20000) << trace();
}

TEST_F(Pmtud, AForgedFragNeededMatchingNoConnectionIsIgnored) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  frag_needed(with_ports(first[0].datagram, local_port, kPeerPort + 1), 576);
  frag_needed(with_ports(first[0].datagram, static_cast<std::uint16_t>(local_port + 1), kPeerPort), 576);
  auto other_peer = first[0].datagram;
  store_be32(other_peer.data() + 16, Ipv4Address(198, 51, 100, 21).to_u32());
  frag_needed(other_peer, 576);
  EXPECT_TRUE(take().empty()) << trace();
  EXPECT_EQ(stats().icmp_no_connection, 3u);
  EXPECT_EQ(stats().frag_needed_accepted, 0u);
  EXPECT_EQ(conn().effective_mss(), 1460);
  EXPECT_EQ(conn().path_mtu(), 0);
  EXPECT_TRUE(conn().dont_fragment());
}

TEST_F(Pmtud, AQuotedSequenceNumberOutsideTheFlightIsIgnored) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  const std::uint32_t snd_max = iss + 1 + 3 * 1460;
  frag_needed(with_seq(first[0].datagram, snd_max), 576);        // not sent yet
  frag_needed(with_seq(first[0].datagram, iss), 576);            // the SYN: acknowledged
  frag_needed(with_seq(first[0].datagram, iss - 100000), 576);   // long gone
  frag_needed(with_seq(first[0].datagram, iss + 0x80000000u), 576);
  EXPECT_TRUE(take().empty()) << trace();
  EXPECT_EQ(stats().icmp_out_of_window, 4u);
  EXPECT_EQ(conn().effective_mss(), 1460);
  // The last byte in flight is in the window: SND.UNA ≤ SEG.SEQ < SND.MAX.
  frag_needed(with_seq(first[0].datagram, snd_max - 1), 576);
  EXPECT_EQ(stats().frag_needed_accepted, 1u);
  EXPECT_EQ(conn().effective_mss(), 536);
  EXPECT_FALSE(take().empty());
}

TEST_F(Pmtud, NeverRaisedAndNeverByAContradiction) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  // A 1500-byte datagram fits an MTU of 1500: the message contradicts itself.
  frag_needed(first[0].datagram, 1500);
  EXPECT_TRUE(take().empty()) << trace();
  EXPECT_EQ(stats().frag_needed_ignored, 1u);
  frag_needed(first[0].datagram, 1280);
  EXPECT_EQ(take().size(), 3u);
  // The router's answers to the other two dropped segments: the same MTU,
  // nothing more to do; then a larger one (RFC 1191 §3: never raised).
  frag_needed(first[1].datagram, 1280);
  frag_needed(first[2].datagram, 1280);
  frag_needed(first[0].datagram, 1400);
  EXPECT_TRUE(take().empty()) << "no second resend" << trace();
  EXPECT_EQ(stats().frag_needed_accepted, 1u);
  EXPECT_EQ(stats().frag_needed_ignored, 4u);
  EXPECT_EQ(conn().effective_mss(), 1240);
  EXPECT_EQ(conn().path_mtu(), 1280);
}

TEST_F(Pmtud, BelowTheFloorSegmentsShrinkTo512AndLoseDf) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  frag_needed(first[0].datagram, 296);
  auto resent = take();
  ASSERT_FALSE(resent.empty()) << trace();
  EXPECT_EQ(conn().path_mtu(), kMinPathMtu);
  EXPECT_EQ(conn().effective_mss(), 512) << "552 − 40";
  EXPECT_FALSE(conn().dont_fragment());
  for (const auto& s : resent) {
    EXPECT_EQ(s.len, 512u);
    EXPECT_FALSE(s.ip.dont_frag) << "a router with a smaller MTU may now fragment";
  }
}

TEST_F(Pmtud, AnOldStyleMessageUsesThePlateau) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  frag_needed(first[0].datagram, 0);  // RFC 1191 §5: no MTU field
  EXPECT_EQ(conn().path_mtu(), 1492);
  EXPECT_EQ(conn().effective_mss(), 1452);
  auto resent = take();
  ASSERT_EQ(resent.size(), 3u) << trace();
  EXPECT_EQ(resent[0].len, 1452u);
}

TEST_F(Pmtud, NothingInFlightNothingResent) {
  establish();
  auto first = send(1000);
  ASSERT_EQ(first.size(), 1u);
  peer_ack(iss + 1 + 1000);
  (void)take();
  // A late report quoting acknowledged data: outside the flight.
  frag_needed(first[0].datagram, 576);
  EXPECT_EQ(stats().icmp_out_of_window, 1u);
  EXPECT_EQ(conn().effective_mss(), 1460);
  EXPECT_TRUE(take().empty());
}

TEST_F(Pmtud, UdpKeepsFragmentationAndNoDf) {
  const SocketId u = *ws.socket(SocketType::Datagram);
  std::vector<std::uint8_t> small(100), big(3000);
  ASSERT_TRUE(ws.send_to(now, u, small, SocketAddress{kPeerAddr, 9}));
  ASSERT_TRUE(ws.send_to(now, u, big, SocketAddress{kPeerAddr, 9}));
  std::vector<Ipv4Header> sent;
  while (auto tx = ws.pop_transmit()) {
    auto ip = Ipv4Header::parse(tx->frame->bytes().subspan(EthernetHeader::header_len()));
    if (ip && ip->protocol == ipproto::kUdp) sent.push_back(*ip);
  }
  ASSERT_EQ(sent.size(), 4u) << "100 bytes whole, 3000 in three fragments";
  for (const auto& ip : sent) EXPECT_FALSE(ip.dont_frag);
  EXPECT_TRUE(sent[1].more_frags);
}

}  // namespace
}  // namespace ws::testing
