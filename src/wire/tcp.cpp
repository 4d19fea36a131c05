#include "wire/tcp.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "base/checksum.hpp"
#include "wire/ipv4.hpp"

namespace ws {

std::string TcpFlags::to_string() const {
  std::string s;
  if (fin()) s += 'F';
  if (syn()) s += 'S';
  if (rst()) s += 'R';
  if (psh()) s += 'P';
  if (urg()) s += 'U';
  if (ece()) s += 'E';
  if (cwr()) s += 'W';
  if (ack()) s += '.';
  if (s.empty()) s = "none";
  return s;
}

WireResult<TcpView> TcpView::check(Bytes segment) {
  if (segment.size() < kMinHeaderLen) return wire_error(WireError::TruncatedHeader);
  const std::size_t offset = static_cast<std::size_t>(segment[12] >> 4) * 4;
  if (offset < kMinHeaderLen || offset > segment.size()) return wire_error(WireError::BadDataOffset);
  return TcpView(segment);
}

bool TcpView::checksum_ok(Ipv4Address src, Ipv4Address dst) const {
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, ipproto::kTcp, static_cast<std::uint16_t>(b_.size()));
  acc.add(b_);
  return acc.folded() == 0xffff;
}

WireResult<TcpSegment> TcpSegment::parse(Bytes segment, Ipv4Address src, Ipv4Address dst,
                                         bool verify_checksum) {
  auto v = TcpView::check(segment);
  if (!v) return wire_error(v.error());
  if (segment.size() > 0xffff) return wire_error(WireError::BadLength);
  if (verify_checksum && !v->checksum_ok(src, dst)) return wire_error(WireError::BadChecksum);
  const TcpFlags flags = v->flags();
  // A SYN opens a connection; with RST or FIN it is meaningless (and a
  // classic scanner probe). Reject it here so protocol code never sees it.
  if (flags.syn() && (flags.rst() || flags.fin())) return wire_error(WireError::BadFlags);
  auto options = TcpOptions::parse(v->options());
  if (!options) return wire_error(options.error());

  TcpSegment s;
  s.src_port = v->src_port();
  s.dst_port = v->dst_port();
  s.seq = v->seq();
  if (flags.ack()) s.ack = v->ack();
  s.flags = flags;
  s.window = v->window();
  s.urgent_ptr = v->urgent_ptr();
  s.options = *options;
  s.payload = v->payload();
  return s;
}

void TcpSegment::emit(MutBytes out, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const {
  assert(out.size() == buffer_len() && buffer_len() <= 0xffff);
  std::uint8_t* p = out.data();
  const std::size_t hlen = header_len();
  // The payload first (it may already lie in out, even where the header
  // goes), summed as it is copied unless the checksum is left partial.
  ChecksumAccumulator payload_sum;
  if (mode == ChecksumMode::kFull) {
    payload_sum.add_copy(out.subspan(hlen), payload);
  } else if (!payload.empty()) {
    std::memmove(p + hlen, payload.data(), payload.size());
  }
  store_be16(p, src_port);
  store_be16(p + 2, dst_port);
  store_be32(p + 4, seq.raw());
  store_be32(p + 8, ack ? ack->raw() : 0);
  p[12] = static_cast<std::uint8_t>((hlen / 4) << 4);
  p[13] = static_cast<std::uint8_t>(ack ? (flags.bits | TcpFlags::kAck) : (flags.bits & ~TcpFlags::kAck));
  store_be16(p + 14, window);
  store_be16(p + 16, 0);
  store_be16(p + 18, urgent_ptr);
  options.emit(out.subspan(TcpView::kMinHeaderLen, hlen - TcpView::kMinHeaderLen));
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, ipproto::kTcp, static_cast<std::uint16_t>(out.size()));
  if (mode == ChecksumMode::kPartial) {
    store_be16(p + 16, acc.folded());
    return;
  }
  acc.add(out.first(hlen));
  // hlen is a multiple of 4, so the payload's folded sum is one more 16-bit
  // word of the same sum (RFC 1071 §2(A): the order of summing is free).
  acc.add_u16(payload_sum.folded());
  store_be16(p + 16, acc.finish());
}

bool TcpSegment::operator==(const TcpSegment& o) const {
  return src_port == o.src_port && dst_port == o.dst_port && seq == o.seq && ack == o.ack &&
         flags == o.flags && window == o.window && urgent_ptr == o.urgent_ptr &&
         options == o.options &&
         std::equal(payload.begin(), payload.end(), o.payload.begin(), o.payload.end());
}

}  // namespace ws
