// Reassembler: in-order delivery, out-of-order holding, duplicate and
// overlap trimming, the window bound, the FIN, SACK block order, the range
// cap, adversarial floods of tiny segments, and a randomized end-to-end
// comparison against the original stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/rng.hpp"
#include "tcp/reassembler.hpp"

namespace ws::tcp {
namespace {

// A stream whose byte at offset i is a function of i, so any misplaced byte shows.
std::vector<std::uint8_t> make_stream(std::size_t n) {
  std::vector<std::uint8_t> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<std::uint8_t>((i * 131 + i / 256) & 0xff);
  return s;
}

// Inserts stream[off, off + len) at base + off.
InsertResult put(Reassembler& r, SeqNum base, const std::vector<std::uint8_t>& stream,
                 std::size_t off, std::size_t len, bool fin = false) {
  return r.insert(base + static_cast<std::uint32_t>(off), Bytes(stream.data() + off, len), fin);
}

std::vector<std::uint8_t> read_all(Reassembler& r) {
  std::vector<std::uint8_t> out(r.buffered());
  EXPECT_EQ(r.read(out), out.size());
  return out;
}

std::vector<SackBlock> sacks(const Reassembler& r, std::size_t max = 4) {
  std::vector<SackBlock> out(max);
  out.resize(r.sack_blocks(out));
  return out;
}

SackBlock block(SeqNum base, std::uint32_t from, std::uint32_t to) {
  return SackBlock{base + from, base + to};
}

const SeqNum kBase(1'000'000);

TEST(Reassembler, DeliversInOrderData) {
  const auto s = make_stream(100);
  Reassembler r(1000, kBase);
  EXPECT_EQ(r.rcv_nxt(), kBase);
  EXPECT_EQ(r.window(), 1000u);
  const InsertResult res = put(r, kBase, s, 0, 40);
  EXPECT_EQ(res.in_order, 40u);
  EXPECT_EQ(res.new_bytes, 40u);
  EXPECT_FALSE(res.out_of_order);
  EXPECT_FALSE(res.fin_reached);
  EXPECT_EQ(r.rcv_nxt(), kBase + 40);
  EXPECT_EQ(r.buffered(), 40u);
  EXPECT_EQ(r.window(), 960u);  // unread bytes take window space

  std::uint8_t out[25];
  EXPECT_EQ(r.read(out), 25u);
  EXPECT_TRUE(std::equal(out, out + 25, s.begin()));
  EXPECT_EQ(r.window(), 985u);
  const InsertResult empty = r.insert(kBase + 40, {}, false);  // a pure ACK's empty text
  EXPECT_EQ(empty.in_order + empty.new_bytes, 0u);
  EXPECT_FALSE(empty.out_of_order || empty.fin_reached);
  EXPECT_EQ(put(r, kBase, s, 40, 60).in_order, 60u);
  const auto rest = read_all(r);
  EXPECT_TRUE(std::equal(rest.begin(), rest.end(), s.begin() + 25));
  EXPECT_EQ(r.window(), 1000u);
}

TEST(Reassembler, HoldsOutOfOrderUntilTheGapFills) {
  const auto s = make_stream(30);
  Reassembler r(1000, kBase);
  InsertResult res = put(r, kBase, s, 20, 10);
  EXPECT_EQ(res.in_order, 0u);
  EXPECT_EQ(res.new_bytes, 10u);
  EXPECT_TRUE(res.out_of_order);
  res = put(r, kBase, s, 10, 5);
  EXPECT_TRUE(res.out_of_order);
  EXPECT_EQ(r.rcv_nxt(), kBase);
  EXPECT_EQ(r.buffered(), 0u);
  EXPECT_EQ(r.held_bytes(), 15u);
  EXPECT_EQ(r.held_ranges(), 2u);
  EXPECT_EQ(r.window(), 1000u);  // held bytes lie inside the window; they do not shrink it

  res = put(r, kBase, s, 0, 10);  // fills [0,10), reaches [10,15)
  EXPECT_EQ(res.in_order, 15u);
  EXPECT_FALSE(res.out_of_order);
  EXPECT_EQ(r.rcv_nxt(), kBase + 15);
  EXPECT_EQ(r.held_ranges(), 1u);
  res = put(r, kBase, s, 15, 5);  // fills [15,20), reaches [20,30)
  EXPECT_EQ(res.in_order, 15u);
  EXPECT_EQ(r.rcv_nxt(), kBase + 30);
  EXPECT_EQ(r.held_ranges(), 0u);
  EXPECT_EQ(read_all(r), s);
}

TEST(Reassembler, DropsDuplicatesAndTrimsOverlaps) {
  const auto s = make_stream(40);
  Reassembler r(1000, kBase);
  ASSERT_EQ(put(r, kBase, s, 0, 10).in_order, 10u);
  InsertResult res = put(r, kBase, s, 0, 10);  // an exact duplicate
  EXPECT_EQ(res.in_order, 0u);
  EXPECT_EQ(res.new_bytes, 0u);
  EXPECT_EQ(r.stats().duplicate_bytes, 10u);
  res = put(r, kBase, s, 5, 10);  // straddles RCV.NXT: front trimmed
  EXPECT_EQ(res.in_order, 5u);
  EXPECT_EQ(res.new_bytes, 5u);
  EXPECT_EQ(r.stats().duplicate_bytes, 15u);

  // Overlaps with held ranges: only the gaps are new.
  ASSERT_EQ(put(r, kBase, s, 20, 5).new_bytes, 5u);  // [20,25)
  ASSERT_EQ(put(r, kBase, s, 30, 5).new_bytes, 5u);  // [30,35)
  res = put(r, kBase, s, 22, 12);                    // [22,34): new [25,30)
  EXPECT_EQ(res.new_bytes, 5u);
  EXPECT_EQ(r.held_ranges(), 1u);
  EXPECT_EQ(sacks(r), (std::vector<SackBlock>{block(kBase, 20, 35)}));
  res = put(r, kBase, s, 21, 3);  // inside a held range
  EXPECT_EQ(res.new_bytes, 0u);
  EXPECT_TRUE(res.out_of_order);
  EXPECT_EQ(r.stats().duplicate_bytes, 15u + 7u + 3u);

  ASSERT_EQ(put(r, kBase, s, 15, 25).in_order, 25u);  // [15,40): new [15,20) and [35,40)
  EXPECT_EQ(read_all(r), s);
  EXPECT_EQ(r.held_ranges(), 0u);
}

TEST(Reassembler, AdjacentRangesMerge) {
  const auto s = make_stream(40);
  Reassembler r(1000, kBase);
  put(r, kBase, s, 10, 10);
  put(r, kBase, s, 30, 10);
  put(r, kBase, s, 20, 10);  // touches both
  EXPECT_EQ(r.held_ranges(), 1u);
  EXPECT_EQ(sacks(r), (std::vector<SackBlock>{block(kBase, 10, 40)}));
}

TEST(Reassembler, NeverStoresBeyondTheWindow) {
  const auto s = make_stream(300);
  Reassembler r(100, kBase);
  InsertResult res = put(r, kBase, s, 90, 20);  // [90,110): 10 bytes beyond
  EXPECT_EQ(res.new_bytes, 10u);
  EXPECT_EQ(r.stats().beyond_window_bytes, 10u);
  res = put(r, kBase, s, 100, 50);  // entirely beyond
  EXPECT_EQ(res.new_bytes, 0u);
  EXPECT_FALSE(res.out_of_order);
  EXPECT_EQ(r.stats().beyond_window_bytes, 60u);
  EXPECT_EQ(sacks(r), (std::vector<SackBlock>{block(kBase, 90, 100)}));

  ASSERT_EQ(put(r, kBase, s, 0, 90).in_order, 100u);
  EXPECT_EQ(r.window(), 0u);
  EXPECT_EQ(put(r, kBase, s, 100, 1).new_bytes, 0u);  // zero window: nothing fits
  EXPECT_LE(r.allocated(), 100u);

  std::uint8_t out[30];
  ASSERT_EQ(r.read(out), 30u);
  EXPECT_EQ(r.window(), 30u);  // reading opens the window again
  res = put(r, kBase, s, 100, 50);
  EXPECT_EQ(res.in_order, 30u);
  EXPECT_EQ(r.rcv_nxt(), kBase + 130);
  EXPECT_LE(r.allocated(), 100u);
  std::vector<std::uint8_t> got(out, out + 30);
  const auto rest = read_all(r);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, std::vector<std::uint8_t>(s.begin(), s.begin() + 130));
}

TEST(Reassembler, FinInOrder) {
  const auto s = make_stream(10);
  Reassembler r(100, kBase);
  const InsertResult res = put(r, kBase, s, 0, 10, /*fin=*/true);
  EXPECT_EQ(res.in_order, 10u);
  EXPECT_TRUE(res.fin_reached);
  EXPECT_TRUE(r.fin_received());
  EXPECT_EQ(r.fin_seq(), kBase + 10);
  EXPECT_EQ(r.rcv_nxt(), kBase + 11);  // the FIN takes one sequence number
  EXPECT_EQ(read_all(r), s);
  // A retransmitted FIN changes nothing.
  const InsertResult again = put(r, kBase, s, 0, 10, true);
  EXPECT_FALSE(again.fin_reached);
  EXPECT_EQ(r.rcv_nxt(), kBase + 11);
  EXPECT_EQ(r.stats().duplicate_bytes, 10u);
}

TEST(Reassembler, FinOutOfOrder) {
  const auto s = make_stream(20);
  Reassembler r(100, kBase);
  InsertResult res = put(r, kBase, s, 10, 10, true);
  EXPECT_FALSE(res.fin_reached);
  EXPECT_TRUE(res.out_of_order);
  EXPECT_EQ(r.fin_seq(), kBase + 20);
  EXPECT_FALSE(r.fin_received());
  EXPECT_EQ(r.rcv_nxt(), kBase);
  res = put(r, kBase, s, 0, 10);
  EXPECT_EQ(res.in_order, 20u);
  EXPECT_TRUE(res.fin_reached);
  EXPECT_EQ(r.rcv_nxt(), kBase + 21);
  EXPECT_EQ(read_all(r), s);
}

TEST(Reassembler, BareFinAtTheEdgeOfAFullWindow) {
  const auto s = make_stream(50);
  Reassembler r(50, kBase);
  ASSERT_EQ(put(r, kBase, s, 0, 50).in_order, 50u);
  ASSERT_EQ(r.window(), 0u);
  // The FIN needs no buffer space, so it is taken even with the window shut.
  const InsertResult res = r.insert(kBase + 50, {}, true);
  EXPECT_TRUE(res.fin_reached);
  EXPECT_EQ(r.rcv_nxt(), kBase + 51);
}

TEST(Reassembler, FinBeyondTheWindowIsIgnored) {
  const auto s = make_stream(200);
  Reassembler r(100, kBase);
  const InsertResult res = put(r, kBase, s, 50, 100, true);  // ends at 150 > 100
  EXPECT_EQ(res.new_bytes, 50u);
  EXPECT_FALSE(r.fin_seq());
  EXPECT_EQ(r.stats().fins_beyond_window, 1u);
}

TEST(Reassembler, NothingAfterTheFin) {
  const auto s = make_stream(40);
  Reassembler r(100, kBase);
  put(r, kBase, s, 10, 10, true);                     // FIN at 20
  const InsertResult res = put(r, kBase, s, 15, 20);  // [15,35): [20,35) is past the FIN
  EXPECT_EQ(res.new_bytes, 0u);
  EXPECT_EQ(r.stats().beyond_fin_bytes, 15u);
  put(r, kBase, s, 0, 30, true);  // a FIN at 30 contradicts the one at 20
  EXPECT_EQ(r.stats().conflicting_fins, 1u);
  EXPECT_TRUE(r.fin_received());
  EXPECT_EQ(r.rcv_nxt(), kBase + 21);
  EXPECT_EQ(read_all(r), std::vector<std::uint8_t>(s.begin(), s.begin() + 20));
  // After the FIN: data before it is a duplicate, after it is dropped.
  put(r, kBase, s, 18, 10);
  EXPECT_EQ(r.stats().beyond_fin_bytes, 15u + 10u + 8u);
}

TEST(Reassembler, FinContradictingHeldDataIsIgnored) {
  const auto s = make_stream(40);
  Reassembler r(100, kBase);
  put(r, kBase, s, 20, 10);        // held up to 30
  r.insert(kBase + 25, {}, true);  // a FIN at 25 cannot be
  EXPECT_FALSE(r.fin_seq());
  EXPECT_EQ(r.stats().conflicting_fins, 1u);
}

TEST(Reassembler, SackBlocksMostRecentFirst) {
  const auto s = make_stream(200);
  Reassembler r(1000, kBase);
  put(r, kBase, s, 10, 10);
  put(r, kBase, s, 30, 10);
  put(r, kBase, s, 50, 10);
  EXPECT_EQ(sacks(r), (std::vector<SackBlock>{block(kBase, 50, 60), block(kBase, 30, 40),
                                              block(kBase, 10, 20)}));
  // RFC 2018 §4: the block holding the segment that triggered the ACK comes first.
  put(r, kBase, s, 40, 5);  // extends [30,40) to [30,45)
  EXPECT_EQ(sacks(r), (std::vector<SackBlock>{block(kBase, 30, 45), block(kBase, 50, 60),
                                              block(kBase, 10, 20)}));
  put(r, kBase, s, 12, 2);  // a duplicate inside [10,20) still makes it the latest
  EXPECT_EQ(sacks(r).front(), block(kBase, 10, 20));

  put(r, kBase, s, 70, 10);
  put(r, kBase, s, 90, 10);
  put(r, kBase, s, 110, 10);
  EXPECT_EQ(r.held_ranges(), 6u);
  EXPECT_EQ(sacks(r, 8), (std::vector<SackBlock>{block(kBase, 110, 120), block(kBase, 90, 100),
                                                 block(kBase, 70, 80), block(kBase, 10, 20)}));
  EXPECT_EQ(sacks(r, 3).size(), 3u);  // room for 3 when timestamps are on

  put(r, kBase, s, 0, 10);  // [0,20) in order: that block is gone
  for (const SackBlock& b : sacks(r)) EXPECT_NE(b, block(kBase, 10, 20));
  EXPECT_EQ(r.rcv_nxt(), kBase + 20);
}

// A large buffer holds more holes than the default cap: one range per
// 8 KiB of capacity (a 4 MiB window at 1 % loss has ~29 holes, and loss
// bursts many more; at 128 such a window reneged).
TEST(Reassembler, ALargeBufferHoldsMoreRanges) {
  constexpr std::size_t kCap = 4u << 20;
  const auto s = make_stream(600 * 20);
  Reassembler r(kCap, kBase);
  for (std::uint32_t i = 0; i < 600; ++i) put(r, kBase, s, 20 + 20 * i, 5);
  EXPECT_EQ(r.held_ranges(), 512u);  // 4 MiB / 8 KiB
  EXPECT_EQ(r.stats().range_limit_drops, 600u - 512u);
  EXPECT_EQ(r.stats().reneged_bytes, 0u);
}

TEST(Reassembler, RangeCapDropsOrReneges) {
  const auto s = make_stream(200);
  Reassembler r(1000, kBase, /*max_ranges=*/4);
  for (std::uint32_t i = 0; i < 4; ++i) put(r, kBase, s, 20 + 20 * i, 5);  // 20,40,60,80
  EXPECT_EQ(r.held_ranges(), 4u);
  // Past the last range: dropped.
  EXPECT_EQ(put(r, kBase, s, 100, 5).new_bytes, 0u);
  EXPECT_EQ(r.stats().range_limit_drops, 1u);
  // Merging with a held range needs no new range: accepted.
  EXPECT_EQ(put(r, kBase, s, 85, 5).new_bytes, 5u);
  // Before the last range: the last one ([80,90)) is reneged to make room.
  EXPECT_EQ(put(r, kBase, s, 10, 5).new_bytes, 5u);
  EXPECT_EQ(r.stats().reneged_bytes, 10u);
  EXPECT_EQ(r.held_ranges(), 4u);
  EXPECT_EQ(sacks(r).front(), block(kBase, 10, 15));
  // In-order data is always accepted.
  EXPECT_EQ(put(r, kBase, s, 0, 10).in_order, 15u);
}

TEST(Reassembler, SequenceNumbersWrap) {
  const SeqNum base(0xfffffff0u);
  const auto s = make_stream(64);
  Reassembler r(100, base);
  put(r, base, s, 32, 32, true);
  put(r, base, s, 8, 16);
  EXPECT_EQ(sacks(r), (std::vector<SackBlock>{block(base, 8, 24), block(base, 32, 64)}));
  put(r, base, s, 0, 8);
  put(r, base, s, 24, 8);
  EXPECT_TRUE(r.fin_received());
  EXPECT_EQ(r.rcv_nxt(), SeqNum(0x31u));
  EXPECT_EQ(read_all(r), s);
}

TEST(Reassembler, ZeroCopyReadAndConsume) {
  const auto s = make_stream(50);
  Reassembler r(64, kBase);
  put(r, kBase, s, 0, 40);
  std::uint8_t sink[30];
  ASSERT_EQ(r.read(sink), 30u);
  put(r, kBase, s, 40, 10);  // the ring wraps: [30,50) may be two spans
  const ByteSpans v = r.readable();
  EXPECT_EQ(v.size(), 20u);
  std::vector<std::uint8_t> got(v.first.begin(), v.first.end());
  got.insert(got.end(), v.second.begin(), v.second.end());
  EXPECT_EQ(got, std::vector<std::uint8_t>(s.begin() + 30, s.end()));
  r.consume(15);
  EXPECT_EQ(r.buffered(), 5u);
  r.consume(100);  // clamped
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(Reassembler, ShrinkingCapacityRenegesHeldDataBeyondTheWindow) {
  const auto s = make_stream(400);
  Reassembler r(400, kBase);
  put(r, kBase, s, 0, 100);
  put(r, kBase, s, 150, 50);                // [150,200)
  put(r, kBase, s, 250, 50);                // [250,300)
  r.set_capacity(280);                      // window 180 from RCV.NXT = 100: up to offset 280
  EXPECT_EQ(r.stats().reneged_bytes, 20u);  // [280,300)
  EXPECT_EQ(sacks(r), (std::vector<SackBlock>{block(kBase, 250, 280), block(kBase, 150, 200)}));
  r.set_capacity(150);  // window 50: up to 150
  EXPECT_EQ(r.held_ranges(), 0u);
  EXPECT_EQ(r.window(), 50u);
  r.set_capacity(50);  // below what is buffered: window 0, the data stays
  EXPECT_EQ(r.window(), 0u);
  EXPECT_EQ(r.buffered(), 100u);
  EXPECT_EQ(read_all(r), std::vector<std::uint8_t>(s.begin(), s.begin() + 100));
  EXPECT_LE(r.allocated(), 50u);  // memory given back once the data was read
  EXPECT_EQ(r.window(), 50u);
}

TEST(Reassembler, ResetStartsAFreshStream) {
  const auto s = make_stream(20);
  Reassembler r(100, kBase);
  put(r, kBase, s, 5, 5, true);
  r.reset(SeqNum(77));
  EXPECT_EQ(r.rcv_nxt(), SeqNum(77));
  EXPECT_EQ(r.held_ranges(), 0u);
  EXPECT_FALSE(r.fin_seq());
  EXPECT_EQ(put(r, SeqNum(77), s, 0, 20).in_order, 20u);
  EXPECT_EQ(read_all(r), s);
}

// Adversarial input: a flood of tiny segments at random places in the
// window, many overlapping. Memory stays within the capacity and the range
// cap; time stays linear; the stream still comes out right.
TEST(Reassembler, FloodOfTinySegmentsStaysBounded) {
  constexpr std::size_t kWindow = 64 * 1024;
  const auto s = make_stream(kWindow);
  Reassembler r(kWindow, kBase);
  Rng rng(7);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 200'000; ++i) {
    const std::size_t off = 1 + rng.below(kWindow - 4);  // never offset 0: all held
    put(r, kBase, s, off, 1 + rng.below(3));
    ASSERT_LE(r.held_ranges(), Reassembler::kDefaultMaxRanges);
  }
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  // Generous even under sanitizers: the work per segment is O(log n + cap).
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  EXPECT_LE(r.allocated(), kWindow);
  EXPECT_LE(r.held_bytes(), kWindow);
  EXPECT_EQ(r.rcv_nxt(), kBase);
  // Whatever was held or reneged, the complete stream is what comes out.
  ASSERT_EQ(put(r, kBase, s, 0, kWindow).in_order, kWindow);
  EXPECT_EQ(read_all(r), s);
}

// Descending overlapping 2-byte segments: each one merges into the single
// held range, so the range count stays at one and each byte is copied once.
TEST(Reassembler, DescendingOverlapsMergeIntoOneRange) {
  constexpr std::size_t kLen = 20'000;
  const auto s = make_stream(kLen);
  Reassembler r(kLen, kBase);
  std::size_t copied = 0;
  for (std::size_t off = kLen - 2; off >= 1; --off) {
    copied += put(r, kBase, s, off, 2).new_bytes;
    ASSERT_EQ(r.held_ranges(), 1u);
  }
  EXPECT_EQ(copied, kLen - 1);
  EXPECT_EQ(r.stats().duplicate_bytes, kLen - 3);  // one byte of each 2-byte segment but the first
  const InsertResult res = put(r, kBase, s, 0, 1);
  EXPECT_EQ(res.in_order, kLen);
  EXPECT_EQ(read_all(r), s);
}

// A segment storm with every offset as its own range, the cap reached
// constantly: work stays bounded and in-order delivery keeps going.
TEST(Reassembler, AlternatingBytesAtTheRangeCap) {
  constexpr std::size_t kWindow = 32 * 1024;
  const auto s = make_stream(kWindow);
  Reassembler r(kWindow, kBase, /*max_ranges=*/16);
  for (std::size_t off = kWindow - 2; off >= 2; off -= 2) put(r, kBase, s, off, 1);
  EXPECT_EQ(r.held_ranges(), 16u);
  EXPECT_GT(r.stats().reneged_bytes, 0u);
  ASSERT_EQ(put(r, kBase, s, 0, kWindow).in_order, kWindow);
  EXPECT_EQ(read_all(r), s);
}

// End to end: a stream cut into segments, delivered shuffled with
// duplicates, overlaps and retransmissions, with the application reading
// at random. What comes out must be the stream, and the FIN must land.
TEST(Reassembler, RandomDeliveryReproducesTheStream) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    const std::size_t total = 20'000 + rng.below(20'000);
    const auto s = make_stream(total);
    const SeqNum base(static_cast<std::uint32_t>(rng.next_u32()));
    const std::size_t capacity = 2'000 + rng.below(8'000);
    Reassembler r(capacity, base, 1 + rng.below(40));
    std::vector<std::uint8_t> out;
    std::vector<std::uint8_t> buf(4096);
    int rounds = 0;
    while (!r.fin_received()) {
      ASSERT_LT(++rounds, 100'000) << "seed " << seed;
      // A sender with a window's worth of segments in flight: pick any
      // segment from RCV.NXT - 500 to RCV.NXT + window + 500.
      const std::size_t nxt = static_cast<std::size_t>(r.rcv_nxt() - base);
      const std::size_t lo = nxt > 500 ? nxt - 500 : 0;
      const std::size_t hi = std::min(total, nxt + r.window() + 500);
      const std::size_t off = lo + rng.below(hi - lo + 1);
      const std::size_t len = std::min(total - off, std::size_t{1} + rng.below(1460));
      const bool fin = off + len == total;
      const InsertResult res = put(r, base, s, off, len, fin);
      ASSERT_LE(res.new_bytes, len);
      ASSERT_LE(r.allocated(), capacity);
      ASSERT_LE(r.buffered() + r.held_bytes(), capacity);
      if (rng.chance(0.3)) {
        const std::size_t n = r.read(MutBytes(buf.data(), rng.below(buf.size())));
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      }
    }
    const auto rest = read_all(r);
    out.insert(out.end(), rest.begin(), rest.end());
    ASSERT_EQ(out, s) << "seed " << seed;
    EXPECT_EQ(r.rcv_nxt(), base + static_cast<std::uint32_t>(total + 1));
  }
}

}  // namespace
}  // namespace ws::tcp
