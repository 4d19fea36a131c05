#include "wire/icmp.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "base/checksum.hpp"

namespace ws {

WireResult<IcmpView> IcmpView::check(Bytes message) {
  if (message.size() < kHeaderLen) return wire_error(WireError::TruncatedHeader);
  return IcmpView(message);
}

bool IcmpView::checksum_ok() const { return internet_checksum(b_) == 0; }

WireResult<IcmpMessage> IcmpMessage::parse(Bytes message) {
  auto v = IcmpView::check(message);
  if (!v) return wire_error(v.error());
  if (!v->checksum_ok()) return wire_error(WireError::BadChecksum);
  IcmpMessage m;
  m.code = v->code();
  m.body = v->body();
  switch (v->type()) {
    case static_cast<std::uint8_t>(IcmpType::EchoRequest):
    case static_cast<std::uint8_t>(IcmpType::EchoReply):
      m.type = static_cast<IcmpType>(v->type());
      m.ident = v->word1();
      m.seq = v->word2();
      return m;
    case static_cast<std::uint8_t>(IcmpType::DestUnreachable):
      m.type = IcmpType::DestUnreachable;
      if (m.code == icmp_unreach::kFragNeeded) m.next_hop_mtu = v->word2();
      break;
    case static_cast<std::uint8_t>(IcmpType::TimeExceeded):
      m.type = IcmpType::TimeExceeded;
      break;
    default:
      return wire_error(WireError::UnsupportedType);
  }
  // An error is only useful if its quote names the original datagram.
  auto q = parse_quoted_datagram(m.body);
  if (!q) return wire_error(q.error());
  return m;
}

void IcmpMessage::emit(MutBytes out) const {
  assert(out.size() == buffer_len());
  std::uint8_t* p = out.data();
  if (!body.empty()) std::memmove(p + IcmpView::kHeaderLen, body.data(), body.size());
  p[0] = static_cast<std::uint8_t>(type);
  p[1] = code;
  store_be16(p + 2, 0);
  switch (type) {
    case IcmpType::EchoRequest:
    case IcmpType::EchoReply:
      store_be16(p + 4, ident);
      store_be16(p + 6, seq);
      break;
    case IcmpType::DestUnreachable:
      store_be16(p + 4, 0);
      store_be16(p + 6, code == icmp_unreach::kFragNeeded ? next_hop_mtu : 0);
      break;
    case IcmpType::TimeExceeded:
      store_be32(p + 4, 0);
      break;
  }
  store_be16(p + 2, internet_checksum(out));
}

bool IcmpMessage::operator==(const IcmpMessage& o) const {
  return type == o.type && code == o.code && ident == o.ident && seq == o.seq &&
         next_hop_mtu == o.next_hop_mtu &&
         std::equal(body.begin(), body.end(), o.body.begin(), o.body.end());
}

std::size_t icmp_quote_len(Bytes original_datagram) {
  constexpr std::size_t kMaxIcmpError = 576 - 20 - IcmpView::kHeaderLen;
  return std::min(original_datagram.size(), kMaxIcmpError);
}

}  // namespace ws
