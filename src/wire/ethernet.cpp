#include "wire/ethernet.hpp"

#include <cassert>

namespace ws {

WireResult<EthernetView> EthernetView::check(Bytes frame) {
  if (frame.size() < kHeaderLen) return wire_error(WireError::TruncatedHeader);
  return EthernetView(frame);
}

WireResult<EthernetHeader> EthernetHeader::parse(Bytes frame) {
  auto v = EthernetView::check(frame);
  if (!v) return wire_error(v.error());
  return EthernetHeader{v->dst(), v->src(), v->ethertype()};
}

void EthernetHeader::emit(MutBytes out) const {
  assert(out.size() >= header_len());
  dst.write_to(out.data());
  src.write_to(out.data() + 6);
  store_be16(out.data() + 12, ethertype);
}

}  // namespace ws
