#include "wire/arp.hpp"

#include <cassert>

namespace ws {

namespace {
constexpr std::uint16_t kHardwareEthernet = 1;
constexpr std::uint16_t kProtocolIpv4 = 0x0800;
}  // namespace

WireResult<ArpView> ArpView::check(Bytes packet) {
  if (packet.size() < kLen) return wire_error(WireError::TruncatedHeader);
  ArpView v(packet.first(kLen));
  if (v.hardware_type() != kHardwareEthernet || v.protocol_type() != kProtocolIpv4 ||
      v.hardware_len() != 6 || v.protocol_len() != 4) {
    return wire_error(WireError::UnsupportedHardware);
  }
  return v;
}

WireResult<ArpPacket> ArpPacket::parse(Bytes packet) {
  auto v = ArpView::check(packet);
  if (!v) return wire_error(v.error());
  const std::uint16_t op = v->operation();
  if (op != static_cast<std::uint16_t>(ArpOp::Request) &&
      op != static_cast<std::uint16_t>(ArpOp::Reply)) {
    return wire_error(WireError::BadOperation);
  }
  return ArpPacket{static_cast<ArpOp>(op), v->sender_mac(), v->sender_ip(), v->target_mac(),
                   v->target_ip()};
}

void ArpPacket::emit(MutBytes out) const {
  assert(out.size() >= buffer_len());
  std::uint8_t* p = out.data();
  store_be16(p, kHardwareEthernet);
  store_be16(p + 2, kProtocolIpv4);
  p[4] = 6;
  p[5] = 4;
  store_be16(p + 6, static_cast<std::uint16_t>(op));
  sender_mac.write_to(p + 8);
  sender_ip.write_to(p + 14);
  target_mac.write_to(p + 18);
  target_ip.write_to(p + 24);
}

}  // namespace ws
