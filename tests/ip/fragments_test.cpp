// Tests for IPv4 fragmentation and reassembly (RFC 791 §3.2, RFC 1122
// §3.3.2, RFC 5722 overlap policy): round trips in every order, duplicates,
// overlaps, timeouts, memory bounds, malformed fragments, option copying and
// buffer-pool failure. Random cases use fixed seeds, so failures replay.
#include "ip/fragments.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/rng.hpp"
#include "fragment_helpers.hpp"

namespace ws {
namespace {

using namespace testing::fragments;  // NOLINT: the helpers of fragment_helpers.hpp

// Checks the fragments of `original` field by field (RFC 791 §3.2).
void check_fragments(const Datagram& original, const std::vector<Datagram>& frags,
                     std::size_t mtu) {
  const Ipv4Header o = header_of(original);
  std::size_t next_offset = o.frag_offset;
  for (std::size_t i = 0; i < frags.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "fragment " << i);
    const Ipv4Header h = header_of(frags[i]);
    const bool last = i + 1 == frags.size();
    EXPECT_LE(frags[i].size(), mtu);
    EXPECT_EQ(h.total_len(), frags[i].size());
    EXPECT_EQ(h.frag_offset, next_offset);
    EXPECT_EQ(h.more_frags, !last || o.more_frags);
    if (!last) {
      EXPECT_EQ(h.payload_len % 8, 0);
      EXPECT_GT(h.total_len() + 8, mtu);  // as much data as fits
    }
    EXPECT_EQ(h.ident, o.ident);
    EXPECT_EQ(h.protocol, o.protocol);
    EXPECT_EQ(h.src, o.src);
    EXPECT_EQ(h.dst, o.dst);
    EXPECT_EQ(h.ttl, o.ttl);
    EXPECT_EQ(h.dscp, o.dscp);
    EXPECT_FALSE(h.dont_frag);
    next_offset += h.payload_len;
  }
  EXPECT_EQ(next_offset, o.frag_offset + o.payload_len);
}

// ---------------------------------------------------------------------------
// Fragmentation

TEST(Fragmentation, RoundTrip60000BytesAtCommonMtus) {
  Rng rng(1);
  const Datagram original = make_datagram(rng, 60000);
  for (const std::size_t mtu : {1500u, 576u}) {
    SCOPED_TRACE(::testing::Message() << "mtu " << mtu);
    const auto frags = fragment(original, mtu);
    const std::size_t per = (mtu - 20) / 8 * 8;
    EXPECT_EQ(frags.size(), (60000 + per - 1) / per);
    check_fragments(original, frags, mtu);
    Reassembler r;
    const Datagram back = reassemble(r, frags);
    // The original was unfragmented, so nothing is normalised: byte-identical.
    EXPECT_EQ(back, original);
    const Ipv4Header h = header_of(back);
    EXPECT_FALSE(h.more_frags);
    EXPECT_EQ(h.frag_offset, 0);
    EXPECT_EQ(h.total_len(), 60020u);
    EXPECT_EQ(r.stats().datagrams_reassembled, 1u);
    EXPECT_EQ(r.stats().fragments_received, frags.size());
    EXPECT_EQ(r.memory_used(), 0u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
    EXPECT_EQ(r.poll_at(), Instant::never());
  }
}

TEST(Fragmentation, OptionsCopyRules) {
  // NOP (not copied), Record Route (7: not copied), LSRR (0x83: copied), EOL.
  const Datagram options = {1, 7, 7, 4, 0, 0, 0, 0, 0x83, 7, 4, 10, 0, 0, 1, 0};
  Rng rng(2);
  const Datagram original = make_datagram(rng, 300, options);
  const auto frags = fragment(original, 100);
  check_fragments(original, frags, 100);
  const Ipv4Header first = header_of(frags[0]);
  EXPECT_EQ(Datagram(first.options.begin(), first.options.end()), options);
  EXPECT_EQ(first.payload_len, 64);                      // (100 - 36) / 8 * 8
  const Datagram copied = {0x83, 7, 4, 10, 0, 0, 1, 0};  // LSRR, EOL-padded to 8
  for (std::size_t i = 1; i < frags.size(); ++i) {
    const Ipv4Header h = header_of(frags[i]);
    EXPECT_EQ(Datagram(h.options.begin(), h.options.end()), copied) << "fragment " << i;
    if (i + 1 < frags.size()) {
      EXPECT_EQ(h.payload_len, 72) << "fragment " << i;  // (100 - 28) / 8 * 8
    }
  }
  Reassembler r;
  EXPECT_EQ(reassemble(r, frags), original);  // fragment zero's header: all options
}

TEST(Fragmentation, NoCopiedOptionsMeansPlainLaterHeaders) {
  // Timestamp (0x44) and Record Route are first-fragment only; Security (0x82) is copied.
  const Datagram ts = {0x44, 8, 5, 0, 0, 0, 0, 0};
  Rng rng(3);
  const auto frags = fragment(make_datagram(rng, 200, ts), 60);
  for (std::size_t i = 1; i < frags.size(); ++i) EXPECT_EQ(header_of(frags[i]).header_len(), 20u);

  const Datagram sec = {0x82, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto frags2 = fragment(make_datagram(rng, 200, sec), 60);
  for (std::size_t i = 1; i < frags2.size(); ++i) {
    const Ipv4Header h = header_of(frags2[i]);
    EXPECT_EQ(Datagram(h.options.begin(), h.options.end()), sec);
  }
  // A malformed option list (length 0) ends the copy; fragmenting still works.
  const Datagram broken = {0x82, 0, 0, 0};
  const Datagram original = make_datagram(rng, 200, broken);
  const auto frags3 = fragment(original, 60);
  ASSERT_GT(frags3.size(), 1u);
  EXPECT_EQ(header_of(frags3[1]).header_len(), 20u);
  Reassembler r;
  EXPECT_EQ(reassemble(r, frags3), original);
}

TEST(Fragmentation, TinyMtuCarriesEightBytesPerFragment) {
  Rng rng(4);
  const Datagram original = make_datagram(rng, 100);
  auto frags = fragment(original, 28);
  ASSERT_EQ(frags.size(), 13u);  // 12 x 8 + 4
  check_fragments(original, frags, 28);
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) EXPECT_EQ(header_of(frags[i]).payload_len, 8);
  EXPECT_EQ(header_of(frags.back()).payload_len, 4);
  shuffle(rng, frags);
  Reassembler r;
  EXPECT_EQ(reassemble(r, frags), original);
}

TEST(Fragmentation, RejectsMtuTooSmall) {
  Rng rng(5);
  BufferPool pool(2048, 64);
  std::vector<PacketRef> out;
  const Datagram plain = make_datagram(rng, 100);
  EXPECT_FALSE(fragment_datagram(plain, 27, pool, out));  // 20 + 8 does not fit
  EXPECT_FALSE(fragment_datagram(plain, 0, pool, out));
  const Datagram with_options = make_datagram(rng, 100, Datagram(16, 1));  // 16 NOPs
  EXPECT_FALSE(fragment_datagram(with_options, 43, pool, out));
  EXPECT_TRUE(fragment_datagram(with_options, 44, pool, out));  // 36 + 8
  EXPECT_EQ(out.size(), 5u);  // 8 bytes under the 36-byte header, then 24, 24, 24 and 20
  out.clear();
  EXPECT_EQ(pool.outstanding(), 0u);
}

TEST(Fragmentation, PoolExhaustionAppendsNothing) {
  Rng rng(6);
  const Datagram original = make_datagram(rng, 60000);
  BufferPool pool(2048, 10);
  std::vector<PacketRef> out;
  out.push_back(pool.acquire());  // someone else's packet, to be left alone
  EXPECT_FALSE(fragment_datagram(original, 1500, pool, out));  // needs 41 buffers
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(pool.outstanding(), 1u);
  EXPECT_GT(pool.exhausted_count(), 0u);
  out.clear();
  EXPECT_EQ(pool.outstanding(), 0u);

  // Buffers too small for the MTU fail the same way.
  BufferPool small(600, 100);
  EXPECT_FALSE(fragment_datagram(original, 1500, small, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(small.outstanding(), 0u);
  // And a whole datagram that fits but finds no buffer.
  BufferPool none(2048, 0);
  EXPECT_FALSE(fragment_datagram(make_datagram(rng, 10), 1500, none, out));
  EXPECT_TRUE(out.empty());
}

TEST(Fragmentation, FragmentingAFragment) {
  Rng rng(7);
  const Datagram original = make_datagram(rng, 3000);
  const auto frags = fragment(original, 1500);
  ASSERT_EQ(frags.size(), 3u);
  // A router with a smaller MTU refragments the first two (RFC 791 §3.2).
  const auto a = fragment(frags[0], 576);
  const auto b = fragment(frags[1], 300);
  check_fragments(frags[0], a, 576);
  check_fragments(frags[1], b, 300);
  EXPECT_EQ(header_of(b.front()).frag_offset, 1480);
  for (const auto& f : b) EXPECT_TRUE(header_of(f).more_frags);
  std::vector<Datagram> all = a;
  all.insert(all.end(), b.begin(), b.end());
  all.push_back(frags[2]);
  shuffle(rng, all);
  Reassembler r;
  EXPECT_EQ(reassemble(r, all), original);
}

TEST(Fragmentation, SmallDatagramPassesWholeAndDontFragmentIsRefused) {
  Rng rng(8);
  Ipv4Header h = base_header();
  h.dont_frag = true;
  const Datagram small = emit(h, random_bytes(rng, 100));
  EXPECT_EQ(fragment(small, 120), std::vector<Datagram>{small});
  EXPECT_EQ(fragment(small, 1500), std::vector<Datagram>{small});
  BufferPool pool(2048, 8);
  std::vector<PacketRef> out;
  EXPECT_FALSE(fragment_datagram(small, 119, pool, out));  // DF set, too big
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(pool.outstanding(), 0u);
}

// ---------------------------------------------------------------------------
// Reassembly: order, duplicates, overlaps

TEST(Reassembly, AnyOrderInOrderReversedShuffled) {
  Rng rng(9);
  for (int iter = 0; iter < 300; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    const Datagram options = iter % 3 == 0 ? Datagram{0x83, 7, 4, 1, 2, 3, 4, 0} : Datagram{};
    const Datagram original =
        make_datagram(rng, rng.range(1, 20000), options, static_cast<std::uint16_t>(iter));
    const std::size_t mtu = rng.range(28 + options.size(), 1500);
    auto frags = fragment(original, mtu);
    if (iter % 3 == 1) std::reverse(frags.begin(), frags.end());
    if (iter % 3 == 2) shuffle(rng, frags);
    Reassembler r;
    ASSERT_EQ(reassemble(r, frags), original);
    EXPECT_EQ(r.memory_used(), 0u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
  }
}

TEST(Reassembly, InterleavedDatagramsAreKeptApart) {
  // Key = (src, dst, protocol, ident) (RFC 791 §3.2): same ident, another protocol is another
  // datagram.
  Rng rng(10);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<Datagram> originals = {make_datagram(rng, 4000, {}, 1, ipproto::kUdp),
                                       make_datagram(rng, 3000, {}, 1, ipproto::kTcp),
                                       make_datagram(rng, 5000, {}, 2, ipproto::kUdp)};
    std::vector<Datagram> all;
    for (const auto& o : originals) {
      auto f = fragment(o, 576);
      all.insert(all.end(), f.begin(), f.end());
    }
    shuffle(rng, all);
    Reassembler r;
    std::vector<Datagram> done;
    for (const auto& f : all) {
      if (auto out = feed(r, kT0, f)) done.push_back(std::move(*out));
    }
    ASSERT_EQ(done.size(), 3u);
    for (const auto& o : originals) EXPECT_EQ(std::count(done.begin(), done.end(), o), 1);
    EXPECT_EQ(r.memory_used(), 0u);
  }
}

TEST(Reassembly, DuplicatesAreIgnoredAndCounted) {
  Rng rng(11);
  const Datagram original = make_datagram(rng, 5000);
  auto frags = fragment(original, 576);
  Reassembler r;
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) {
    EXPECT_FALSE(feed(r, kT0, frags[i]));
    const std::size_t held = r.memory_used();
    EXPECT_FALSE(feed(r, kT0, frags[i]));
    EXPECT_EQ(r.memory_used(), held);
  }
  EXPECT_EQ(feed(r, kT0, frags.back()), original);
  EXPECT_EQ(r.stats().duplicates, frags.size() - 1);
  EXPECT_EQ(r.stats().overlaps, 0u);

  // Data entirely covered by two held fragments, byte for byte, is a duplicate too.
  const Datagram data = random_bytes(rng, 40);
  const Bytes d(data);
  Reassembler r2;
  EXPECT_FALSE(feed(r2, kT0, make_fragment(0, true, d.subspan(0, 16))));
  EXPECT_FALSE(feed(r2, kT0, make_fragment(16, true, d.subspan(16, 16))));
  EXPECT_FALSE(feed(r2, kT0, make_fragment(8, true, d.subspan(8, 16))));
  EXPECT_EQ(r2.stats().duplicates, 1u);
  EXPECT_EQ(r2.memory_used(), 32u);
  EXPECT_EQ(feed(r2, kT0, make_fragment(32, false, d.subspan(32))), emit(base_header(), data));

  // A repeat that newly says "last" is not a duplicate: it fixes the end.
  Reassembler r3;
  EXPECT_FALSE(feed(r3, kT0, make_fragment(0, true, d.subspan(0, 16))));
  EXPECT_FALSE(feed(r3, kT0, make_fragment(16, true, d.subspan(16, 16))));
  EXPECT_EQ(feed(r3, kT0, make_fragment(16, false, d.subspan(16, 16))),
            emit(base_header(), d.first(32)));
  EXPECT_EQ(r3.stats().duplicates, 0u);
}

TEST(Reassembly, OverlapDiscardsTheDatagramAndItsLaterFragments) {
  Rng rng(12);
  const Datagram data = random_bytes(rng, 48);
  const Bytes d(data);
  for (const bool same_range : {false, true}) {
    SCOPED_TRACE(same_range ? "same range, other bytes" : "partial overlap");
    Reassembler r;
    EXPECT_FALSE(feed(r, kT0, make_fragment(0, true, d.subspan(0, 16))));
    EXPECT_FALSE(feed(r, kT0 + Duration::seconds(20), make_fragment(16, true, d.subspan(16, 16))));
    if (same_range) {
      Datagram other(d.begin() + 16, d.begin() + 32);
      other[3] ^= 1;
      EXPECT_FALSE(feed(r, kT0 + Duration::seconds(20), make_fragment(16, true, other)));
    } else {  // [8, 40): identical bytes where it overlaps, but it is not a duplicate
      EXPECT_FALSE(feed(r, kT0 + Duration::seconds(20), make_fragment(8, true, d.subspan(8, 32))));
    }
    EXPECT_EQ(r.stats().overlaps, 1u);
    EXPECT_EQ(r.memory_used(), 0u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
    // The rest of that datagram is dropped until its deadline (first arrival + 30 s)...
    EXPECT_FALSE(feed(r, kT0 + Duration::seconds(25), make_fragment(0, true, d.subspan(0, 32))));
    EXPECT_FALSE(feed(r, kT0 + Duration::seconds(25), make_fragment(32, false, d.subspan(32))));
    EXPECT_EQ(r.memory_used(), 0u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
    EXPECT_EQ(r.stats().overlaps, 1u);
    EXPECT_EQ(r.stats().datagrams_reassembled, 0u);
    // ...and then the key is usable again.
    const Instant later = kT0 + Duration::seconds(30);
    EXPECT_TRUE(r.poll(later).empty());
    EXPECT_FALSE(feed(r, later, make_fragment(0, true, d.subspan(0, 32))));
    EXPECT_EQ(feed(r, later, make_fragment(32, false, d.subspan(32))), emit(base_header(), data));
  }
}

// ---------------------------------------------------------------------------
// Reassembly: time

TEST(Reassembly, TimeoutReturnsFragmentZeroAndFreesMemory) {
  Rng rng(13);
  const auto frags = fragment(make_datagram(rng, 3000), 1500);
  ASSERT_EQ(frags.size(), 3u);
  Reassembler r;
  EXPECT_EQ(r.poll_at(), Instant::never());
  EXPECT_FALSE(feed(r, kT0 + Duration::seconds(1), frags[2]));
  EXPECT_FALSE(feed(r, kT0 + Duration::seconds(20), frags[0]));  // does not restart the timer
  EXPECT_GT(r.memory_used(), 0u);
  const Instant deadline = kT0 + Duration::seconds(31);
  EXPECT_EQ(r.poll_at(), deadline);
  EXPECT_TRUE(r.poll(deadline - Duration::nanos(1)).empty());
  EXPECT_EQ(r.datagrams_in_progress(), 1u);
  const auto expired = r.poll(deadline);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], frags[0]);  // for ICMP time exceeded, code 1
  EXPECT_EQ(r.stats().timeouts, 1u);
  EXPECT_EQ(r.memory_used(), 0u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
  EXPECT_EQ(r.poll_at(), Instant::never());
  EXPECT_TRUE(r.poll(deadline + Duration::seconds(100)).empty());
}

TEST(Reassembly, TimeoutWithoutFragmentZeroReturnsNothing) {
  Rng rng(14);
  const auto frags = fragment(make_datagram(rng, 3000), 1500);
  Reassembler r(ReassemblyConfig{.timeout = Duration::seconds(5)});
  EXPECT_FALSE(feed(r, kT0, frags[1]));
  EXPECT_FALSE(feed(r, kT0, frags[2]));
  EXPECT_EQ(r.poll_at(), kT0 + Duration::seconds(5));
  EXPECT_TRUE(r.poll(kT0 + Duration::seconds(5)).empty());
  EXPECT_EQ(r.stats().timeouts, 1u);
  EXPECT_EQ(r.memory_used(), 0u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
}

TEST(Reassembly, PollAtIsTheEarliestDeadline) {
  Rng rng(15);
  std::vector<std::vector<Datagram>> sets;
  for (std::uint16_t id = 0; id < 3; ++id)
    sets.push_back(fragment(make_datagram(rng, 2000, {}, id), 1500));
  Reassembler r;
  EXPECT_FALSE(feed(r, kT0 + Duration::seconds(3), sets[0][0]));
  EXPECT_FALSE(feed(r, kT0 + Duration::seconds(1), sets[1][0]));
  EXPECT_FALSE(feed(r, kT0 + Duration::seconds(2), sets[2][1]));
  EXPECT_EQ(r.poll_at(), kT0 + Duration::seconds(31));
  EXPECT_TRUE(feed(r, kT0 + Duration::seconds(4), sets[1][1]));  // completes the earliest
  EXPECT_EQ(r.poll_at(), kT0 + Duration::seconds(32));
  EXPECT_TRUE(r.poll(r.poll_at()).empty());  // set 2 had no fragment zero
  EXPECT_EQ(r.poll_at(), kT0 + Duration::seconds(33));
  EXPECT_EQ(r.poll(r.poll_at()).size(), 1u);
  EXPECT_EQ(r.poll_at(), Instant::never());
  EXPECT_EQ(r.stats().timeouts, 2u);
}

TEST(Reassembly, FragmentAfterTheDeadlineStartsAfresh) {
  // Without a poll in between, a late fragment must not complete the expired datagram.
  Rng rng(16);
  const auto frags = fragment(make_datagram(rng, 2000), 1500);
  Reassembler r;
  EXPECT_FALSE(feed(r, kT0, frags[0]));
  const Instant late = kT0 + Duration::seconds(31);
  EXPECT_FALSE(feed(r, late, frags[1]));
  EXPECT_EQ(r.stats().timeouts, 1u);
  EXPECT_EQ(r.datagrams_in_progress(), 1u);  // the new one
  EXPECT_LE(r.poll_at(), late);              // the expired one's report is due
  const auto expired = r.poll(late);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], frags[0]);
  EXPECT_EQ(r.poll_at(), late + Duration::seconds(30));
  EXPECT_EQ(r.memory_used(), header_of(frags[1]).payload_len);
}

// ---------------------------------------------------------------------------
// Reassembly: bounds

TEST(Reassembly, MemoryLimitIsNeverExceeded) {
  Rng rng(17);
  const auto frags = fragment(make_datagram(rng, 6000), 1500);  // 1480 x 4 + 80
  Reassembler r(ReassemblyConfig{.memory_limit = 3050});
  EXPECT_FALSE(feed(r, kT0, frags[0]));
  EXPECT_FALSE(feed(r, kT0, frags[1]));
  EXPECT_EQ(r.memory_used(), 2960u);
  EXPECT_FALSE(feed(r, kT0, frags[2]));
  EXPECT_EQ(r.memory_used(), 2960u);
  EXPECT_EQ(r.stats().memory_drops, 1u);
  EXPECT_FALSE(feed(r, kT0, frags[4]));  // 80 bytes still fit
  EXPECT_EQ(r.memory_used(), 3040u);
  EXPECT_EQ(r.stats().memory_drops, 1u);

  // Random floods of several datagrams never go past the limit.
  Reassembler flood(ReassemblyConfig{.memory_limit = 10000, .max_datagrams = 8});
  std::vector<Datagram> all;
  for (std::uint16_t id = 0; id < 20; ++id) {
    auto f = fragment(make_datagram(rng, rng.range(100, 5000), {}, id), rng.range(68, 1500));
    all.insert(all.end(), f.begin(), f.end());
  }
  shuffle(rng, all);
  for (const auto& f : all) {
    (void)feed(flood, kT0, f);
    ASSERT_LE(flood.memory_used(), 10000u);
    ASSERT_LE(flood.datagrams_in_progress(), 8u);
  }
  EXPECT_GT(flood.stats().memory_drops, 0u);
}

TEST(Reassembly, MaxDatagramsIsEnforced) {
  const Datagram data(16, 0xab);
  Reassembler r(ReassemblyConfig{.max_datagrams = 3});
  for (std::uint16_t id = 0; id < 3; ++id)
    EXPECT_FALSE(feed(r, kT0, make_fragment(0, true, data, id)));
  EXPECT_FALSE(feed(r, kT0, make_fragment(0, true, data, 3)));
  EXPECT_EQ(r.stats().memory_drops, 1u);
  EXPECT_EQ(r.datagrams_in_progress(), 3u);
  EXPECT_EQ(r.memory_used(), 48u);
  EXPECT_TRUE(
      feed(r, kT0, make_fragment(16, false, data, 1)));         // existing datagrams still progress
  EXPECT_FALSE(feed(r, kT0, make_fragment(0, true, data, 3)));  // and free a slot
  EXPECT_EQ(r.datagrams_in_progress(), 3u);
}

TEST(Reassembly, RandomFragmentsKeepTheBounds) {
  // Shuffled fragments of many datagrams, some lost or repeated, mixed with
  // junk aimed at the datagrams in flight (overlapping, inconsistent), with
  // time moving on: the bounds hold after every step, and once everything
  // has timed out nothing is left.
  Rng rng(20);
  const ReassemblyConfig config{
      .timeout = Duration::millis(200), .memory_limit = 8000, .max_datagrams = 8};
  Reassembler r(config);
  Instant now = kT0;
  std::vector<Datagram> arrivals;
  std::size_t next_arrival = 0;
  std::uint16_t next_ident = 0;
  for (int step = 0; step < 20000; ++step) {
    if (next_arrival == arrivals.size()) {
      arrivals.clear();
      next_arrival = 0;
      for (int k = 0; k < 3; ++k) {
        const Datagram d = make_datagram(rng, rng.range(1, 3000), {}, next_ident++);
        for (const auto& f : fragment(d, rng.range(68, 1500))) {
          if (rng.chance(0.02)) continue;  // lost
          arrivals.push_back(f);
          if (rng.chance(0.05)) arrivals.push_back(f);  // duplicated
        }
      }
      shuffle(rng, arrivals);
    }
    if (rng.chance(0.05)) {
      const bool more = rng.chance(0.7);
      const Datagram junk = random_bytes(rng, more ? 8 * rng.range(0, 40) : rng.range(0, 300));
      const auto ident = static_cast<std::uint16_t>(next_ident - 1 - rng.below(3));
      (void)feed(
          r, now,
          make_fragment(static_cast<std::uint16_t>(8 * rng.range(0, 400)), more, junk, ident));
    } else {
      (void)feed(r, now, arrivals[next_arrival++]);
    }
    ASSERT_LE(r.memory_used(), config.memory_limit);
    ASSERT_LE(r.datagrams_in_progress(), config.max_datagrams);
    if (r.datagrams_in_progress() == 0) {
      ASSERT_EQ(r.memory_used(), 0u);
    }
    now += Duration::millis(static_cast<std::int64_t>(rng.below(10)));
    if (rng.chance(0.01)) {
      (void)r.poll(now);
      ASSERT_GT(r.poll_at(), now);  // nothing due is left behind
    }
  }
  const ReassemblyStats& st = r.stats();
  EXPECT_GT(st.datagrams_reassembled, 0u);
  EXPECT_GT(st.duplicates, 0u);
  EXPECT_GT(st.overlaps, 0u);
  EXPECT_GT(st.malformed, 0u);
  EXPECT_GT(st.memory_drops, 0u);
  EXPECT_GT(st.timeouts, 0u);
  (void)r.poll(now + config.timeout);
  EXPECT_EQ(r.memory_used(), 0u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
  EXPECT_EQ(r.poll_at(), Instant::never());
}

// ---------------------------------------------------------------------------
// Reassembly: malformed input and the result's header

TEST(Reassembly, MalformedFragments) {
  const Datagram d8(8, 1), d12(12, 2), d16(16, 3), d32(32, 4);
  {
    SCOPED_TRACE("non-last fragment not a multiple of 8");
    Reassembler r;
    EXPECT_FALSE(feed(r, kT0, make_fragment(0, true, d12)));
    EXPECT_FALSE(feed(r, kT0, make_fragment(8, true, {})));  // empty non-last
    EXPECT_EQ(r.stats().malformed, 2u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
  }
  {
    SCOPED_TRACE("past 65535");
    Reassembler r;
    EXPECT_FALSE(feed(r, kT0, make_fragment(65496, false, d32)));  // 20 + 65528 > 65535
    EXPECT_FALSE(feed(r, kT0, make_fragment(65496, false, d16)));  // 20 + 65512 fits
    EXPECT_EQ(r.stats().malformed, 1u);
    EXPECT_EQ(r.memory_used(), 16u);
    // Fragment zero's 60-byte header would push the whole past 65535.
    EXPECT_FALSE(feed(r, kT0, make_fragment(0, true, d8, 0x1234, Datagram(40, 1))));
    EXPECT_EQ(r.stats().malformed, 2u);
    EXPECT_EQ(r.memory_used(), 0u);
  }
  {
    SCOPED_TRACE("data after the last fragment");
    Reassembler r;
    EXPECT_FALSE(feed(r, kT0, make_fragment(16, false, d16)));  // ends at 32
    EXPECT_FALSE(feed(r, kT0, make_fragment(32, true, d8)));
    EXPECT_EQ(r.stats().malformed, 1u);
    EXPECT_EQ(r.memory_used(), 0u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
    EXPECT_FALSE(feed(r, kT0, make_fragment(0, true, d16)));  // the key is dead until the deadline
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
  }
  {
    SCOPED_TRACE("last fragment before held data");
    Reassembler r;
    EXPECT_FALSE(feed(r, kT0, make_fragment(8, true, d32)));   // up to 40
    EXPECT_FALSE(feed(r, kT0, make_fragment(24, false, d8)));  // claims the end is 32
    EXPECT_EQ(r.stats().malformed, 1u);
    EXPECT_EQ(r.memory_used(), 0u);
  }
  {
    SCOPED_TRACE("two different ends");
    Reassembler r;
    EXPECT_FALSE(feed(r, kT0, make_fragment(16, false, d16)));
    EXPECT_FALSE(feed(r, kT0, make_fragment(32, false, d16)));
    EXPECT_EQ(r.stats().malformed, 1u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
  }
  {
    SCOPED_TRACE("header longer than the bytes");
    Reassembler r;
    const Datagram f = make_fragment(0, true, d16);
    const Ipv4Header h = header_of(f);
    EXPECT_FALSE(r.add(kT0, h, Bytes(f).first(f.size() - 1)));
    EXPECT_EQ(r.stats().malformed, 1u);
    EXPECT_EQ(r.memory_used(), 0u);
  }
}

TEST(Reassembly, ResultCarriesFragmentZerosHeader) {
  Rng rng(18);
  const Datagram payload = random_bytes(rng, 40);
  const Bytes p(payload);
  const Datagram options = {0x83, 7, 4, 10, 0, 0, 1, 0, 1, 1, 1, 0};
  Ipv4Header h0 = base_header();
  h0.ttl = 50;
  h0.dont_frag = true;  // odd on a fragment, but kept as sent
  h0.more_frags = true;
  h0.options = options;
  Ipv4Header h1 = base_header();
  h1.ttl = 40;
  h1.frag_offset = 24;
  Reassembler r;
  EXPECT_FALSE(feed(r, kT0, emit(h1, p.subspan(24))));
  const auto out = feed(r, kT0, emit(h0, p.first(24)));
  ASSERT_TRUE(out);
  const Ipv4Header h = header_of(*out);  // checksum verified
  EXPECT_EQ(h.ttl, 50);
  EXPECT_TRUE(h.dont_frag);
  EXPECT_FALSE(h.more_frags);
  EXPECT_EQ(h.frag_offset, 0);
  EXPECT_EQ(h.total_len(), out->size());
  EXPECT_EQ(h.payload_len, 40);
  EXPECT_EQ(Datagram(h.options.begin(), h.options.end()), options);
  EXPECT_EQ(Datagram(out->begin() + 32, out->end()), payload);
}

TEST(Reassembly, WholeDatagramPassesThrough) {
  Rng rng(19);
  Datagram d = make_datagram(rng, 50);
  d.push_back(0);  // link padding is not part of the datagram
  const Ipv4Header h = header_of(d);
  Reassembler r;
  EXPECT_EQ(r.add(kT0, h, d), Datagram(d.begin(), d.end() - 1));
  EXPECT_EQ(r.stats().fragments_received, 0u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
}

}  // namespace
}  // namespace ws
