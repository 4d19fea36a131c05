#include "wire/udp.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "base/checksum.hpp"
#include "wire/ipv4.hpp"

namespace ws {

WireResult<UdpView> UdpView::check(Bytes datagram) {
  if (datagram.size() < kHeaderLen) return wire_error(WireError::TruncatedHeader);
  const std::size_t len = load_be16(datagram.data() + 4);
  if (len < kHeaderLen) return wire_error(WireError::BadLength);
  if (len > datagram.size()) return wire_error(WireError::TruncatedPayload);
  return UdpView(datagram.first(len));
}

bool UdpView::checksum_ok(Ipv4Address src, Ipv4Address dst) const {
  if (checksum() == 0) return true;  // RFC 768: "all zero ... means no checksum"
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, ipproto::kUdp, length());
  acc.add(b_);
  return acc.folded() == 0xffff;
}

WireResult<UdpDatagram> UdpDatagram::parse(Bytes datagram, Ipv4Address src, Ipv4Address dst,
                                           bool verify_checksum) {
  auto v = UdpView::check(datagram);
  if (!v) return wire_error(v.error());
  if (verify_checksum && !v->checksum_ok(src, dst)) return wire_error(WireError::BadChecksum);
  return UdpDatagram{v->src_port(), v->dst_port(), v->payload()};
}

void UdpDatagram::emit(MutBytes out, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const {
  assert(out.size() == buffer_len() && buffer_len() <= 0xffff);
  std::uint8_t* p = out.data();
  // The payload first (it may already lie in out, even where the header
  // goes), summed as it is copied unless the checksum is left partial.
  ChecksumAccumulator payload_sum;
  if (mode == ChecksumMode::kFull) {
    payload_sum.add_copy(out.subspan(UdpView::kHeaderLen), payload);
  } else if (!payload.empty()) {
    std::memmove(p + UdpView::kHeaderLen, payload.data(), payload.size());
  }
  const auto len = static_cast<std::uint16_t>(buffer_len());
  store_be16(p, src_port);
  store_be16(p + 2, dst_port);
  store_be16(p + 4, len);
  store_be16(p + 6, 0);
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, ipproto::kUdp, len);
  if (mode == ChecksumMode::kPartial) {
    store_be16(p + 6, acc.folded());
    return;
  }
  acc.add(out.first(UdpView::kHeaderLen));
  // The 8-byte header keeps the payload on a 16-bit word boundary: its
  // folded sum is one more word of the same sum (RFC 1071 §2(A)).
  acc.add_u16(payload_sum.folded());
  const std::uint16_t sum = acc.finish();
  store_be16(p + 6, sum == 0 ? 0xffff : sum);  // RFC 768: zero is sent as all ones
}

bool UdpDatagram::operator==(const UdpDatagram& o) const {
  return src_port == o.src_port && dst_port == o.dst_port &&
         std::equal(payload.begin(), payload.end(), o.payload.begin(), o.payload.end());
}

}  // namespace ws
