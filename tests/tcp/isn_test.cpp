// IsnGenerator (RFC 6528 §3): the 4 µs timer term, the keyed hash term,
// distinct 4-tuples, advance with time, determinism.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>

#include "base/rng.hpp"
#include "tcp/isn.hpp"

namespace ws::tcp {
namespace {

const Ipv4Address kLocal(0xc0000201u);   // 192.0.2.1
const Ipv4Address kRemote(0xc6336414u);  // 198.51.100.20

Instant at_us(std::int64_t us) { return Instant::from_nanos(us * 1000); }

TEST(IsnGenerator, TimerTicksEveryFourMicroseconds) {
  EXPECT_EQ(IsnGenerator::timer_term(Instant::zero()), 0u);
  EXPECT_EQ(IsnGenerator::timer_term(Instant::from_nanos(3'999)), 0u);
  EXPECT_EQ(IsnGenerator::timer_term(at_us(4)), 1u);
  EXPECT_EQ(IsnGenerator::timer_term(at_us(1'000'000)), 250'000u);
  // It wraps with the sequence space: 2^32 ticks = 17179.869184 s (~4.77 h).
  EXPECT_EQ(IsnGenerator::timer_term(at_us(4 * (std::int64_t{1} << 32))), 0u);
  EXPECT_EQ(IsnGenerator::timer_term(at_us(4 * (std::int64_t{1} << 32) + 8)), 2u);
  // Before the driver's epoch: floor, so time still only moves forward.
  EXPECT_EQ(IsnGenerator::timer_term(Instant::from_nanos(-1)), 0xffffffffu);
  EXPECT_EQ(IsnGenerator::timer_term(Instant::from_nanos(-4'000)), 0xffffffffu);
  EXPECT_EQ(IsnGenerator::timer_term(Instant::from_nanos(-4'001)), 0xfffffffeu);
}

TEST(IsnGenerator, SameTupleAdvancesAt250000PerSecond) {
  const IsnGenerator g(SipKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  const Instant t0 = Instant::from_nanos(123'456'788'000);
  const SeqNum a = g.generate(t0, kLocal, 40000, kRemote, 80);
  const SeqNum b = g.generate(t0 + Duration::seconds(1), kLocal, 40000, kRemote, 80);
  const SeqNum c = g.generate(t0 + Duration::micros(4), kLocal, 40000, kRemote, 80);
  const SeqNum d = g.generate(t0 + Duration::micros(3), kLocal, 40000, kRemote, 80);
  EXPECT_EQ(b - a, 250'000);
  EXPECT_EQ(c - a, 1);
  EXPECT_TRUE(a.before(b));  // a new incarnation starts above the old one
  EXPECT_EQ(d - a, 0);       // within one tick: the same ISN (t0 is tick-aligned)
  // Across the wrap the difference is still the elapsed ticks, mod 2^32.
  const SeqNum e = g.generate(t0 + Duration::seconds(20'000), kLocal, 40000, kRemote, 80);
  EXPECT_EQ(e.raw() - a.raw(), static_cast<std::uint32_t>(20'000ULL * 250'000ULL));
}

TEST(IsnGenerator, IsTheHashPlusTheTimer) {
  const SipKey key{11, 22};
  const IsnGenerator g(key);
  std::array<std::uint8_t, 12> msg{0xc0, 0x00, 0x02, 0x01, 0x9c, 0x40,   // 192.0.2.1:40000
                                   0xc6, 0x33, 0x64, 0x14, 0x00, 0x50};  // 198.51.100.20:80
  const auto f = static_cast<std::uint32_t>(siphash24(key, msg));
  EXPECT_EQ(g.hash_term(kLocal, 40000, kRemote, 80), f);
  const Instant t = at_us(4 * 1000);
  EXPECT_EQ(g.generate(t, kLocal, 40000, kRemote, 80), SeqNum(f + 1000));
}

TEST(IsnGenerator, DifferentTuplesGetUnrelatedIsns) {
  const IsnGenerator g(SipKey{1, 2});
  const Instant t = at_us(777);
  const SeqNum base = g.generate(t, kLocal, 40000, kRemote, 80);
  // Each field on its own changes the ISN.
  EXPECT_NE(g.generate(t, Ipv4Address(0xc0000202u), 40000, kRemote, 80), base);
  EXPECT_NE(g.generate(t, kLocal, 40001, kRemote, 80), base);
  EXPECT_NE(g.generate(t, kLocal, 40000, Ipv4Address(0xc6336415u), 80), base);
  EXPECT_NE(g.generate(t, kLocal, 40000, kRemote, 81), base);
  // Swapping the ends is a different connection's view.
  EXPECT_NE(g.generate(t, kRemote, 80, kLocal, 40000), base);
  // Consecutive ephemeral ports: no visible pattern (all distinct, and not
  // a constant step as a plain counter would give).
  std::set<std::uint32_t> seen;
  std::set<std::int32_t> steps;
  SeqNum prev = base;
  for (std::uint16_t port = 40001; port < 42001; ++port) {
    const SeqNum isn = g.generate(t, kLocal, port, kRemote, 80);
    seen.insert(isn.raw());
    steps.insert(isn - prev);
    prev = isn;
  }
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_GT(steps.size(), 1990u);
}

TEST(IsnGenerator, DeterministicForAKey) {
  const IsnGenerator a(SipKey{5, 6});
  const IsnGenerator b(SipKey{5, 6});
  const IsnGenerator other(SipKey{5, 7});
  const Instant t = at_us(1'000'000);
  EXPECT_EQ(a.generate(t, kLocal, 1234, kRemote, 22), b.generate(t, kLocal, 1234, kRemote, 22));
  EXPECT_NE(a.generate(t, kLocal, 1234, kRemote, 22), other.generate(t, kLocal, 1234, kRemote, 22));
}

TEST(IsnGenerator, KeyFromTheHostRng) {
  Rng r1(2024);
  Rng r2(2024);
  Rng r3(2025);
  const SipKey k1 = IsnGenerator::make_key(r1);
  EXPECT_EQ(k1, IsnGenerator::make_key(r2));  // the same seed replays the same ISNs
  EXPECT_NE(k1, IsnGenerator::make_key(r3));
  EXPECT_NE(k1.k0, k1.k1);
}

}  // namespace
}  // namespace ws::tcp
