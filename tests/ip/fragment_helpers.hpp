// Test helpers for IPv4 fragments: whole datagrams and hand-made fragments
// with random payloads, fragmenting into plain byte vectors, and feeding a
// Reassembler. Failures inside the helpers are reported by GoogleTest.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/rng.hpp"
#include "ip/fragments.hpp"

namespace ws::testing::fragments {

using Datagram = std::vector<std::uint8_t>;

inline const Ipv4Address kSrc(192, 0, 2, 1);
inline const Ipv4Address kDst(198, 51, 100, 2);
inline constexpr Instant kT0 = Instant::zero();

inline Ipv4Header base_header(std::uint16_t ident = 0x1234, std::uint8_t protocol = ipproto::kUdp) {
  Ipv4Header h;
  h.dscp = 10;
  h.ecn = 1;
  h.ident = ident;
  h.ttl = 61;
  h.protocol = protocol;
  h.src = kSrc;
  h.dst = kDst;
  return h;
}

inline Datagram emit(Ipv4Header h, Bytes payload) {
  h.payload_len = static_cast<std::uint16_t>(payload.size());
  Datagram d(h.total_len());
  h.emit(d);
  std::copy(payload.begin(), payload.end(),
            d.begin() + static_cast<std::ptrdiff_t>(h.header_len()));
  return d;
}

inline Datagram random_bytes(Rng& rng, std::size_t n) {
  Datagram b(n);
  rng.fill(b);
  return b;
}

// A whole datagram with a random payload.
inline Datagram make_datagram(Rng& rng, std::size_t payload_len, Bytes options = {},
                              std::uint16_t ident = 0x1234, std::uint8_t protocol = ipproto::kUdp) {
  Ipv4Header h = base_header(ident, protocol);
  h.options = options;
  return emit(h, random_bytes(rng, payload_len));
}

// One hand-made fragment.
inline Datagram make_fragment(std::uint16_t offset, bool more, Bytes data,
                              std::uint16_t ident = 0x1234, Bytes options = {}) {
  Ipv4Header h = base_header(ident);
  h.frag_offset = offset;
  h.more_frags = more;
  h.options = options;
  return emit(h, data);
}

inline Ipv4Header header_of(const Datagram& d) {
  auto h = Ipv4Header::parse(d);  // verifies the checksum
  EXPECT_TRUE(h.ok());
  return h.ok() ? *h : Ipv4Header{};
}

inline std::vector<Datagram> fragment(const Datagram& d, std::size_t mtu) {
  BufferPool pool(PacketBuffer::kDefaultHeadroom + mtu, 10000);
  std::vector<PacketRef> refs;
  EXPECT_TRUE(fragment_datagram(d, mtu, pool, refs));
  std::vector<Datagram> out;
  for (const auto& r : refs) {
    EXPECT_GE(r->headroom(), 14u);  // room for the Ethernet header
    out.emplace_back(r->bytes().begin(), r->bytes().end());
  }
  return out;
}

inline std::optional<Datagram> feed(Reassembler& r, Instant now, const Datagram& f) {
  const Ipv4Header h = header_of(f);
  return r.add(now, h, f);
}

inline void shuffle(Rng& rng, std::vector<Datagram>& v) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// Feeds `frags` in order; expects completion exactly at the last one.
inline Datagram reassemble(Reassembler& r, const std::vector<Datagram>& frags, Instant now = kT0) {
  if (frags.empty()) {
    ADD_FAILURE() << "no fragments";
    return {};
  }
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) {
    EXPECT_FALSE(feed(r, now, frags[i]).has_value()) << "completed early at fragment " << i;
  }
  auto out = feed(r, now, frags.back());
  EXPECT_TRUE(out.has_value());
  return out.value_or(Datagram{});
}

}  // namespace ws::testing::fragments
