#include "tcp/isn.hpp"

#include <array>

namespace ws::tcp {

std::uint32_t IsnGenerator::timer_term(Instant now) {
  // Floor division (an Instant before the driver's epoch is negative), then
  // the low 32 bits: M wraps with the sequence space.
  std::int64_t ticks = now.nanos() / kTick.total_nanos();
  if (now.nanos() % kTick.total_nanos() < 0) --ticks;
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ticks));
}

std::uint32_t IsnGenerator::hash_term(Ipv4Address local_addr, std::uint16_t local_port,
                                      Ipv4Address remote_addr, std::uint16_t remote_port) const {
  // The 4-tuple in network byte order, fixed layout: 12 bytes.
  std::array<std::uint8_t, 12> msg{};
  store_be32(msg.data(), local_addr.to_u32());
  store_be16(msg.data() + 4, local_port);
  store_be32(msg.data() + 6, remote_addr.to_u32());
  store_be16(msg.data() + 10, remote_port);
  return static_cast<std::uint32_t>(siphash24(key_, msg));
}

SeqNum IsnGenerator::generate(Instant now, Ipv4Address local_addr, std::uint16_t local_port,
                              Ipv4Address remote_addr, std::uint16_t remote_port) const {
  return SeqNum(hash_term(local_addr, local_port, remote_addr, remote_port)) + timer_term(now);
}

}  // namespace ws::tcp
