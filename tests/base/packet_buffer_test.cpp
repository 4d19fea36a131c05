// Tests for PacketBuffer (headroom/tailroom bookkeeping) and BufferPool
// (reuse, exhaustion, accounting).
#include "base/packet_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

namespace ws {
namespace {

std::vector<std::uint8_t> contents(const PacketBuffer& b) {
  const Bytes bytes = b.bytes();
  return {bytes.begin(), bytes.end()};
}

// ---------------------------------------------------------------------------
// PacketBuffer

TEST(PacketBuffer, StartsEmptyWithHeadroom) {
  const PacketBuffer b(256, 64);
  EXPECT_EQ(b.capacity(), 256u);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.headroom(), 64u);
  EXPECT_EQ(b.tailroom(), 192u);
  EXPECT_TRUE(b.bytes().empty());

  const PacketBuffer d(2048);
  EXPECT_EQ(d.headroom(), PacketBuffer::kDefaultHeadroom);
  EXPECT_EQ(d.tailroom(), 2048u - PacketBuffer::kDefaultHeadroom);
  EXPECT_GE(PacketBuffer::kDefaultHeadroom, 14u + 60u + 60u);
}

TEST(PacketBuffer, AppendGrowsTheBack) {
  PacketBuffer b(64, 16);
  std::uint8_t* p = b.append(10);
  EXPECT_EQ(p, b.data());  // the first append starts at the front
  for (int i = 0; i < 10; ++i) p[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.headroom(), 16u);
  EXPECT_EQ(b.tailroom(), 38u);

  std::uint8_t* q = b.append(3);
  EXPECT_EQ(q, b.data() + 10);  // right after the previous bytes
  q[0] = 0xaa;
  q[1] = 0xbb;
  q[2] = 0xcc;
  EXPECT_EQ(contents(b),
            (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xaa, 0xbb, 0xcc}));
  EXPECT_EQ(b.size() + b.headroom() + b.tailroom(), b.capacity());
}

TEST(PacketBuffer, PrependWritesHeadersInFrontOfThePayload) {
  // The way a frame is built: payload, then TCP, IPv4 and Ethernet headers
  // prepended without moving the payload.
  PacketBuffer b(256, 128);
  const std::uint8_t payload[] = {'d', 'a', 't', 'a'};
  ASSERT_TRUE(b.append(Bytes(payload)));
  const std::uint8_t* payload_at = b.data();

  std::uint8_t* tcp = b.prepend(20);
  std::memset(tcp, 0x54, 20);
  std::uint8_t* ipv4 = b.prepend(20);
  std::memset(ipv4, 0x45, 20);
  std::uint8_t* eth = b.prepend(14);
  std::memset(eth, 0xee, 14);

  EXPECT_EQ(eth, b.data());
  EXPECT_EQ(b.size(), 4u + 20 + 20 + 14);
  EXPECT_EQ(b.headroom(), 128u - 54);
  EXPECT_EQ(b.tailroom(), 256u - 128 - 4);
  EXPECT_EQ(b.data() + 54, payload_at);  // the payload did not move
  EXPECT_EQ(ipv4, eth + 14);
  EXPECT_EQ(tcp, eth + 34);

  const auto all = contents(b);
  EXPECT_EQ(all[0], 0xee);
  EXPECT_EQ(all[13], 0xee);
  EXPECT_EQ(all[14], 0x45);
  EXPECT_EQ(all[33], 0x45);
  EXPECT_EQ(all[34], 0x54);
  EXPECT_EQ(all[53], 0x54);
  EXPECT_EQ(std::vector<std::uint8_t>(all.begin() + 54, all.end()),
            (std::vector<std::uint8_t>{'d', 'a', 't', 'a'}));

  // All the headroom can be used.
  b.prepend(b.headroom());
  EXPECT_EQ(b.headroom(), 0u);
  EXPECT_EQ(b.size(), 128u + 4);
}

TEST(PacketBuffer, TrimFrontAndTruncate) {
  // Parsing: drop headers from the front, padding from the back.
  PacketBuffer b(128, 0);
  std::vector<std::uint8_t> frame(60);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i);
  ASSERT_TRUE(b.append(Bytes(frame)));

  b.trim_front(14);
  EXPECT_EQ(b.size(), 46u);
  EXPECT_EQ(b.headroom(), 14u);
  EXPECT_EQ(b.data()[0], 14);
  EXPECT_EQ(b.tailroom(), 128u - 60);

  b.truncate(20);  // e.g. IPv4 total length says 20; the rest was padding
  EXPECT_EQ(b.size(), 20u);
  EXPECT_EQ(b.data()[19], 33);
  EXPECT_EQ(b.tailroom(), 128u - 34);
  EXPECT_EQ(b.headroom(), 14u);

  b.truncate(20);  // no-op
  EXPECT_EQ(b.size(), 20u);

  // A trimmed header can be prepended back: the bytes are still there.
  std::uint8_t* front = b.prepend(14);
  EXPECT_EQ(front[0], 0);
  EXPECT_EQ(front[13], 13);
  EXPECT_EQ(b.size(), 34u);

  b.trim_front(b.size());
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.headroom(), 34u);

  b.truncate(0);
  EXPECT_TRUE(b.empty());
}

TEST(PacketBuffer, Reset) {
  PacketBuffer b(512, 100);
  b.append(50);
  b.prepend(30);
  b.reset();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.headroom(), PacketBuffer::kDefaultHeadroom);
  EXPECT_EQ(b.tailroom(), 512u - PacketBuffer::kDefaultHeadroom);

  b.reset(0);
  EXPECT_EQ(b.headroom(), 0u);
  EXPECT_EQ(b.tailroom(), 512u);
  b.reset(512);
  EXPECT_EQ(b.headroom(), 512u);
  EXPECT_EQ(b.tailroom(), 0u);
  EXPECT_TRUE(b.empty());
}

TEST(PacketBuffer, AppendBytesThatDoNotFitLeavesBufferUnchanged) {
  PacketBuffer b(32, 8);
  const std::uint8_t first[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  ASSERT_TRUE(b.append(Bytes(first)));
  ASSERT_EQ(b.tailroom(), 14u);

  std::vector<std::uint8_t> too_big(15, 0xff);
  const std::uint8_t* data_before = b.data();
  EXPECT_FALSE(b.append(Bytes(too_big)));
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(b.headroom(), 8u);
  EXPECT_EQ(b.tailroom(), 14u);
  EXPECT_EQ(b.data(), data_before);
  EXPECT_EQ(contents(b), (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));

  // Headroom is not tailroom: 8 bytes free in front do not help.
  std::vector<std::uint8_t> would_fit_in_total(20, 0xff);
  EXPECT_FALSE(b.append(Bytes(would_fit_in_total)));
  EXPECT_EQ(b.size(), 10u);

  // Exactly filling the tailroom works.
  std::vector<std::uint8_t> exact(14, 0x77);
  EXPECT_TRUE(b.append(Bytes(exact)));
  EXPECT_EQ(b.size(), 24u);
  EXPECT_EQ(b.tailroom(), 0u);
  EXPECT_EQ(b.data()[10], 0x77);
  EXPECT_EQ(b.data()[23], 0x77);

  // Appending nothing to a full buffer succeeds; one more byte does not.
  EXPECT_TRUE(b.append(Bytes{}));
  const std::uint8_t one = 1;
  EXPECT_FALSE(b.append(Bytes(&one, 1)));
  EXPECT_EQ(b.size(), 24u);
}

TEST(PacketBuffer, MutableAndConstViewsAgree) {
  PacketBuffer b(64, 4);
  b.append(4);
  MutBytes m = b.bytes();
  ASSERT_EQ(m.size(), 4u);
  m[0] = 0xde;
  m[3] = 0xef;
  const PacketBuffer& cb = b;
  EXPECT_EQ(cb.bytes().data(), b.data());
  EXPECT_EQ(cb.bytes()[0], 0xde);
  EXPECT_EQ(cb.bytes()[3], 0xef);
}

// ---------------------------------------------------------------------------
// BufferPool

TEST(BufferPool, AcquireGivesAResetBuffer) {
  BufferPool pool(2048, 4);
  EXPECT_EQ(pool.buffer_capacity(), 2048u);
  EXPECT_EQ(pool.allocated(), 0u);  // lazily allocated
  EXPECT_EQ(pool.outstanding(), 0u);

  PacketRef ref = pool.acquire();
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->capacity(), 2048u);
  EXPECT_TRUE(ref->empty());
  EXPECT_EQ(ref->headroom(), PacketBuffer::kDefaultHeadroom);
  EXPECT_EQ(pool.allocated(), 1u);
  EXPECT_EQ(pool.outstanding(), 1u);

  ref.reset();
  EXPECT_EQ(pool.outstanding(), 0u);
  EXPECT_EQ(pool.allocated(), 1u);  // kept for reuse, not freed
}

TEST(BufferPool, ReleasedBuffersAreReusedAndReset) {
  BufferPool pool(2048, 4);
  PacketBuffer* first = nullptr;
  {
    PacketRef ref = pool.acquire();
    ASSERT_NE(ref, nullptr);
    first = ref.get();
    ref->append(100);
    ref->prepend(40);
    ref->trim_front(2);
  }
  PacketRef again = pool.acquire();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again.get(), first);  // the same storage came back
  EXPECT_TRUE(again->empty());    // ... reset
  EXPECT_EQ(again->headroom(), PacketBuffer::kDefaultHeadroom);
  EXPECT_EQ(pool.allocated(), 1u);
}

TEST(BufferPool, SteadyStateDoesNotAllocate) {
  BufferPool pool(1536, 8);
  // Warm-up: take three at once, then give them back.
  {
    std::vector<PacketRef> warm;
    for (int i = 0; i < 3; ++i) warm.push_back(pool.acquire());
  }
  ASSERT_EQ(pool.allocated(), 3u);
  ASSERT_EQ(pool.outstanding(), 0u);

  std::set<PacketBuffer*> seen;
  for (int cycle = 0; cycle < 10000; ++cycle) {
    std::vector<PacketRef> held;
    const int n = 1 + cycle % 3;  // never more than the warm-up high-water mark
    for (int i = 0; i < n; ++i) {
      held.push_back(pool.acquire());
      ASSERT_NE(held.back(), nullptr);
      held.back()->append(64);
      seen.insert(held.back().get());
    }
    ASSERT_EQ(pool.outstanding(), static_cast<std::size_t>(n));
  }
  EXPECT_EQ(pool.allocated(), 3u);
  EXPECT_EQ(seen.size(), 3u);  // only the warm-up buffers were ever handed out
  EXPECT_EQ(pool.outstanding(), 0u);
  EXPECT_EQ(pool.exhausted_count(), 0u);
}

TEST(BufferPool, ExhaustionReturnsNullAndCounts) {
  BufferPool pool(256, 3);
  std::vector<PacketRef> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(pool.acquire());
    ASSERT_NE(held.back(), nullptr);
  }
  EXPECT_EQ(pool.outstanding(), 3u);
  EXPECT_EQ(pool.allocated(), 3u);
  EXPECT_EQ(pool.exhausted_count(), 0u);

  PacketRef none = pool.acquire();
  EXPECT_EQ(none, nullptr);
  EXPECT_EQ(pool.exhausted_count(), 1u);
  EXPECT_EQ(pool.acquire(), nullptr);
  EXPECT_EQ(pool.exhausted_count(), 2u);
  EXPECT_EQ(pool.outstanding(), 3u);  // failed acquires are not outstanding
  EXPECT_EQ(pool.allocated(), 3u);    // and did not allocate

  none.reset();  // releasing a null handle must not touch the accounting
  EXPECT_EQ(pool.outstanding(), 3u);

  held.pop_back();  // give one back: acquire works again
  EXPECT_EQ(pool.outstanding(), 2u);
  PacketRef next = pool.acquire();
  EXPECT_NE(next, nullptr);
  EXPECT_EQ(pool.outstanding(), 3u);
  EXPECT_EQ(pool.exhausted_count(), 2u);
  EXPECT_EQ(pool.allocated(), 3u);
}

TEST(BufferPool, ZeroBuffersAlwaysExhausted) {
  BufferPool pool(256, 0);
  EXPECT_EQ(pool.acquire(), nullptr);
  EXPECT_EQ(pool.acquire(), nullptr);
  EXPECT_EQ(pool.exhausted_count(), 2u);
  EXPECT_EQ(pool.allocated(), 0u);
  EXPECT_EQ(pool.outstanding(), 0u);
}

TEST(BufferPool, OutstandingFollowsHandleOwnership) {
  BufferPool pool(256, 4);
  PacketRef a = pool.acquire();
  PacketRef b = pool.acquire();
  EXPECT_EQ(pool.outstanding(), 2u);

  PacketRef moved = std::move(a);  // a move is not a release
  EXPECT_EQ(pool.outstanding(), 2u);
  EXPECT_EQ(a, nullptr);  // NOLINT(bugprone-use-after-move): checking the moved-from state

  b = std::move(moved);  // b's old buffer is released, moved's is kept
  EXPECT_EQ(pool.outstanding(), 1u);
  EXPECT_EQ(pool.allocated(), 2u);

  b.reset();
  EXPECT_EQ(pool.outstanding(), 0u);
  EXPECT_EQ(pool.allocated(), 2u);
}

TEST(PoolReturn, WithoutAPoolDeletes) {
  // A PacketRef not from a pool owns its buffer outright (ASan checks this
  // neither leaks nor double-frees).
  PacketRef ref(new PacketBuffer(64, 0), PoolReturn{});
  ASSERT_NE(ref, nullptr);
  ref->append(8);
  EXPECT_EQ(ref->size(), 8u);
}

TEST(PacketPools, TheSmallestClassThatHoldsTheBytesServesThem) {
  constexpr std::size_t h = PacketBuffer::kDefaultHeadroom;
  PacketPools pools({{h + 100, 4}, {h + 1000, 2}, {h + 10000, 1}});
  ASSERT_EQ(pools.class_count(), 3u);
  EXPECT_EQ(pools.largest_room(), 10000u);
  PacketRef a = pools.acquire_for(0);
  PacketRef b = pools.acquire_for(100);
  PacketRef c = pools.acquire_for(101);
  PacketRef d = pools.acquire_for(10000);
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(a->capacity(), h + 100);
  EXPECT_EQ(b->capacity(), h + 100);
  EXPECT_EQ(c->capacity(), h + 1000);
  EXPECT_EQ(d->capacity(), h + 10000);
  EXPECT_EQ(d->headroom(), h);
  EXPECT_GE(d->tailroom(), 10000u);
  EXPECT_EQ(pools.outstanding(), 4u);
  EXPECT_EQ(pools.pool(0).outstanding(), 2u);
  EXPECT_EQ(pools.pool(1).outstanding(), 1u);
  EXPECT_EQ(pools.pool(2).outstanding(), 1u);
  c.reset();
  d.reset();
  EXPECT_EQ(pools.outstanding(), 2u);
  EXPECT_EQ(pools.allocated(), 4u);
}

TEST(PacketPools, AnExhaustedClassDoesNotBorrowAndTooLargeIsCounted) {
  constexpr std::size_t h = PacketBuffer::kDefaultHeadroom;
  PacketPools pools({{h + 100, 1}, {h + 1000, 1}});
  PacketRef a = pools.acquire_for(50);
  ASSERT_TRUE(a);
  EXPECT_FALSE(pools.acquire_for(50)) << "the small class is exhausted; the large one is not lent";
  EXPECT_EQ(pools.exhausted_count(), 1u);
  EXPECT_EQ(pools.pool(1).allocated(), 0u);
  EXPECT_FALSE(pools.acquire_for(1001));
  EXPECT_EQ(pools.too_large_count(), 1u);
  EXPECT_EQ(pools.exhausted_count(), 1u) << "too large is not exhaustion";
  a.reset();
  EXPECT_TRUE(pools.acquire_for(100)) << "a returned buffer is reused";
  EXPECT_EQ(pools.allocated(), 1u);
}

TEST(BufferPool, AcquireForRefusesWhatDoesNotFit) {
  BufferPool pool(PacketBuffer::kDefaultHeadroom + 64, 2);
  EXPECT_EQ(pool.room(), 64u);
  EXPECT_TRUE(pool.acquire_for(64));
  EXPECT_FALSE(pool.acquire_for(65));
  EXPECT_EQ(pool.exhausted_count(), 0u);
}

}  // namespace
}  // namespace ws
