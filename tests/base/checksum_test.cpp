// Tests for the Internet checksum (RFC 1071), its incremental update
// (RFC 1624) and the IPv4 pseudo-header helper.
#include "base/checksum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/address.hpp"
#include "base/bytes.hpp"
#include "base/rng.hpp"

namespace ws {
namespace {

// A deliberately naive RFC 1071 reference: 16-bit big-endian words, an odd
// trailing byte padded with zero, carries folded after every addition.
std::uint16_t reference_sum(const std::vector<std::uint8_t>& data) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const std::uint32_t hi = data[i];
    const std::uint32_t lo = i + 1 < data.size() ? data[i + 1] : 0;
    s += (hi << 8) | lo;
    s = (s & 0xffff) + (s >> 16);
  }
  return static_cast<std::uint16_t>(s);
}

std::uint16_t reference_checksum(const std::vector<std::uint8_t>& data) {
  return static_cast<std::uint16_t>(~reference_sum(data));
}

std::vector<std::uint8_t> random_bytes(Rng& rng, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  rng.fill(v);
  return v;
}

std::uint16_t folded_of(Bytes data) {
  ChecksumAccumulator acc;
  acc.add(data);
  return acc.folded();
}

// ---------------------------------------------------------------------------
// RFC 1071

TEST(Checksum, Rfc1071Section3Example) {
  // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum (one's complement,
  // with end-around carry) to 0xddf2; the checksum is its complement.
  const std::vector<std::uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  ChecksumAccumulator acc;
  acc.add(data);
  EXPECT_EQ(acc.folded(), 0xddf2);
  EXPECT_EQ(acc.finish(), 0x220d);
  EXPECT_EQ(internet_checksum(data), 0x220d);
}

TEST(Checksum, RealIpv4Header) {
  // A classic IPv4/UDP header 192.168.0.1 -> 192.168.0.199 with checksum b861.
  std::vector<std::uint8_t> hdr = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  // Verification: summing over the header including its checksum gives -0.
  EXPECT_EQ(folded_of(hdr), 0xffff);
  EXPECT_EQ(internet_checksum(hdr), 0x0000);

  // Generation: with the checksum field zeroed the checksum is b861.
  store_be16(&hdr[10], 0);
  EXPECT_EQ(internet_checksum(hdr), 0xb861);
  EXPECT_EQ(folded_of(hdr), 0x479e);

  // Any corrupted bit must be detected.
  store_be16(&hdr[10], 0xb861);
  for (std::size_t i = 0; i < hdr.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = hdr;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ (1u << bit));
      EXPECT_NE(folded_of(bad), 0xffff) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(Checksum, EmptyAndZeroRepresentations) {
  // Nothing summed is +0; the checksum is then ~0 = 0xffff.
  ChecksumAccumulator empty;
  EXPECT_EQ(empty.folded(), 0x0000);
  EXPECT_EQ(empty.finish(), 0xffff);
  EXPECT_EQ(internet_checksum(Bytes{}), 0xffff);

  const std::vector<std::uint8_t> zeros(10, 0x00);
  EXPECT_EQ(folded_of(zeros), 0x0000);
  EXPECT_EQ(internet_checksum(zeros), 0xffff);

  // Non-zero data can sum to -0 (0xffff) but never to +0.
  const std::vector<std::uint8_t> ones = {0xff, 0xff};
  EXPECT_EQ(folded_of(ones), 0xffff);
  EXPECT_EQ(internet_checksum(ones), 0x0000);
  const std::vector<std::uint8_t> cancel = {0x12, 0x34, 0xed, 0xcb};  // x + ~x
  EXPECT_EQ(folded_of(cancel), 0xffff);
}

TEST(Checksum, OddLengthsPadWithZero) {
  // One byte is the high half of a word: 0xab -> 0xab00.
  const std::vector<std::uint8_t> one = {0xab};
  EXPECT_EQ(folded_of(one), 0xab00);
  EXPECT_EQ(internet_checksum(one), 0x54ff);

  // An odd trailing byte equals the same data with an explicit zero pad.
  const std::vector<std::uint8_t> odd = {0x01, 0x02, 0x03, 0x04, 0x05};
  const std::vector<std::uint8_t> padded = {0x01, 0x02, 0x03, 0x04, 0x05, 0x00};
  EXPECT_EQ(folded_of(odd), 0x0906);  // 0x0102 + 0x0304 + 0x0500
  EXPECT_EQ(internet_checksum(odd), internet_checksum(padded));

  // The RFC 1071 example with its last byte cut off: 0x0001 + 0xf203 +
  // 0xf4f5 + 0xf600 = 0x2dcf9 -> 0xdcfb.
  const std::vector<std::uint8_t> rfc7 = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6};
  EXPECT_EQ(folded_of(rfc7), 0xdcfb);
}

TEST(Checksum, MatchesNaiveReferenceOnRandomBuffers) {
  Rng rng(1071);
  for (int iter = 0; iter < 2000; ++iter) {
    const auto data = random_bytes(rng, rng.below(300));
    ASSERT_EQ(internet_checksum(data), reference_checksum(data)) << "length " << data.size();
  }
}

TEST(Checksum, LargeBuffersFoldAllCarries) {
  // 64 KiB of 0xff: 32768 words of -0; the 64-bit accumulator must fold
  // every carry back in.
  const std::vector<std::uint8_t> ff(65536, 0xff);
  EXPECT_EQ(folded_of(ff), 0xffff);
  EXPECT_EQ(internet_checksum(ff), 0x0000);
  EXPECT_EQ(internet_checksum(ff), reference_checksum(ff));

  // 0xff bytes with one odd length: the last word is 0xff00.
  const std::vector<std::uint8_t> ff_odd(65535, 0xff);
  EXPECT_EQ(internet_checksum(ff_odd), reference_checksum(ff_odd));
  EXPECT_EQ(folded_of(ff_odd), 0xff00);

  Rng rng(7);
  const auto big = random_bytes(rng, 65535);
  EXPECT_EQ(internet_checksum(big), reference_checksum(big));
}

// ---------------------------------------------------------------------------
// Accumulating in pieces

TEST(Checksum, SplitAtEveryPointEqualsOneCall) {
  Rng rng(42);
  for (const std::size_t len : {0u, 1u, 2u, 3u, 17u, 40u, 61u, 64u, 101u}) {
    const auto data = random_bytes(rng, len);
    const Bytes all(data);
    const std::uint16_t whole = folded_of(all);
    ASSERT_EQ(whole, reference_sum(data));
    for (std::size_t i = 0; i <= len; ++i) {
      ChecksumAccumulator acc;
      acc.add(all.subspan(0, i));
      acc.add(all.subspan(i));
      EXPECT_EQ(acc.folded(), whole) << "len " << len << " split " << i;
    }
  }
}

TEST(Checksum, ThreeWaySplitsEqualOneCall) {
  Rng rng(43);
  const auto data = random_bytes(rng, 37);
  const Bytes all(data);
  const std::uint16_t whole = folded_of(all);
  for (std::size_t i = 0; i <= all.size(); ++i) {
    for (std::size_t j = i; j <= all.size(); ++j) {
      ChecksumAccumulator acc;
      acc.add(all.subspan(0, i));
      acc.add(all.subspan(i, j - i));
      acc.add(all.subspan(j));
      ASSERT_EQ(acc.folded(), whole) << "splits " << i << ", " << j;
    }
  }
}

TEST(Checksum, ByteAtATimeEqualsOneCall) {
  Rng rng(44);
  const auto data = random_bytes(rng, 99);
  ChecksumAccumulator acc;
  for (const auto b : data) acc.add(Bytes(&b, 1));
  EXPECT_EQ(acc.folded(), folded_of(data));
  EXPECT_EQ(acc.folded(), reference_sum(data));
}

TEST(Checksum, MixingAddU16AndAddU32EqualsOneCall) {
  Rng rng(45);
  for (int iter = 0; iter < 500; ++iter) {
    // prefix (any length, often odd) + u16 + u32 + suffix + u16
    const auto prefix = random_bytes(rng, rng.below(12));
    const auto suffix = random_bytes(rng, rng.below(12));
    const auto a = static_cast<std::uint16_t>(rng.next_u32());
    const std::uint32_t b = rng.next_u32();
    const auto c = static_cast<std::uint16_t>(rng.next_u32());

    std::vector<std::uint8_t> flat = prefix;
    std::uint8_t tmp[4];
    store_be16(tmp, a);
    flat.insert(flat.end(), tmp, tmp + 2);
    store_be32(tmp, b);
    flat.insert(flat.end(), tmp, tmp + 4);
    flat.insert(flat.end(), suffix.begin(), suffix.end());
    store_be16(tmp, c);
    flat.insert(flat.end(), tmp, tmp + 2);

    ChecksumAccumulator acc;
    acc.add(prefix);
    acc.add_u16(a);
    acc.add_u32(b);
    acc.add(suffix);
    acc.add_u16(c);
    ASSERT_EQ(acc.folded(), reference_sum(flat))
        << "prefix " << prefix.size() << " suffix " << suffix.size();
    ASSERT_EQ(acc.finish(), internet_checksum(flat));
  }
}

TEST(Checksum, AddU16AfterOddPieceKeepsByteAlignment) {
  // {0x12} then 0x3456 is the byte stream 12 34 56 -> 0x1234 + 0x5600.
  const std::uint8_t one = 0x12;
  ChecksumAccumulator acc;
  acc.add(Bytes(&one, 1));
  acc.add_u16(0x3456);
  EXPECT_EQ(acc.folded(), 0x6834);
  // A further odd byte completes the 0x56 word: 12 34 56 78.
  const std::uint8_t next = 0x78;
  acc.add(Bytes(&next, 1));
  EXPECT_EQ(acc.folded(), 0x1234 + 0x5678);
}

// ---------------------------------------------------------------------------
// Randomized against the reference: every length 0..300 at every alignment,
// pieces cut at random points, add_copy

std::uint16_t reference_sum_of(Bytes data) {
  return reference_sum(std::vector<std::uint8_t>(data.begin(), data.end()));
}

// Random bytes, or runs of 0xff (the most carries), or both mixed.
void fill_for_carries(Rng& rng, std::vector<std::uint8_t>& v) {
  rng.fill(v);
  const auto mode = rng.below(3);
  if (mode == 0) return;
  for (auto& b : v) {
    if (mode == 1 || !rng.chance(0.1)) b = 0xff;
  }
}

// 0..4 random cut points in [0, n], with 0 and n: pieces of any parity,
// some empty.
std::vector<std::size_t> random_cuts(Rng& rng, std::size_t n) {
  std::vector<std::size_t> cuts{0, n};
  const auto k = rng.below(5);
  for (std::uint64_t i = 0; i < k; ++i) cuts.push_back(rng.below(n + 1));
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

TEST(Checksum, EveryLengthAtEveryAlignmentMatchesReference) {
  Rng rng(1073);
  std::vector<std::uint8_t> store(300 + 16);
  for (std::size_t len = 0; len <= 300; ++len) {
    for (std::size_t off = 0; off < 16; ++off) {
      fill_for_carries(rng, store);
      const Bytes data(store.data() + off, len);
      const std::uint16_t want = reference_sum_of(data);
      ASSERT_EQ(folded_of(data), want) << "len " << len << " offset " << off;
      ASSERT_EQ(internet_checksum(data), static_cast<std::uint16_t>(~want))
          << "len " << len << " offset " << off;
    }
  }
}

TEST(Checksum, RandomPiecesOfEveryLengthMatchReference) {
  Rng rng(1074);
  std::vector<std::uint8_t> store(300 + 16);
  for (std::size_t len = 0; len <= 300; ++len) {
    for (int trial = 0; trial < 20; ++trial) {
      fill_for_carries(rng, store);
      const Bytes data(store.data() + rng.below(16), len);
      const auto cuts = random_cuts(rng, len);
      ChecksumAccumulator acc;
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        acc.add(data.subspan(cuts[i], cuts[i + 1] - cuts[i]));
      }
      ASSERT_EQ(acc.folded(), reference_sum_of(data)) << "len " << len << " trial " << trial;
    }
  }
}

TEST(ChecksumAddCopy, EveryLengthAlignmentAndPiecesCopiesAndSums) {
  Rng rng(1075);
  constexpr std::uint8_t kGuard = 0xa5;
  std::vector<std::uint8_t> src_store(300 + 16);
  std::vector<std::uint8_t> dst_store(300 + 32);
  for (std::size_t len = 0; len <= 300; ++len) {
    for (int trial = 0; trial < 20; ++trial) {
      fill_for_carries(rng, src_store);
      std::fill(dst_store.begin(), dst_store.end(), kGuard);
      const std::size_t src_off = rng.below(16);
      const std::size_t dst_off = 8 + rng.below(16);
      const Bytes src(src_store.data() + src_off, len);
      const MutBytes dst(dst_store.data() + dst_off, len);
      // Pieces alternate at random between add_copy and add (of bytes
      // copied by hand): the two keep the same byte position.
      const auto cuts = random_cuts(rng, len);
      ChecksumAccumulator acc;
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        const std::size_t at = cuts[i], n = cuts[i + 1] - cuts[i];
        if (rng.chance(0.7)) {
          acc.add_copy(dst.subspan(at, n), src.subspan(at, n));
        } else {
          std::copy_n(src.begin() + static_cast<std::ptrdiff_t>(at), n,
                      dst.begin() + static_cast<std::ptrdiff_t>(at));
          acc.add(src.subspan(at, n));
        }
      }
      ASSERT_EQ(acc.folded(), reference_sum_of(src)) << "len " << len << " trial " << trial;
      ASSERT_TRUE(std::equal(src.begin(), src.end(), dst.begin(), dst.end()))
          << "len " << len << " trial " << trial;
      for (std::size_t i = 0; i < dst_store.size(); ++i) {
        if (i < dst_off || i >= dst_off + len) {
          ASSERT_EQ(dst_store[i], kGuard) << "wrote outside dst: len " << len << " at " << i;
        }
      }
    }
  }
}

TEST(ChecksumAddCopy, InPlaceAndOverlappingActLikeMemmove) {
  Rng rng(1076);
  std::vector<std::uint8_t> buf(300 + 40);
  for (std::size_t len = 0; len <= 300; ++len) {
    for (int shift = -17; shift <= 17; ++shift) {
      fill_for_carries(rng, buf);
      const std::size_t src_at = 20;
      const auto dst_at = static_cast<std::size_t>(20 + shift);
      const std::vector<std::uint8_t> original(
          buf.begin() + src_at, buf.begin() + static_cast<std::ptrdiff_t>(src_at + len));
      std::vector<std::uint8_t> want = buf;
      std::memmove(want.data() + dst_at, want.data() + src_at, len);
      ChecksumAccumulator acc;
      acc.add_copy(MutBytes(buf.data() + dst_at, len), Bytes(buf.data() + src_at, len));
      ASSERT_EQ(buf, want) << "len " << len << " shift " << shift;
      ASSERT_EQ(acc.folded(), reference_sum(original)) << "len " << len << " shift " << shift;
    }
  }
}

TEST(Checksum, BuffersBeyondOneBlockFoldEveryCarry) {
  // More than 8 MiB (the implementation's block of 2^20 64-bit words), odd
  // length: all 0xff, then random.
  const std::size_t len = (std::size_t{8} << 20) + 8 * 3 + 5;
  std::vector<std::uint8_t> data(len, 0xff);
  std::vector<std::uint8_t> copy(len);
  for (int round = 0; round < 2; ++round) {
    if (round == 1) {
      Rng rng(1077);
      rng.fill(data);
    }
    const std::uint16_t want = reference_sum(data);
    EXPECT_EQ(folded_of(data), want) << "round " << round;
    ChecksumAccumulator acc;
    acc.add_copy(copy, data);
    EXPECT_EQ(acc.folded(), want) << "round " << round;
    EXPECT_EQ(copy, data) << "round " << round;
  }
}

// ---------------------------------------------------------------------------
// RFC 1624 incremental update

TEST(ChecksumAdjust, Rfc1624Section3Example) {
  // RFC 1624 §3/§4: the other header words sum to 0xcd7a; a field changes
  // from 0x5555 to 0x3285. HC = ~(0xcd7a + 0x5555) = 0xdd2f. Recomputed
  // from scratch HC' = ~(0xcd7a + 0x3285) = ~0xffff = 0x0000. RFC 1141's
  // eqn. 2 (HC + m + ~m') gives 0xffff, which is wrong; eqn. 3 must give
  // exactly the recomputed 0x0000.
  std::vector<std::uint8_t> hdr = {0xcd, 0x7a, 0x55, 0x55};
  const std::uint16_t hc = internet_checksum(hdr);
  ASSERT_EQ(hc, 0xdd2f);
  store_be16(&hdr[2], 0x3285);
  const std::uint16_t recomputed = internet_checksum(hdr);
  ASSERT_EQ(recomputed, 0x0000);
  EXPECT_EQ(checksum_adjust(hc, 0x5555, 0x3285), recomputed);

  // The reverse change leads back to 0xdd2f, never to a spurious 0xffff.
  EXPECT_EQ(checksum_adjust(0x0000, 0x3285, 0x5555), 0xdd2f);
}

TEST(ChecksumAdjust, UnchangedFieldLeavesChecksumUnchanged) {
  // RFC 1624 erratum 4782's example (m = m' = 0x5555, HC = 0x0000): with
  // proper end-around carry the checksum stays 0x0000.
  EXPECT_EQ(checksum_adjust(0x0000, 0x5555, 0x5555), 0x0000);
  Rng rng(4782);
  for (int i = 0; i < 10000; ++i) {
    const auto hc = static_cast<std::uint16_t>(rng.next_u32());
    const auto m = static_cast<std::uint16_t>(rng.next_u32());
    if (hc == 0xffff) continue;  // only possible for all-zero data (see below)
    ASSERT_EQ(checksum_adjust(hc, m, m), hc) << hc << " " << m;
  }
}

TEST(ChecksumAdjust, Ipv4TtlDecrement) {
  // The router case: TTL 64 -> 63 in the classic header; the TTL shares a
  // 16-bit word with the protocol (0x4011 -> 0x3f11).
  std::vector<std::uint8_t> hdr = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  const std::uint16_t old_word = load_be16(&hdr[8]);
  hdr[8] = 63;
  const std::uint16_t new_word = load_be16(&hdr[8]);
  const std::uint16_t adjusted = checksum_adjust(0xb861, old_word, new_word);
  EXPECT_EQ(adjusted, 0xb961);
  store_be16(&hdr[10], adjusted);
  EXPECT_EQ(folded_of(hdr), 0xffff);  // still verifies
}

TEST(ChecksumAdjust, Adjust32ChangesAnAddress) {
  // NAT-style rewrite of the source address 192.168.0.1 -> 10.0.0.1.
  std::vector<std::uint8_t> hdr = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  const std::uint32_t old_src = load_be32(&hdr[12]);
  const std::uint32_t new_src = Ipv4Address(10, 0, 0, 1).to_u32();
  store_be32(&hdr[12], new_src);
  const std::uint16_t adjusted = checksum_adjust32(0xb861, old_src, new_src);
  store_be16(&hdr[10], 0);
  EXPECT_EQ(adjusted, internet_checksum(hdr));
  store_be16(&hdr[10], adjusted);
  EXPECT_EQ(folded_of(hdr), 0xffff);
}

// Which value to give a changed field: random, or one chosen to land on a
// boundary of one's-complement arithmetic.
enum class Pick { Random, Zero, AllOnes, Same, Complement, MakeSumNegZero };

std::uint16_t pick_u16(Rng& rng, Pick how, std::uint16_t old_value, std::uint16_t others_sum) {
  switch (how) {
    case Pick::Random: return static_cast<std::uint16_t>(rng.next_u32());
    case Pick::Zero: return 0x0000;
    case Pick::AllOnes: return 0xffff;
    case Pick::Same: return old_value;
    case Pick::Complement: return static_cast<std::uint16_t>(~old_value);
    // others + ~others = 0xffff: the new checksum is exactly 0x0000.
    case Pick::MakeSumNegZero: return static_cast<std::uint16_t>(~others_sum);
  }
  return 0;
}

bool all_zero(const std::vector<std::uint8_t>& v) {
  return std::all_of(v.begin(), v.end(), [](std::uint8_t b) { return b == 0; });
}

// RFC 1624 §3 assumes the covered data always holds a non-zero word (true
// for IPv4, and for TCP/UDP through the pseudo-header's protocol). When the
// *new* data is entirely zero, its true checksum is ~(+0) = 0xffff, but
// eqn. 3 cannot tell +0 from -0 and yields 0x0000; such cases are skipped
// in the randomized comparison below.

TEST(ChecksumAdjust, Adjust16EqualsFullRecomputation) {
  Rng rng(1624);
  int compared = 0;
  int zero_results = 0;
  for (int iter = 0; iter < 10000; ++iter) {
    const std::size_t len = 2 + rng.below(63);  // 2..64 bytes, odd lengths too
    auto data = random_bytes(rng, len);
    if (rng.chance(0.1)) std::fill(data.begin(), data.end(), 0x00);  // sparse data
    if (rng.chance(0.1)) std::fill(data.begin(), data.end(), 0xff);
    const std::size_t off = 2 * rng.below(len / 2);  // a 16-bit aligned field
    const std::uint16_t old_value = load_be16(&data[off]);
    const std::uint16_t hc = internet_checksum(data);

    store_be16(&data[off], 0);
    const std::uint16_t others = folded_of(data);
    const auto how = static_cast<Pick>(rng.below(6));
    const std::uint16_t new_value = pick_u16(rng, how, old_value, others);
    store_be16(&data[off], new_value);
    if (all_zero(data)) continue;

    const std::uint16_t expected = internet_checksum(data);
    const std::uint16_t adjusted = checksum_adjust(hc, old_value, new_value);
    ASSERT_EQ(adjusted, expected) << "iter " << iter << " len " << len << " off " << off
                                  << " old " << old_value << " new " << new_value << " hc " << hc;
    ++compared;
    if (expected == 0x0000) ++zero_results;
  }
  EXPECT_GT(compared, 9000);
  EXPECT_GT(zero_results, 500);  // the -0 boundary was exercised often
}

TEST(ChecksumAdjust, Adjust32EqualsFullRecomputation) {
  Rng rng(16241);
  int compared = 0;
  for (int iter = 0; iter < 10000; ++iter) {
    const std::size_t len = 4 + rng.below(61);  // 4..64 bytes
    auto data = random_bytes(rng, len);
    if (rng.chance(0.1)) std::fill(data.begin(), data.end(), 0x00);
    const std::size_t off = 2 * rng.below((len - 4) / 2 + 1);  // 16-bit aligned, fits
    const std::uint32_t old_value = load_be32(&data[off]);
    const std::uint16_t hc = internet_checksum(data);

    std::uint32_t new_value = 0;
    switch (rng.below(4)) {
      case 0: new_value = rng.next_u32(); break;
      case 1: new_value = 0; break;
      case 2: new_value = old_value; break;
      default: {  // choose the new value so that the new sum is -0
        store_be32(&data[off], 0);
        const std::uint16_t others = folded_of(data);
        new_value = static_cast<std::uint32_t>(static_cast<std::uint16_t>(~others));
        if (rng.chance(0.5)) new_value = (std::uint32_t{0xffff} << 16) | new_value;
        break;
      }
    }
    store_be32(&data[off], new_value);
    if (all_zero(data)) continue;

    const std::uint16_t expected = internet_checksum(data);
    ASSERT_EQ(checksum_adjust32(hc, old_value, new_value), expected)
        << "iter " << iter << " len " << len << " off " << off;
    ++compared;
  }
  EXPECT_GT(compared, 9000);
}

TEST(ChecksumAdjust, SeveralChangesInSequence) {
  // Apply a chain of adjustments and compare with recomputation each time.
  Rng rng(99);
  std::vector<std::uint8_t> data = random_bytes(rng, 40);
  std::uint16_t hc = internet_checksum(data);
  for (int step = 0; step < 1000; ++step) {
    const std::size_t off = 2 * rng.below(20);
    const std::uint16_t old_value = load_be16(&data[off]);
    const auto new_value = static_cast<std::uint16_t>(rng.next_u32());
    store_be16(&data[off], new_value);
    if (all_zero(data)) break;
    hc = checksum_adjust(hc, old_value, new_value);
    ASSERT_EQ(hc, internet_checksum(data)) << "step " << step;
  }
}

// ---------------------------------------------------------------------------
// Pseudo-header

TEST(PseudoHeader, HandComputedSum) {
  // 192.0.2.1 -> 198.51.100.2, UDP (17), length 28:
  //   c000 + 0201 + c633 + 6402 + 0011 + 001c = 0x1ec63 -> 0xec64
  ChecksumAccumulator acc;
  add_pseudo_header(acc, Ipv4Address(192, 0, 2, 1), Ipv4Address(198, 51, 100, 2), 17, 28);
  EXPECT_EQ(acc.folded(), 0xec64);
  EXPECT_EQ(acc.finish(), 0x139b);

  // The same 12 bytes laid out as RFC 768 draws them.
  const std::vector<std::uint8_t> bytes = {192, 0, 2, 1, 198, 51, 100, 2, 0, 17, 0, 28};
  EXPECT_EQ(folded_of(bytes), 0xec64);
}

TEST(PseudoHeader, UdpDatagramChecksum) {
  // UDP 12345 -> 53, payload "hi!" (length 11), between the addresses above.
  std::vector<std::uint8_t> udp = {0x30, 0x39, 0x00, 0x35, 0x00, 0x0b, 0x00, 0x00, 'h', 'i', '!'};
  ChecksumAccumulator acc;
  add_pseudo_header(acc, Ipv4Address(192, 0, 2, 1), Ipv4Address(198, 51, 100, 2), 17,
                    static_cast<std::uint16_t>(udp.size()));
  acc.add(udp);
  const std::uint16_t cks = acc.finish();
  EXPECT_EQ(cks, 0x59c9);

  // A receiver summing pseudo-header + datagram with the checksum in place
  // gets -0.
  store_be16(&udp[6], cks);
  ChecksumAccumulator verify;
  add_pseudo_header(verify, Ipv4Address(192, 0, 2, 1), Ipv4Address(198, 51, 100, 2), 17,
                    static_cast<std::uint16_t>(udp.size()));
  verify.add(udp);
  EXPECT_EQ(verify.folded(), 0xffff);

  // The wrong protocol number, address or length breaks verification.
  ChecksumAccumulator wrong;
  add_pseudo_header(wrong, Ipv4Address(192, 0, 2, 1), Ipv4Address(198, 51, 100, 2), 6,
                    static_cast<std::uint16_t>(udp.size()));
  wrong.add(udp);
  EXPECT_NE(wrong.folded(), 0xffff);
}

TEST(PseudoHeader, MatchesByteLayoutOnRandomInputs) {
  Rng rng(768);
  for (int i = 0; i < 1000; ++i) {
    const Ipv4Address src(rng.next_u32());
    const Ipv4Address dst(rng.next_u32());
    const auto proto = static_cast<std::uint8_t>(rng.below(256));
    const auto length = static_cast<std::uint16_t>(rng.below(65536));
    std::vector<std::uint8_t> bytes(12);
    src.write_to(&bytes[0]);
    dst.write_to(&bytes[4]);
    bytes[8] = 0;
    bytes[9] = proto;
    store_be16(&bytes[10], length);
    ChecksumAccumulator acc;
    add_pseudo_header(acc, src, dst, proto, length);
    ASSERT_EQ(acc.folded(), reference_sum(bytes));
  }
}

}  // namespace
}  // namespace ws
