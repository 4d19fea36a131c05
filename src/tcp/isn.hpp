// IsnGenerator: initial sequence numbers per RFC 6528 §3,
//
//   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
//
// M is a timer ticking every 4 microseconds (250,000 per second, the
// RFC 9293 §3.4.1 clock: the sequence space wraps in about 4.8 hours), read
// from the Instant passed in. F is SipHash-2-4 keyed with a 128-bit secret
// over the 4-tuple: an off-path attacker cannot predict a connection's ISN
// (RFC 6528 §1), while one 4-tuple's ISNs still increase with time, so a
// new incarnation starts above the old one's sequence numbers (RFC 9293
// §3.4.1). The key comes from the host's seeded Rng, so simulations replay.
#pragma once

#include <cstdint>

#include "base/address.hpp"
#include "base/rng.hpp"
#include "base/siphash.hpp"
#include "base/time.hpp"
#include "wire/seq_num.hpp"

namespace ws::tcp {

class IsnGenerator {
 public:
  // RFC 6528 §3: M's tick.
  static constexpr Duration kTick = Duration::micros(4);

  explicit IsnGenerator(const SipKey& secret) : key_(secret) {}

  // A fresh secret (RFC 6528 §3: "SHOULD be ... random") from the host's Rng.
  static SipKey make_key(Rng& rng) { return SipKey{rng.next_u64(), rng.next_u64()}; }

  SeqNum generate(Instant now, Ipv4Address local_addr, std::uint16_t local_port,
                  Ipv4Address remote_addr, std::uint16_t remote_port) const;

  // The two terms, for tests and tracing.
  static std::uint32_t timer_term(Instant now);
  std::uint32_t hash_term(Ipv4Address local_addr, std::uint16_t local_port, Ipv4Address remote_addr,
                          std::uint16_t remote_port) const;

 private:
  SipKey key_;
};

}  // namespace ws::tcp
