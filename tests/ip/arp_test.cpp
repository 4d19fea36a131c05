// ARP behaviour of a Host (RFC 826, RFC 1122 §2.3.2, RFC 5227 §3).
#include <gtest/gtest.h>

#include "harness.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"

namespace ws {
namespace {

using testing::CableNet;
using testing::dump;

const Ipv4Address kA(192, 0, 2, 10);
const Ipv4Address kB(192, 0, 2, 20);

struct TwoHosts : ::testing::Test {
  TwoHosts() : a(net.add_host("a", 1, config())), b(net.add_host("b", 2, config())) {
    net.cable(a, "02:00:00:00:00:0a", b, "02:00:00:00:00:0b");
    a.add_address(net.now, 0, Ipv4Cidr(kA, 24));
    b.add_address(net.now, 0, Ipv4Cidr(kB, 24));
    net.pump();
    net.log.clear();
  }
  static HostConfig config() {
    HostConfig c;
    c.arp.lifetime = Duration::seconds(60);
    c.arp.refresh_before = Duration::seconds(5);
    c.arp.retry_interval = Duration::seconds(1);
    c.arp.max_requests = 3;
    c.arp.max_pending = 4;
    return c;
  }
  CableNet net;
  Host& a;
  Host& b;
};

TEST_F(TwoHosts, PingResolvesThenUsesTheCache) {
  ASSERT_TRUE(a.send_ping(net.now, kB, 7, 1));
  net.pump();
  ASSERT_EQ(net.log.size(), 4u) << dump(net.log);
  EXPECT_EQ(net.log[0], "a: ARP, Request who-has 192.0.2.20 tell 192.0.2.10");
  EXPECT_EQ(net.log[1], "b: ARP, Reply 192.0.2.20 is-at 02:00:00:00:00:0b");
  EXPECT_NE(net.log[2].find("a: IP 192.0.2.10 > 192.0.2.20: ICMP echo request, id 7, seq 1"), std::string::npos);
  EXPECT_NE(net.log[3].find("b: IP 192.0.2.20 > 192.0.2.10: ICMP echo reply, id 7, seq 1"), std::string::npos);
  auto replies = a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].from, kB);
  EXPECT_EQ(replies[0].ttl, 64);
  // b learned a from the request addressed to it: its reply needed no ARP.
  ASSERT_EQ(b.arp_cache(0).entries().size(), 1u);
  EXPECT_EQ(b.arp_cache(0).entries()[0].ip, kA);

  net.log.clear();
  ASSERT_TRUE(a.send_ping(net.now, kB, 7, 2));
  net.pump();
  EXPECT_EQ(net.log.size(), 2u) << "cached: no ARP\n" << dump(net.log);
}

TEST_F(TwoHosts, EntriesExpireAndAreRefreshedBeforeExpiry) {
  ASSERT_TRUE(a.send_ping(net.now, kB, 1, 1));
  net.pump();
  net.log.clear();
  // 56 s later the entry is within refresh_before of its 60 s lifetime:
  // the ping goes out at once and a unicast request refreshes the entry.
  net.advance(Duration::seconds(56));
  ASSERT_TRUE(a.send_ping(net.now, kB, 1, 2));
  net.pump();
  ASSERT_GE(net.log.size(), 3u) << dump(net.log);
  EXPECT_EQ(net.log[0], "a: ARP, Request who-has 192.0.2.20 tell 192.0.2.10");
  EXPECT_EQ(a.take_ping_replies().size(), 2u);
  const auto entries = a.arp_cache(0).entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].expires, net.now + Duration::seconds(60)) << "the reply renewed the lifetime";

  // Silence past the lifetime: the entry is gone and ARP runs again.
  net.advance(Duration::seconds(61));
  net.log.clear();
  ASSERT_TRUE(a.send_ping(net.now, kB, 1, 3));
  net.pump();
  ASSERT_EQ(net.log.size(), 4u) << dump(net.log);
  EXPECT_EQ(net.log[0], "a: ARP, Request who-has 192.0.2.20 tell 192.0.2.10");
}

TEST(Arp, PendingQueueIsBoundedAndFailureIsReported) {
  CableNet net;
  HostConfig cfg = TwoHosts::config();
  Host& a = net.add_host("a", 1, cfg);
  net.dangling(a, "02:00:00:00:00:0a");
  a.add_address(net.now, 0, Ipv4Cidr(kA, 24));
  net.pump();
  net.log.clear();
  for (std::uint16_t seq = 1; seq <= 10; ++seq) ASSERT_TRUE(a.send_ping(net.now, kB, 9, seq));
  net.pump();
  EXPECT_EQ(net.log.size(), 1u) << "one request however many packets wait\n" << dump(net.log);
  EXPECT_EQ(a.stats().arp_pending_drops, 6u) << "max_pending 4: the 6 oldest dropped";
  EXPECT_EQ(a.arp_cache(0).entries().size(), 1u);

  net.advance(Duration::millis(2500));
  EXPECT_EQ(a.stats().arp_requests_sent, 4u) << "gratuitous + first + 2 retries";
  EXPECT_TRUE(a.take_ping_errors().empty()) << "not failed yet";
  net.advance(Duration::seconds(1));
  EXPECT_EQ(a.stats().arp_failures, 1u);
  EXPECT_EQ(a.stats().arp_requests_sent, 4u) << "max_requests 3, then give up";
  const auto errors = a.take_ping_errors();
  ASSERT_EQ(errors.size(), 4u) << "each queued packet's sender hears host unreachable";
  EXPECT_EQ(errors[0].type, IcmpType::DestUnreachable);
  EXPECT_EQ(errors[0].code, icmp_unreach::kHost);
  EXPECT_EQ(errors[0].seq, 7) << "the latest packets were kept";
  EXPECT_EQ(errors[3].seq, 10);
  EXPECT_TRUE(a.arp_cache(0).entries().empty());
  EXPECT_EQ(a.poll_at(), Instant::never());
}

std::vector<std::uint8_t> announcement(MacAddress mac, Ipv4Address ip) {
  std::vector<std::uint8_t> f(42);
  EthernetHeader{MacAddress::broadcast(), mac, ethertype::kArp}.emit(f);
  ArpPacket{ArpOp::Request, mac, ip, MacAddress(), ip}.emit(MutBytes(f).subspan(14));
  return f;
}

TEST(Arp, AddingAnAddressAnnouncesIt) {
  CableNet net;
  Host& a = net.add_host("a");
  net.dangling(a, "02:00:00:00:00:0a");
  a.add_address(net.now, 0, Ipv4Cidr(kA, 24));
  net.pump();
  ASSERT_EQ(net.log.size(), 1u);
  EXPECT_EQ(net.log[0], "a: ARP, Announcement 192.0.2.10 is-at 02:00:00:00:00:0a");
}

TEST_F(TwoHosts, GratuitousArpUpdatesAPeersCache) {
  ASSERT_TRUE(a.send_ping(net.now, kB, 1, 1));
  net.pump();
  ASSERT_EQ(a.arp_cache(0).entries()[0].mac, MacAddress::parse("02:00:00:00:00:0b"));
  // 192.0.2.20 moves to another NIC (a failover) which announces itself.
  const MacAddress moved = *MacAddress::parse("02:00:00:00:00:bb");
  a.receive(net.now, 0, announcement(moved, kB));
  ASSERT_EQ(a.arp_cache(0).entries().size(), 1u);
  EXPECT_EQ(a.arp_cache(0).entries()[0].mac, moved);
  net.log.clear();
  ASSERT_TRUE(a.send_ping(net.now, kB, 1, 2));
  net.pump();
  ASSERT_FALSE(net.log.empty());
  EXPECT_NE(net.log[0].find("ICMP echo request"), std::string::npos) << dump(net.log);
  // An announcement for an address we never talked to creates no entry.
  a.receive(net.now, 0, announcement(moved, Ipv4Address(192, 0, 2, 99)));
  EXPECT_EQ(a.arp_cache(0).entries().size(), 1u);
}

TEST(ArpCache, LearnCreatesOnlyWhenAskedAndReleasesPendingPackets) {
  BufferPool pool(256, 8);
  ArpCache cache;
  const Instant t0 = Instant::zero();
  auto none = cache.learn(t0, kB, *MacAddress::parse("02:00:00:00:00:0b"), false);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_TRUE(cache.enqueue(t0, kB, pool.acquire()));
  EXPECT_FALSE(cache.enqueue(t0, kB, pool.acquire())) << "resolution already running";
  EXPECT_EQ(cache.poll_at(), t0 + Duration::seconds(1));
  auto released = cache.learn(t0, kB, *MacAddress::parse("02:00:00:00:00:0b"), false);
  EXPECT_EQ(released.size(), 2u);
  EXPECT_EQ(cache.poll_at(), Instant::never());
  auto l = cache.lookup(t0, kB);
  ASSERT_TRUE(l.mac.has_value());
  EXPECT_FALSE(l.refresh);
}

TEST(ArpCache, FullTableEvictsTheEntryClosestToExpiry) {
  ArpConfig cfg;
  cfg.max_entries = 2;
  ArpCache cache(cfg);
  const MacAddress m = *MacAddress::parse("02:00:00:00:00:01");
  cache.learn(Instant::zero(), Ipv4Address(192, 0, 2, 1), m, true);
  cache.learn(Instant::zero() + Duration::seconds(1), Ipv4Address(192, 0, 2, 2), m, true);
  cache.learn(Instant::zero() + Duration::seconds(2), Ipv4Address(192, 0, 2, 3), m, true);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_FALSE(cache.lookup(Instant::zero() + Duration::seconds(2), Ipv4Address(192, 0, 2, 1)).mac);
  EXPECT_TRUE(cache.lookup(Instant::zero() + Duration::seconds(2), Ipv4Address(192, 0, 2, 3)).mac);
}

}  // namespace
}  // namespace ws
