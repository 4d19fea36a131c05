// Routing (RFC 1812 §5.2.4.3 longest match; seed 001's on-link rule),
// forwarding (RFC 1812 §5.3), ICMP errors, fragments through a router.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "ip/route_table.hpp"

namespace ws {
namespace {

using testing::CableNet;
using testing::dump;

Ipv4Cidr cidr(const char* s) { return *Ipv4Cidr::parse(s); }
Ipv4Address ip(const char* s) { return *Ipv4Address::parse(s); }

TEST(RouteTable, LongestPrefixThenMetricThenInsertion) {
  RouteTable t;
  t.add({cidr("0.0.0.0/0"), ip("192.0.2.1"), 0, 0, false});
  t.add({cidr("198.51.100.0/24"), ip("192.0.2.2"), 0, 10, false});
  t.add({cidr("198.51.100.128/25"), ip("192.0.2.3"), 1, 0, false});
  t.add({cidr("198.51.100.77/24"), ip("192.0.2.4"), 0, 5, false});  // stored as .0/24
  t.add({cidr("192.0.2.0/24"), std::nullopt, 0, 0, true});

  auto r = t.lookup(ip("198.51.100.200"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gateway, ip("192.0.2.3")) << "the /25 beats the /24s";
  r = t.lookup(ip("198.51.100.5"));
  EXPECT_EQ(r->gateway, ip("192.0.2.4")) << "metric 5 beats metric 10";
  EXPECT_EQ(r->destination, cidr("198.51.100.0/24"));
  r = t.lookup(ip("203.0.113.9"));
  EXPECT_EQ(r->gateway, ip("192.0.2.1")) << "default route";
  r = t.lookup(ip("192.0.2.77"));
  EXPECT_FALSE(r->gateway.has_value()) << "on-link: ip & mask == network";
  EXPECT_EQ(r->next_hop(ip("192.0.2.77")), ip("192.0.2.77"));
  EXPECT_EQ(t.lookup(ip("198.51.100.5"))->next_hop(ip("198.51.100.5")), ip("192.0.2.4"));

  EXPECT_EQ(t.remove(cidr("0.0.0.0/0")), 1u);
  EXPECT_FALSE(t.lookup(ip("203.0.113.9")));
  // Same destination and gateway replaces instead of duplicating.
  t.add({cidr("192.0.2.0/24"), std::nullopt, 0, 0, true});
  EXPECT_EQ(t.entries().size(), 4u);
  EXPECT_EQ(t.entries()[0].to_string(), "198.51.100.128/25 via 192.0.2.3 dev 1");
}

// a (192.0.2.10) — r (192.0.2.1 | 198.51.100.1) — b (198.51.100.20)
struct Routed : ::testing::Test {
  explicit Routed(std::uint16_t b_side_mtu = 1500)
      : a(net.add_host("a", 1)), r(net.add_host("r", 2, router_config())), b(net.add_host("b", 3)) {
    net.cable(a, "02:00:00:00:00:0a", r, "02:00:00:00:01:01");
    net.cable(r, "02:00:00:00:01:02", b, "02:00:00:00:00:0b", b_side_mtu);
    a.add_address(net.now, 0, cidr("192.0.2.10/24"));
    a.set_default_gateway(ip("192.0.2.1"), 0);
    r.add_address(net.now, 0, cidr("192.0.2.1/24"));
    r.add_address(net.now, 1, cidr("198.51.100.1/24"));
    b.add_address(net.now, 0, cidr("198.51.100.20/24"));
    b.set_default_gateway(ip("198.51.100.1"), 0);
    net.pump();
    net.log.clear();
  }
  static HostConfig router_config() {
    HostConfig c;
    c.forwarding = true;
    return c;
  }
  CableNet net;
  Host& a;
  Host& r;
  Host& b;
};

TEST_F(Routed, PingAcrossTheRouterResolvesTheGateway) {
  ASSERT_TRUE(a.send_ping(net.now, ip("198.51.100.20"), 1, 1));
  net.pump();
  ASSERT_GE(net.log.size(), 8u) << dump(net.log);
  EXPECT_EQ(net.log[0], "a: ARP, Request who-has 192.0.2.1 tell 192.0.2.10") << "the gateway, not b";
  auto replies = a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u) << dump(net.log);
  EXPECT_EQ(replies[0].from, ip("198.51.100.20"));
  EXPECT_EQ(replies[0].ttl, 63) << "one router hop";
  EXPECT_EQ(r.stats().ip_forwarded, 2u);
  EXPECT_EQ(b.stats().ip_delivered, 1u);
}

TEST_F(Routed, TtlExpiryReturnsTimeExceededToTheOrigin) {
  ASSERT_TRUE(a.send_ping(net.now, ip("198.51.100.20"), 1, 1, 56, std::uint8_t{1}));
  net.pump();
  EXPECT_EQ(r.stats().ip_ttl_expired, 1u);
  EXPECT_EQ(b.stats().ip_rx, 0u);
  auto errors = a.take_ping_errors();
  ASSERT_EQ(errors.size(), 1u) << dump(net.log);
  EXPECT_EQ(errors[0].type, IcmpType::TimeExceeded);
  EXPECT_EQ(errors[0].code, icmp_time_exceeded::kTtl);
  EXPECT_EQ(errors[0].from, ip("192.0.2.1"));
  EXPECT_EQ(errors[0].seq, 1);
  // TTL 2 is enough for one router.
  ASSERT_TRUE(a.send_ping(net.now, ip("198.51.100.20"), 1, 2, 56, std::uint8_t{2}));
  net.pump();
  EXPECT_EQ(a.take_ping_replies().size(), 1u);
}

TEST_F(Routed, NoRouteAtTheRouterIsNetUnreachable) {
  ASSERT_TRUE(a.send_ping(net.now, ip("203.0.113.9"), 1, 1));
  net.pump();
  EXPECT_EQ(r.stats().ip_no_route, 1u);
  auto errors = a.take_ping_errors();
  ASSERT_EQ(errors.size(), 1u) << dump(net.log);
  EXPECT_EQ(errors[0].type, IcmpType::DestUnreachable);
  EXPECT_EQ(errors[0].code, icmp_unreach::kNet);
  EXPECT_EQ(errors[0].from, ip("192.0.2.1"));
}

TEST(Routing, NoRouteLocallyFailsTheSend) {
  CableNet net;
  Host& a = net.add_host("a");
  net.dangling(a, "02:00:00:00:00:0a");
  a.add_address(net.now, 0, cidr("192.0.2.10/24"));
  auto r = a.send_ping(net.now, ip("198.51.100.20"), 1, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::NoRoute);
}

TEST_F(Routed, LargePingIsFragmentedAndReassembledBothWays) {
  ASSERT_TRUE(a.send_ping(net.now, ip("198.51.100.20"), 1, 1, 4000));
  net.pump();
  auto replies = a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u) << dump(net.log);
  EXPECT_EQ(replies[0].bytes, 4008u);
  EXPECT_EQ(a.stats().ip_fragments_sent, 3u);
  EXPECT_EQ(b.stats().ip_fragments_sent, 3u);
  EXPECT_EQ(r.stats().ip_forwarded, 6u) << "the router forwards fragments as they are";
}

struct NarrowLink : Routed {
  NarrowLink() : Routed(576) {}
};

TEST_F(NarrowLink, DontFragmentGetsFragNeededWithTheNextHopMtu) {
  std::vector<std::uint8_t> payload(1000, 0x55);
  // Protocol 253 (RFC 3692 experimentation): nobody answers, only the router speaks.
  ASSERT_TRUE(a.send_ipv4(net.now, Ipv4Address::any(), ip("198.51.100.20"), 253, payload, true));
  std::vector<std::pair<std::uint8_t, std::uint16_t>> seen;
  a.register_protocol(253, ProtocolHandler{nullptr, [&](Instant, const IcmpMessage& m, const QuotedDatagram&) {
                                             seen.emplace_back(m.code, m.next_hop_mtu);
                                           }});
  net.pump();
  EXPECT_EQ(r.stats().ip_frag_needed, 1u);
  ASSERT_EQ(seen.size(), 1u) << dump(net.log);
  EXPECT_EQ(seen[0].first, icmp_unreach::kFragNeeded);
  EXPECT_EQ(seen[0].second, 576);
  // Without DF the router fragments instead.
  ASSERT_TRUE(a.send_ipv4(net.now, Ipv4Address::any(), ip("198.51.100.20"), 253, payload, false));
  net.pump();
  EXPECT_EQ(r.stats().ip_fragmented, 1u);
  EXPECT_EQ(b.stats().ip_unknown_protocol, 1u) << "reassembled, then no handler";
}

TEST_F(Routed, ProtocolHandlersReceiveDatagramsAndIcmpErrors) {
  std::vector<std::string> got;
  b.register_protocol(253, ProtocolHandler{[&](Instant, const Ipv4Header& h, Bytes p, Bytes, const RxInfo&) {
                                             got.push_back(h.src.to_string() + " " + std::string(p.begin(), p.end()));
                                           },
                                           nullptr});
  const std::string msg = "hello";
  ASSERT_TRUE(a.send_ipv4(net.now, Ipv4Address::any(), ip("198.51.100.20"), 253,
                          Bytes(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size())));
  net.pump();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "192.0.2.10 hello");
  // A protocol b does not speak: b answers protocol unreachable.
  int unreachable = 0;
  a.register_protocol(254, ProtocolHandler{nullptr, [&](Instant, const IcmpMessage& m, const QuotedDatagram& q) {
                                             EXPECT_EQ(m.code, icmp_unreach::kProtocol);
                                             EXPECT_EQ(q.header.protocol, 254);
                                             ++unreachable;
                                           }});
  ASSERT_TRUE(a.send_ipv4(net.now, Ipv4Address::any(), ip("198.51.100.20"), 254, {}));
  net.pump();
  EXPECT_EQ(unreachable, 1);
}

// RFC 3168 §5: the ECN field a transport chooses leaves in the IPv4
// header, survives forwarding (the router rewrites only the TTL) and
// reaches the receiving transport.
TEST_F(Routed, EcnCodepointCrossesTheRouterToTheTransport) {
  std::vector<std::uint8_t> got;
  b.register_protocol(253, ProtocolHandler{[&](Instant, const Ipv4Header& h, Bytes, Bytes, const RxInfo&) { got.push_back(h.ecn); },
                                           nullptr});
  const std::uint8_t byte = 0x42;
  for (std::uint8_t cp : {0, 1, 2, 3}) {
    ASSERT_TRUE(a.send_ipv4(net.now, Ipv4Address::any(), ip("198.51.100.20"), 253, Bytes(&byte, 1), false,
                            std::nullopt, cp));
  }
  ASSERT_TRUE(a.send_ipv4(net.now, Ipv4Address::any(), ip("198.51.100.20"), 253, Bytes(&byte, 1)));
  net.pump();
  EXPECT_EQ(got, (std::vector<std::uint8_t>{0, 1, 2, 3, 0})) << dump(net.log);
  EXPECT_EQ(r.stats().ip_forwarded, 5u);
}

TEST_F(Routed, BadDatagramsAreCountedByReason) {
  std::vector<std::uint8_t> frame;
  net.tap = [&](Host& h, IfIndex, Bytes f) {
    if (&h == &a && frame.empty() && f.size() > 34 && f[12] == 0x08 && f[13] == 0x00) frame.assign(f.begin(), f.end());
  };
  ASSERT_TRUE(a.send_ping(net.now, ip("198.51.100.20"), 1, 1));
  net.pump();
  ASSERT_FALSE(frame.empty());
  auto corrupt = frame;
  corrupt[14 + 8] ^= 0xff;  // TTL without checksum update
  r.receive(net.now, 0, corrupt);
  auto v6 = frame;
  v6[14] = 0x65;
  r.receive(net.now, 0, v6);
  r.receive(net.now, 0, Bytes(frame.data(), 20));
  EXPECT_EQ(r.stats().ip_bad, 3u);
  EXPECT_EQ(r.stats().ip_errors[static_cast<std::size_t>(WireError::BadChecksum)], 1u);
  EXPECT_EQ(r.stats().ip_errors[static_cast<std::size_t>(WireError::BadVersion)], 1u);
  EXPECT_EQ(r.stats().ip_errors[static_cast<std::size_t>(WireError::TruncatedHeader)], 1u);
  auto wrong_mac = frame;
  wrong_mac[0] = 0x04;
  r.receive(net.now, 0, wrong_mac);
  EXPECT_EQ(r.stats().rx_not_for_us, 1u);
  bool listed = false;
  for (const auto& line : r.stats().nonzero()) listed |= line.name == "ip_bad" && line.value == 3;
  EXPECT_TRUE(listed);
}

TEST_F(Routed, IcmpErrorsAreRateLimited) {
  ASSERT_TRUE(a.send_ping(net.now, ip("198.51.100.20"), 1, 1));  // resolve the gateway first
  net.pump();
  for (std::uint16_t i = 0; i < 30; ++i) ASSERT_TRUE(a.send_ping(net.now, ip("203.0.113.9"), 1, i));
  net.pump();
  EXPECT_EQ(r.stats().icmp_errors_sent, 10u) << "the default burst";
  EXPECT_EQ(r.stats().icmp_errors_rate_limited, 20u);
  net.advance(Duration::seconds(1));
  for (std::uint16_t i = 0; i < 30; ++i) ASSERT_TRUE(a.send_ping(net.now, ip("203.0.113.9"), 1, i));
  net.pump();
  EXPECT_EQ(r.stats().icmp_errors_sent, 20u) << "refilled: one token per 100 ms";
}

TEST(Loopback, PingingOurOwnAddress) {
  CableNet net;
  Host& a = net.add_host("a");
  net.dangling(a, "02:00:00:00:00:0a");
  a.add_address(net.now, 0, cidr("192.0.2.10/24"));
  net.pump();
  net.log.clear();
  ASSERT_TRUE(a.send_ping(net.now, ip("192.0.2.10"), 1, 1));
  EXPECT_EQ(a.poll_at(), net.now);
  net.advance(Duration::millis(1));
  EXPECT_TRUE(net.log.empty()) << "nothing on the wire";
  EXPECT_EQ(a.take_ping_replies().size(), 1u);
}

}  // namespace
}  // namespace ws
