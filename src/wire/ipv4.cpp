#include "wire/ipv4.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "base/checksum.hpp"

namespace ws {

namespace {

// Version and IHL checks shared by full and quoted parsing.
WireResult<std::size_t> check_fixed(Bytes packet) {
  if (packet.size() < Ipv4View::kMinHeaderLen) return wire_error(WireError::TruncatedHeader);
  if ((packet[0] >> 4) != 4) return wire_error(WireError::BadVersion);
  const std::size_t ihl = std::size_t{packet[0] & 0x0fu} * 4;
  if (ihl < Ipv4View::kMinHeaderLen) return wire_error(WireError::BadHeaderLength);
  if (ihl > packet.size()) return wire_error(WireError::TruncatedHeader);
  return ihl;
}

// The fixed fields at p (already bounds-checked by the caller).
Ipv4Header fields_of(const std::uint8_t* p, Bytes options, std::size_t payload_len) {
  Ipv4Header h;
  h.dscp = p[1] >> 2;
  h.ecn = p[1] & 0x03;
  h.ident = load_be16(p + 4);
  h.dont_frag = (p[6] & 0x40) != 0;
  h.more_frags = (p[6] & 0x20) != 0;
  h.frag_offset = static_cast<std::uint16_t>((load_be16(p + 6) & 0x1fff) * 8);
  h.ttl = p[8];
  h.protocol = p[9];
  h.src = Ipv4Address::from_bytes(p + 12);
  h.dst = Ipv4Address::from_bytes(p + 16);
  h.options = options;
  h.payload_len = static_cast<std::uint16_t>(payload_len);
  return h;
}

}  // namespace

WireResult<Ipv4View> Ipv4View::check(Bytes packet) {
  auto ihl = check_fixed(packet);
  if (!ihl) return wire_error(ihl.error());
  const std::size_t total = load_be16(packet.data() + 2);
  if (total < *ihl) return wire_error(WireError::BadTotalLength);
  if (total > packet.size()) return wire_error(WireError::TruncatedPayload);
  return Ipv4View(packet.first(total));
}

bool Ipv4View::checksum_ok() const { return internet_checksum(header()) == 0; }

WireResult<Ipv4Header> Ipv4Header::parse(Bytes packet, bool verify_checksum) {
  auto v = Ipv4View::check(packet);
  if (!v) return wire_error(v.error());
  if (verify_checksum && !v->checksum_ok()) return wire_error(WireError::BadChecksum);
  return fields_of(v->header().data(), v->options(), v->payload().size());
}

void Ipv4Header::emit(MutBytes out) const {
  assert(out.size() >= header_len());
  assert(options.size() % 4 == 0 && options.size() <= 40);
  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(0x40 | (header_len() / 4));
  p[1] = static_cast<std::uint8_t>((dscp << 2) | (ecn & 0x03));
  store_be16(p + 2, static_cast<std::uint16_t>(total_len()));
  store_be16(p + 4, ident);
  std::uint16_t frag = static_cast<std::uint16_t>((frag_offset / 8) & 0x1fff);
  if (dont_frag) frag |= 0x4000;
  if (more_frags) frag |= 0x2000;
  store_be16(p + 6, frag);
  p[8] = ttl;
  p[9] = protocol;
  store_be16(p + 10, 0);
  src.write_to(p + 12);
  dst.write_to(p + 16);
  if (!options.empty()) std::memmove(p + 20, options.data(), options.size());
  store_be16(p + 10, internet_checksum(Bytes(p, header_len())));
}

bool Ipv4Header::operator==(const Ipv4Header& o) const {
  return dscp == o.dscp && ecn == o.ecn && ident == o.ident && dont_frag == o.dont_frag &&
         more_frags == o.more_frags && frag_offset == o.frag_offset && ttl == o.ttl &&
         protocol == o.protocol && src == o.src && dst == o.dst && payload_len == o.payload_len &&
         std::equal(options.begin(), options.end(), o.options.begin(), o.options.end());
}

WireResult<QuotedDatagram> parse_quoted_datagram(Bytes quoted) {
  auto ihl = check_fixed(quoted);
  if (!ihl) return wire_error(ihl.error());
  const std::size_t total = load_be16(quoted.data() + 2);
  if (total < *ihl) return wire_error(WireError::BadTotalLength);
  const std::size_t present = std::min(total, quoted.size());
  QuotedDatagram q;
  // The header describes the original datagram, of which only a prefix is here.
  q.header = fields_of(quoted.data(), quoted.subspan(Ipv4View::kMinHeaderLen, *ihl - Ipv4View::kMinHeaderLen),
                       total - *ihl);
  q.data = quoted.subspan(*ihl, present - *ihl);
  return q;
}

}  // namespace ws
