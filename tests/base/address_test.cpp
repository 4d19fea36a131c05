// Tests for MacAddress, Ipv4Address and Ipv4Cidr: parsing, printing and
// the subnet arithmetic of seed 001.
#include "base/address.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "base/rng.hpp"

namespace ws {
namespace {

Ipv4Address ip(std::string_view text) {
  auto a = Ipv4Address::parse(text);
  EXPECT_TRUE(a.has_value()) << "failed to parse " << text;
  return a.value_or(Ipv4Address());
}

Ipv4Cidr cidr(std::string_view text) {
  auto c = Ipv4Cidr::parse(text);
  EXPECT_TRUE(c.has_value()) << "failed to parse " << text;
  return c.value_or(Ipv4Cidr());
}

// ---------------------------------------------------------------------------
// MacAddress

TEST(MacAddress, ParsePrintRoundTrip) {
  const auto m = MacAddress::parse("02:00:00:00:00:01");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes(), (std::array<std::uint8_t, 6>{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_EQ(m->to_string(), "02:00:00:00:00:01");

  for (const char* text : {"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "de:ad:be:ef:00:7f",
                           "0a:1b:2c:3d:4e:5f"}) {
    const auto p = MacAddress::parse(text);
    ASSERT_TRUE(p.has_value()) << text;
    EXPECT_EQ(p->to_string(), text);
  }
}

TEST(MacAddress, AcceptsDashesAndUpperCase) {
  const auto colon = MacAddress::parse("02:00:00:00:00:01");
  const auto dash = MacAddress::parse("02-00-00-00-00-01");
  ASSERT_TRUE(colon.has_value());
  ASSERT_TRUE(dash.has_value());
  EXPECT_EQ(*colon, *dash);
  EXPECT_EQ(dash->to_string(), "02:00:00:00:00:01");  // printed canonically

  const auto upper = MacAddress::parse("AA:BB:CC:DD:EE:FF");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(upper->to_string(), "aa:bb:cc:dd:ee:ff");
  const auto mixed = MacAddress::parse("aA:Bb:0c:D0:eE:F9");
  ASSERT_TRUE(mixed.has_value());
  EXPECT_EQ(mixed->to_string(), "aa:bb:0c:d0:ee:f9");
}

TEST(MacAddress, RejectsBadInput) {
  for (const char* text : {
           "",                      // empty
           "02:00:00:00:00",        // too short
           "02:00:00:00:00:01:02",  // too long
           "02:00:00:00:00:1",      // short last group
           "2:0:0:0:0:1",           // single-digit groups
           "02:00:00:00:00:001",    // three-digit group
           "02:00:00:00:00:0g",     // bad hex
           "x2:00:00:00:00:01",     // bad hex
           "02:00:00:00:00:-1",     // sign
           "02:00-00:00:00:01",     // mixed separators
           "02-00-00-00-00:01",     // mixed separators
           "02.00.00.00.00.01",     // wrong separator
           "02 00 00 00 00 01",     // wrong separator
           "020000000001",          // no separators
           "02::00:00:00:001",      // misplaced separator
           " 02:00:00:00:00:01",    // leading space
           "02:00:00:00:00:01 ",    // trailing space
           " 2:00:00:00:00:01",     // space in place of a digit
       }) {
    EXPECT_FALSE(MacAddress::parse(text).has_value()) << '"' << text << '"';
  }
}

TEST(MacAddress, BytesRoundTrip) {
  const std::uint8_t raw[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  const MacAddress m = MacAddress::from_bytes(raw);
  EXPECT_EQ(m.to_string(), "02:11:22:33:44:55");
  std::uint8_t out[8] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
  m.write_to(out + 1);
  EXPECT_EQ(out[0], 0xee);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i + 1], raw[i]);
  EXPECT_EQ(out[7], 0xee);
}

TEST(MacAddress, Classification) {
  const MacAddress bcast = MacAddress::broadcast();
  EXPECT_EQ(bcast.to_string(), "ff:ff:ff:ff:ff:ff");
  EXPECT_TRUE(bcast.is_broadcast());
  EXPECT_TRUE(bcast.is_multicast());  // broadcast is a multicast address
  EXPECT_FALSE(bcast.is_unicast());

  const auto mcast = *MacAddress::parse("01:00:5e:00:00:01");
  EXPECT_FALSE(mcast.is_broadcast());
  EXPECT_TRUE(mcast.is_multicast());
  EXPECT_FALSE(mcast.is_unicast());

  const auto odd_first = *MacAddress::parse("03:00:00:00:00:00");  // I/G bit set
  EXPECT_TRUE(odd_first.is_multicast());

  const auto ucast = *MacAddress::parse("02:00:00:00:00:01");
  EXPECT_FALSE(ucast.is_broadcast());
  EXPECT_FALSE(ucast.is_multicast());
  EXPECT_TRUE(ucast.is_unicast());
  EXPECT_FALSE(ucast.is_zero());

  const auto almost = *MacAddress::parse("ff:ff:ff:ff:ff:fe");
  EXPECT_FALSE(almost.is_broadcast());
  EXPECT_TRUE(almost.is_multicast());

  EXPECT_TRUE(MacAddress().is_zero());
  EXPECT_TRUE(MacAddress().is_unicast());
}

TEST(MacAddress, OrderingAndHash) {
  const auto a = *MacAddress::parse("02:00:00:00:00:01");
  const auto b = *MacAddress::parse("02:00:00:00:00:02");
  const auto c = *MacAddress::parse("03:00:00:00:00:00");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_NE(a, b);
  std::unordered_set<MacAddress> set{a, b, c, a};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(set.count(*MacAddress::parse("02-00-00-00-00-02")), 1u);
}

// ---------------------------------------------------------------------------
// Ipv4Address

TEST(Ipv4Address, ParsePrintRoundTrip) {
  const auto a = Ipv4Address::parse("192.0.2.1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->to_u32(), 0xc0000201u);
  EXPECT_EQ(*a, Ipv4Address(192, 0, 2, 1));
  EXPECT_EQ(a->to_string(), "192.0.2.1");

  for (const char* text : {"0.0.0.0", "255.255.255.255", "10.0.0.1", "127.0.0.1", "1.2.3.4",
                           "100.64.0.10", "9.99.199.250"}) {
    const auto p = Ipv4Address::parse(text);
    ASSERT_TRUE(p.has_value()) << text;
    EXPECT_EQ(p->to_string(), text);
  }
}

TEST(Ipv4Address, RandomRoundTrip) {
  Rng rng(2);
  for (int i = 0; i < 10000; ++i) {
    const Ipv4Address a(rng.next_u32());
    const auto back = Ipv4Address::parse(a.to_string());
    ASSERT_TRUE(back.has_value()) << a.to_string();
    ASSERT_EQ(*back, a);
  }
}

TEST(Ipv4Address, RejectsBadInput) {
  for (const char* text : {
           "",              // empty
           "1.2.3",         // too few parts
           "1.2.3.4.5",     // too many parts
           "256.1.1.1",     // octet out of range
           "1.2.3.256",     // octet out of range
           "1.2.3.999",     // octet out of range
           "1000.1.1.1",    // too many digits
           "01.2.3.4",      // leading zero
           "1.2.3.04",      // leading zero
           "1.2.3.00",      // leading zero
           " 1.2.3.4",      // leading space
           "1.2.3.4 ",      // trailing space
           "1.2.3.4\n",     // trailing newline
           "+1.2.3.4",      // sign
           "1.-2.3.4",      // sign
           "1..2.3",        // empty part
           "1.2.3.",        // empty last part
           ".1.2.3",        // empty first part
           "1.2.3.4.",      // trailing dot
           "a.b.c.d",       // not digits
           "0x1.2.3.4",     // hex
           "1.2.3.4/24",    // a CIDR is not an address
           "1,2,3,4",       // wrong separator
           "1 .2.3.4",      // embedded space
       }) {
    EXPECT_FALSE(Ipv4Address::parse(text).has_value()) << '"' << text << '"';
  }
}

TEST(Ipv4Address, BytesAreNetworkOrder) {
  const std::uint8_t raw[4] = {192, 0, 2, 77};
  const Ipv4Address a = Ipv4Address::from_bytes(raw);
  EXPECT_EQ(a, Ipv4Address(192, 0, 2, 77));
  EXPECT_EQ(a.to_u32(), 0xc000024du);
  std::uint8_t out[4] = {};
  Ipv4Address(10, 20, 30, 40).write_to(out);
  EXPECT_EQ(out[0], 10);
  EXPECT_EQ(out[1], 20);
  EXPECT_EQ(out[2], 30);
  EXPECT_EQ(out[3], 40);
}

TEST(Ipv4Address, Classification) {
  EXPECT_TRUE(Ipv4Address::broadcast().is_broadcast());
  EXPECT_EQ(Ipv4Address::broadcast().to_string(), "255.255.255.255");
  EXPECT_FALSE(ip("192.0.2.255").is_broadcast());  // a directed broadcast is not "the" broadcast
  EXPECT_FALSE(ip("255.255.255.254").is_broadcast());

  EXPECT_TRUE(ip("224.0.0.1").is_multicast());
  EXPECT_TRUE(ip("239.255.255.255").is_multicast());
  EXPECT_FALSE(ip("223.255.255.255").is_multicast());
  EXPECT_FALSE(ip("240.0.0.0").is_multicast());
  EXPECT_FALSE(Ipv4Address::broadcast().is_multicast());

  EXPECT_TRUE(Ipv4Address::any().is_unspecified());
  EXPECT_FALSE(ip("0.0.0.1").is_unspecified());
  EXPECT_TRUE(ip("127.0.0.1").is_loopback());
  EXPECT_TRUE(ip("127.255.0.9").is_loopback());
  EXPECT_FALSE(ip("128.0.0.1").is_loopback());
}

TEST(Ipv4Address, OrderingAndHash) {
  EXPECT_LT(ip("9.255.255.255"), ip("10.0.0.0"));
  EXPECT_LT(ip("10.0.0.1"), ip("10.0.0.2"));
  std::unordered_set<Ipv4Address> set{ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.1")};
  EXPECT_EQ(set.size(), 2u);
}

// ---------------------------------------------------------------------------
// Ipv4Cidr

TEST(Ipv4Cidr, ParsePrintRoundTrip) {
  const auto c = Ipv4Cidr::parse("192.0.2.0/24");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->address(), Ipv4Address(192, 0, 2, 0));
  EXPECT_EQ(c->prefix_len(), 24);
  EXPECT_EQ(c->to_string(), "192.0.2.0/24");

  // The host bits of an interface address are kept, not masked off.
  const auto host = Ipv4Cidr::parse("192.0.2.77/24");
  ASSERT_TRUE(host.has_value());
  EXPECT_EQ(host->address(), Ipv4Address(192, 0, 2, 77));
  EXPECT_EQ(host->to_string(), "192.0.2.77/24");

  for (const char* text : {"0.0.0.0/0", "10.0.0.1/8", "255.255.255.255/32", "198.51.100.1/31",
                           "172.16.5.4/12", "1.2.3.4/9"}) {
    const auto p = Ipv4Cidr::parse(text);
    ASSERT_TRUE(p.has_value()) << text;
    EXPECT_EQ(p->to_string(), text);
  }
}

TEST(Ipv4Cidr, RejectsBadInput) {
  for (const char* text : {
           "",                // empty
           "1.2.3.4",         // no prefix
           "1.2.3.4/",        // empty prefix
           "1.2.3.4/33",      // prefix too long
           "1.2.3.4/100",     // prefix too long
           "1.2.3.4/024",     // too many digits
           "1.2.3.4/-1",      // sign
           "1.2.3.4/+8",      // sign
           "1.2.3.4/ 8",      // space
           "1.2.3.4/8 ",      // trailing space
           " 1.2.3.4/8",      // leading space
           "1.2.3.4/8/8",     // two prefixes
           "1.2.3.4//8",      // doubled slash
           "1.2.3/8",         // bad address
           "256.0.0.0/8",     // bad address
           "01.2.3.4/8",      // bad address
           "/8",              // no address
           "1.2.3.4/a",       // not a number
           "1.2.3.4/255.255.255.0",  // masks are not accepted as prefixes
       }) {
    EXPECT_FALSE(Ipv4Cidr::parse(text).has_value()) << '"' << text << '"';
  }
}

TEST(Ipv4Cidr, PrefixLengthIsClamped) {
  const Ipv4Cidr c(ip("10.0.0.1"), 40);
  EXPECT_EQ(c.prefix_len(), 32);
  EXPECT_EQ(c.netmask(), Ipv4Address::broadcast());
}

TEST(Ipv4Cidr, PrefixToMaskAndBackForEveryLength) {
  for (int p = 0; p <= 32; ++p) {
    // The mask computed independently in 64-bit arithmetic.
    const auto expected = static_cast<std::uint32_t>((0xffffffffull << (32 - p)) & 0xffffffffull);
    const Ipv4Cidr c(ip("203.0.113.9"), static_cast<std::uint8_t>(p));
    EXPECT_EQ(c.netmask().to_u32(), expected) << "/" << p;
    const auto back = Ipv4Cidr::prefix_from_mask(Ipv4Address(expected));
    ASSERT_TRUE(back.has_value()) << "/" << p;
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(Ipv4Cidr(ip("1.2.3.4"), 0).netmask(), ip("0.0.0.0"));
  EXPECT_EQ(Ipv4Cidr(ip("1.2.3.4"), 8).netmask(), ip("255.0.0.0"));
  EXPECT_EQ(Ipv4Cidr(ip("1.2.3.4"), 20).netmask(), ip("255.255.240.0"));
  EXPECT_EQ(Ipv4Cidr(ip("1.2.3.4"), 24).netmask(), ip("255.255.255.0"));
  EXPECT_EQ(Ipv4Cidr(ip("1.2.3.4"), 31).netmask(), ip("255.255.255.254"));
  EXPECT_EQ(Ipv4Cidr(ip("1.2.3.4"), 32).netmask(), ip("255.255.255.255"));
  EXPECT_EQ(Ipv4Cidr::prefix_from_mask(ip("255.255.255.0")), std::optional<std::uint8_t>(24));
}

TEST(Ipv4Cidr, MasksWithHolesAreRejected) {
  for (const char* text : {"255.0.255.0", "255.255.255.253", "0.0.0.1", "127.255.255.255",
                           "0.255.255.255", "255.255.0.255", "254.255.255.255", "128.0.0.1",
                           "255.255.255.1"}) {
    EXPECT_FALSE(Ipv4Cidr::prefix_from_mask(ip(text)).has_value()) << text;
  }
  // Exactly 33 of all masks are contiguous; random 32-bit values almost
  // never are, and each verdict must agree with the /0../32 table.
  std::unordered_set<std::uint32_t> contiguous;
  for (int p = 0; p <= 32; ++p) {
    contiguous.insert(static_cast<std::uint32_t>((0xffffffffull << (32 - p)) & 0xffffffffull));
  }
  Rng rng(33);
  for (int i = 0; i < 100000; ++i) {
    const std::uint32_t m = rng.next_u32();
    ASSERT_EQ(Ipv4Cidr::prefix_from_mask(Ipv4Address(m)).has_value(), contiguous.count(m) == 1)
        << std::hex << m;
  }
  // Single-bit holes in every contiguous mask.
  for (int p = 2; p <= 32; ++p) {
    const auto mask = static_cast<std::uint32_t>((0xffffffffull << (32 - p)) & 0xffffffffull);
    for (int bit = 32 - p + 1; bit < 32; ++bit) {  // any one bit but the lowest set bit
      const std::uint32_t holed = mask & ~(std::uint32_t{1} << bit);
      EXPECT_FALSE(Ipv4Cidr::prefix_from_mask(Ipv4Address(holed)).has_value())
          << std::hex << holed;
    }
  }
}

TEST(Ipv4Cidr, NetworkBroadcastContains) {
  // The seed 001 example: 192.0.2.77/24.
  const Ipv4Cidr c = cidr("192.0.2.77/24");
  EXPECT_EQ(c.netmask(), ip("255.255.255.0"));
  EXPECT_EQ(c.network(), ip("192.0.2.0"));
  EXPECT_EQ(c.broadcast(), ip("192.0.2.255"));
  EXPECT_TRUE(c.contains(ip("192.0.2.0")));
  EXPECT_TRUE(c.contains(ip("192.0.2.1")));
  EXPECT_TRUE(c.contains(ip("192.0.2.77")));
  EXPECT_TRUE(c.contains(ip("192.0.2.255")));
  EXPECT_FALSE(c.contains(ip("192.0.3.0")));
  EXPECT_FALSE(c.contains(ip("192.0.1.255")));
  EXPECT_FALSE(c.contains(ip("193.0.2.77")));

  // A non-octet boundary: 10.1.2.3/20 -> 10.1.0.0 .. 10.1.15.255.
  const Ipv4Cidr c20 = cidr("10.1.2.3/20");
  EXPECT_EQ(c20.network(), ip("10.1.0.0"));
  EXPECT_EQ(c20.broadcast(), ip("10.1.15.255"));
  EXPECT_TRUE(c20.contains(ip("10.1.15.255")));
  EXPECT_FALSE(c20.contains(ip("10.1.16.0")));

  // Two hosts are on one link when their network addresses are equal.
  EXPECT_EQ(cidr("10.0.0.5/8").network(), cidr("10.200.1.1/8").network());
  EXPECT_NE(cidr("10.0.0.5/16").network(), cidr("10.200.1.1/16").network());
}

TEST(Ipv4Cidr, EdgePrefixes) {
  // /0: everything.
  const Ipv4Cidr all = cidr("192.0.2.77/0");
  EXPECT_EQ(all.netmask(), ip("0.0.0.0"));
  EXPECT_EQ(all.network(), ip("0.0.0.0"));
  EXPECT_EQ(all.broadcast(), ip("255.255.255.255"));
  EXPECT_TRUE(all.contains(ip("0.0.0.0")));
  EXPECT_TRUE(all.contains(ip("255.255.255.255")));
  EXPECT_TRUE(all.contains(ip("8.8.8.8")));

  // /31 (RFC 3021 point-to-point): two addresses.
  const Ipv4Cidr p2p = cidr("198.51.100.7/31");
  EXPECT_EQ(p2p.netmask(), ip("255.255.255.254"));
  EXPECT_EQ(p2p.network(), ip("198.51.100.6"));
  EXPECT_EQ(p2p.broadcast(), ip("198.51.100.7"));
  EXPECT_TRUE(p2p.contains(ip("198.51.100.6")));
  EXPECT_TRUE(p2p.contains(ip("198.51.100.7")));
  EXPECT_FALSE(p2p.contains(ip("198.51.100.5")));
  EXPECT_FALSE(p2p.contains(ip("198.51.100.8")));

  // /32: the host alone.
  const Ipv4Cidr host = cidr("198.51.100.7/32");
  EXPECT_EQ(host.netmask(), ip("255.255.255.255"));
  EXPECT_EQ(host.network(), ip("198.51.100.7"));
  EXPECT_EQ(host.broadcast(), ip("198.51.100.7"));
  EXPECT_TRUE(host.contains(ip("198.51.100.7")));
  EXPECT_FALSE(host.contains(ip("198.51.100.6")));
  EXPECT_FALSE(host.contains(ip("198.51.100.8")));

  // /1: half the space.
  const Ipv4Cidr half = cidr("200.0.0.1/1");
  EXPECT_EQ(half.network(), ip("128.0.0.0"));
  EXPECT_EQ(half.broadcast(), ip("255.255.255.255"));
  EXPECT_TRUE(half.contains(ip("128.0.0.0")));
  EXPECT_FALSE(half.contains(ip("127.255.255.255")));
}

TEST(Ipv4Cidr, ContainsAgreesWithRangeOnRandomInputs) {
  Rng rng(3021);
  for (int i = 0; i < 20000; ++i) {
    const Ipv4Cidr c(Ipv4Address(rng.next_u32()), static_cast<std::uint8_t>(rng.below(33)));
    const std::uint32_t lo = c.network().to_u32();
    const std::uint32_t hi = c.broadcast().to_u32();
    ASSERT_LE(lo, hi);
    ASSERT_EQ(std::uint64_t{hi} - lo + 1, std::uint64_t{1} << (32 - c.prefix_len()));
    const std::uint32_t probe =
        rng.chance(0.5) ? static_cast<std::uint32_t>(rng.range(lo, hi)) : rng.next_u32();
    ASSERT_EQ(c.contains(Ipv4Address(probe)), probe >= lo && probe <= hi)
        << c.to_string() << " " << Ipv4Address(probe).to_string();
    ASSERT_TRUE(c.contains(c.address()));
  }
}

}  // namespace
}  // namespace ws
