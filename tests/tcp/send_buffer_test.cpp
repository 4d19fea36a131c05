// SendBuffer: bounded writes, sequence-addressed views, cumulative ACKs,
// the FIN's position, ring wrap-around and sequence wrap-around, capacity
// changes, and a randomized comparison against a simple model.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/rng.hpp"
#include "tcp/send_buffer.hpp"

namespace ws::tcp {
namespace {

Bytes bytes_of(std::string_view s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string str(const ByteSpans& v) {
  std::string s(v.first.begin(), v.first.end());
  s.append(v.second.begin(), v.second.end());
  return s;
}

TEST(SendBuffer, WriteIsBoundedByCapacity) {
  SendBuffer b(10, SeqNum(1000));
  EXPECT_EQ(b.capacity(), 10u);
  EXPECT_EQ(b.free_space(), 10u);
  EXPECT_EQ(b.write(bytes_of("abcdef")), 6u);
  EXPECT_EQ(b.write(bytes_of("ghijklmnop")), 4u);  // partial: only 4 fit
  EXPECT_EQ(b.bytes_buffered(), 10u);
  EXPECT_EQ(b.free_space(), 0u);
  EXPECT_EQ(b.write(bytes_of("x")), 0u);
  EXPECT_EQ(b.write(Bytes{}), 0u);
  EXPECT_EQ(str(b.view(SeqNum(1000), 100)), "abcdefghij");
  EXPECT_EQ(b.una(), SeqNum(1000));
  EXPECT_EQ(b.data_end(), SeqNum(1010));
  EXPECT_EQ(b.end(), SeqNum(1010));
}

TEST(SendBuffer, ViewsBySequenceNumber) {
  SendBuffer b(100, SeqNum(1000));
  ASSERT_EQ(b.write(bytes_of("hello world")), 11u);
  EXPECT_EQ(str(b.view(SeqNum(1000), 5)), "hello");    // a retransmission from SND.UNA
  EXPECT_EQ(str(b.view(SeqNum(1006), 100)), "world");  // a first send from SND.NXT, clipped
  EXPECT_TRUE(b.view(SeqNum(1011), 10).empty());       // at the end: nothing
  EXPECT_TRUE(b.view(SeqNum(1012), 10).empty());       // past the end
  EXPECT_TRUE(b.view(SeqNum(999), 10).empty());        // already acknowledged
  EXPECT_TRUE(b.view(SeqNum(1003), 0).empty());
  EXPECT_EQ(b.bytes_from(SeqNum(1000)), 11u);
  EXPECT_EQ(b.bytes_from(SeqNum(1006)), 5u);
  EXPECT_EQ(b.bytes_from(SeqNum(1011)), 0u);
  EXPECT_EQ(b.bytes_from(SeqNum(999)), 0u);

  std::uint8_t out[4];
  EXPECT_EQ(b.peek(SeqNum(1002), out), 4u);
  EXPECT_EQ(std::string(out, out + 4), "llo ");
  EXPECT_EQ(b.peek(SeqNum(1009), out), 2u);
  EXPECT_EQ(std::string(out, out + 2), "ld");
}

TEST(SendBuffer, AckReleasesAcknowledgedBytes) {
  SendBuffer b(100, SeqNum(1000));
  ASSERT_EQ(b.write(bytes_of("hello world")), 11u);
  EXPECT_EQ(b.ack(SeqNum(1005)), 5u);
  EXPECT_EQ(b.una(), SeqNum(1005));
  EXPECT_EQ(b.bytes_buffered(), 6u);
  EXPECT_EQ(b.free_space(), 94u);
  EXPECT_EQ(str(b.view(b.una(), 100)), " world");
  EXPECT_EQ(b.ack(SeqNum(1005)), 0u);  // duplicate
  EXPECT_EQ(b.ack(SeqNum(1003)), 0u);  // old
  EXPECT_EQ(b.ack(SeqNum(1000) - 5), 0u);
  EXPECT_EQ(b.ack(SeqNum(1011)), 6u);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.una(), SeqNum(1011));
  // Without a FIN, an ACK past the data cannot release more than there is.
  EXPECT_EQ(b.ack(SeqNum(1020)), 0u);
  EXPECT_EQ(b.una(), SeqNum(1011));
  EXPECT_FALSE(b.fin_acked());
}

TEST(SendBuffer, RingWrapsAroundItsStorage) {
  SendBuffer b(16, SeqNum(0));
  ASSERT_EQ(b.write(bytes_of("0123456789")), 10u);
  ASSERT_EQ(b.ack(SeqNum(8)), 8u);
  ASSERT_EQ(b.write(bytes_of("abcdefghijklmn")), 14u);  // 2 + 14 = 16: wraps
  EXPECT_EQ(b.allocated(), 16u);
  const ByteSpans v = b.view(SeqNum(8), 100);
  EXPECT_EQ(str(v), "89abcdefghijklmn");
  EXPECT_FALSE(v.second.empty());  // two spans: the data wraps
  std::uint8_t out[16];
  ASSERT_EQ(b.peek(SeqNum(12), out), 12u);
  EXPECT_EQ(std::string(out, out + 12), "cdefghijklmn");
  EXPECT_EQ(str(b.view(SeqNum(20), 3)), "klm");  // entirely in the wrapped part
}

TEST(SendBuffer, SequenceNumbersWrap) {
  const SeqNum start(0xfffffffau);
  SendBuffer b(64, start);
  ASSERT_EQ(b.write(bytes_of("abcdefghijklmnopqrst")), 20u);
  EXPECT_EQ(b.data_end(), SeqNum(14));
  EXPECT_EQ(str(b.view(SeqNum(0xfffffffeu), 6)), "efghij");
  EXPECT_EQ(str(b.view(SeqNum(2), 3)), "ijk");
  EXPECT_EQ(b.ack(SeqNum(3)), 9u);  // across the wrap
  EXPECT_EQ(b.una(), SeqNum(3));
  EXPECT_EQ(str(b.view(b.una(), 100)), "jklmnopqrst");
  EXPECT_EQ(b.ack(SeqNum(0xfffffff0u)), 0u);  // behind: old
}

TEST(SendBuffer, FinFollowsAllQueuedData) {
  SendBuffer b(100, SeqNum(1000));
  ASSERT_EQ(b.write(bytes_of("abc")), 3u);
  EXPECT_FALSE(b.fin_seq());
  EXPECT_TRUE(b.close());
  EXPECT_FALSE(b.close());                   // already queued
  EXPECT_EQ(b.write(bytes_of("more")), 0u);  // nothing after the FIN
  EXPECT_EQ(b.free_space(), 0u);
  EXPECT_EQ(b.fin_seq(), SeqNum(1003));
  EXPECT_EQ(b.data_end(), SeqNum(1003));
  EXPECT_EQ(b.end(), SeqNum(1004));
  EXPECT_EQ(b.bytes_from(SeqNum(1003)), 0u);  // the FIN carries no data

  EXPECT_EQ(b.ack(SeqNum(1003)), 3u);  // the data, not the FIN
  EXPECT_FALSE(b.fin_acked());
  EXPECT_EQ(b.una(), SeqNum(1003));
  EXPECT_EQ(b.ack(SeqNum(1004)), 0u);  // the FIN: no data bytes
  EXPECT_TRUE(b.fin_acked());
  EXPECT_EQ(b.una(), SeqNum(1004));
  EXPECT_EQ(b.ack(SeqNum(1004)), 0u);
  EXPECT_TRUE(b.fin_acked());
}

TEST(SendBuffer, OneAckCoversDataAndFin) {
  SendBuffer b(100, SeqNum(7));
  ASSERT_EQ(b.write(bytes_of("abcd")), 4u);
  ASSERT_TRUE(b.close());
  EXPECT_EQ(b.ack(SeqNum(12)), 4u);
  EXPECT_TRUE(b.fin_acked());
  EXPECT_EQ(b.una(), SeqNum(12));
}

TEST(SendBuffer, FinOnEmptyBuffer) {
  SendBuffer b(100, SeqNum(500));
  ASSERT_TRUE(b.close());
  EXPECT_EQ(b.fin_seq(), SeqNum(500));
  EXPECT_EQ(b.end(), SeqNum(501));
  EXPECT_EQ(b.ack(SeqNum(500)), 0u);
  EXPECT_FALSE(b.fin_acked());
  EXPECT_EQ(b.ack(SeqNum(501)), 0u);
  EXPECT_TRUE(b.fin_acked());
}

TEST(SendBuffer, ShrinkingCapacityKeepsAcceptedData) {
  SendBuffer b(100, SeqNum(0));
  std::vector<std::uint8_t> data(80);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
  ASSERT_EQ(b.write(data), 80u);
  b.set_capacity(50);
  EXPECT_EQ(b.capacity(), 50u);
  EXPECT_EQ(b.bytes_buffered(), 80u);  // accepted data is never dropped
  EXPECT_EQ(b.free_space(), 0u);
  EXPECT_EQ(b.write(data), 0u);
  EXPECT_LE(b.allocated(), 80u);

  EXPECT_EQ(b.ack(SeqNum(40)), 40u);
  EXPECT_EQ(b.free_space(), 10u);
  EXPECT_LE(b.allocated(), 50u);  // memory returned once the data fits
  std::uint8_t out[40];
  ASSERT_EQ(b.peek(SeqNum(40), out), 40u);
  for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(out[i], 40 + i);

  b.set_capacity(1000);
  EXPECT_EQ(b.free_space(), 960u);
  b.set_capacity(0);  // clamped
  EXPECT_EQ(b.capacity(), 1u);
  b.set_capacity(SIZE_MAX);
  EXPECT_EQ(b.capacity(), SendBuffer::kMaxCapacity);
}

TEST(SendBuffer, AllocatesLazilyAndNotInSteadyState) {
  SendBuffer b(1 << 20, SeqNum(0));
  EXPECT_EQ(b.allocated(), 0u);  // an unused socket costs no buffer memory
  std::vector<std::uint8_t> chunk(1000, 0x5a);
  ASSERT_EQ(b.write(chunk), 1000u);
  EXPECT_EQ(b.allocated(), 4096u);
  // Steady state: write and acknowledge 1000 bytes at a time, 3 KB in flight.
  ASSERT_EQ(b.write(chunk), 1000u);
  ASSERT_EQ(b.write(chunk), 1000u);
  const std::size_t allocated = b.allocated();
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_EQ(b.write(chunk), 1000u);
    ASSERT_EQ(b.ack(b.una() + 1000), 1000u);
  }
  EXPECT_EQ(b.allocated(), allocated);
  EXPECT_EQ(b.bytes_buffered(), 3000u);
}

TEST(SendBuffer, ResetRenumbers) {
  SendBuffer b(10, SeqNum(5));
  ASSERT_EQ(b.write(bytes_of("abc")), 3u);
  ASSERT_TRUE(b.close());
  b.reset(SeqNum(100));
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.fin_queued());
  EXPECT_EQ(b.una(), SeqNum(100));
  EXPECT_EQ(b.free_space(), 10u);
  ASSERT_EQ(b.write(bytes_of("xyz")), 3u);
  EXPECT_EQ(str(b.view(SeqNum(100), 10)), "xyz");
}

// Random writes, ACKs, views and capacity changes against a deque model.
TEST(SendBuffer, MatchesModelUnderRandomOperations) {
  Rng rng(42);
  const SeqNum start(0xffff0000u);  // crosses the sequence wrap
  SendBuffer b(3000, start);
  std::deque<std::uint8_t> model;
  SeqNum una = start;
  std::size_t capacity = 3000;
  std::uint8_t next = 0;
  std::vector<std::uint8_t> buf(5000);
  for (int step = 0; step < 20'000; ++step) {
    switch (rng.below(8)) {
      case 0:
      case 1:
      case 2: {
        const std::size_t n = rng.below(1500);
        for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<std::uint8_t>(next + i);
        const std::size_t fits = model.size() < capacity ? capacity - model.size() : 0;
        const std::size_t accepted = b.write(Bytes(buf.data(), n));
        ASSERT_EQ(accepted, std::min(n, fits));
        for (std::size_t i = 0; i < accepted; ++i) model.push_back(buf[i]);
        next = static_cast<std::uint8_t>(next + accepted);
        break;
      }
      case 3:
      case 4: {
        const auto n = static_cast<std::uint32_t>(rng.below(model.size() + 1));
        ASSERT_EQ(b.ack(una + n), n);
        model.erase(model.begin(), model.begin() + n);
        una += n;
        break;
      }
      case 5:
      case 6: {
        const auto off = static_cast<std::uint32_t>(rng.below(model.size() + 1));
        const std::size_t max = rng.below(2000);
        const ByteSpans v = b.view(una + off, max);
        ASSERT_EQ(v.size(), std::min<std::size_t>(max, model.size() - off));
        std::size_t i = off;
        for (std::uint8_t x : v.first) ASSERT_EQ(x, model[i++]);
        for (std::uint8_t x : v.second) ASSERT_EQ(x, model[i++]);
        break;
      }
      case 7:
        capacity = 500 + rng.below(4000);
        b.set_capacity(capacity);
        break;
    }
    ASSERT_EQ(b.bytes_buffered(), model.size());
    ASSERT_EQ(b.una(), una);
    ASSERT_LE(b.allocated(), std::max<std::size_t>(4500, model.size()));
  }
}

}  // namespace
}  // namespace ws::tcp
