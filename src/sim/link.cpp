#include "sim/link.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "base/bytes.hpp"
#include "base/checksum.hpp"

namespace ws::sim {

std::string_view to_string(LinkVerdict v) {
  switch (v) {
    case LinkVerdict::kInFlight: return "in flight";
    case LinkVerdict::kLost: return "lost";
    case LinkVerdict::kQueueDrop: return "queue full";
    case LinkVerdict::kAqmDrop: return "dropped by the AQM";
    case LinkVerdict::kMtuDrop: return "exceeds mtu";
    case LinkVerdict::kRuntDrop: return "runt";
    case LinkVerdict::kInFlightDrop: return "too many in flight";
  }
  return "?";
}

Duration serialization_time(std::size_t bytes, std::uint64_t rate_bps) {
  if (rate_bps == 0) return Duration::zero();
  // 128-bit so that bytes * 8e9 cannot overflow; rounded up so that a
  // frame never finishes earlier than the line allows.
  const unsigned __int128 bit_ns = static_cast<unsigned __int128>(bytes) * 8u * 1'000'000'000u;
  const unsigned __int128 ns = (bit_ns + rate_bps - 1) / rate_bps;
  return Duration::nanos(static_cast<std::int64_t>(ns));
}

Link::Link(LinkEnd a, LinkEnd b, const LinkConfig& ab, const LinkConfig& ba) : a_(a), b_(b) {
  set_config(Dir::kAtoB, ab);
  set_config(Dir::kBtoA, ba);
}

bool Link::mark_ce(MutBytes frame) {
  // Ethernet II carrying IPv4 (EtherType 0x0800), a whole fixed header.
  constexpr std::size_t ip = kEthernetHeaderLen;
  if (frame.size() < ip + 20 || frame[12] != 0x08 || frame[13] != 0x00) return false;
  if ((frame[ip] >> 4) != 4) return false;
  const std::uint8_t cp = frame[ip + 1] & 0x03;
  if (cp == 0) return false;  // Not-ECT
  if (cp == 0x03) return true;
  // The ECN bits share a 16-bit word with version/IHL and DSCP.
  const std::uint16_t old_word = load_be16(frame.data() + ip);
  frame[ip + 1] |= 0x03;
  const std::uint16_t new_word = load_be16(frame.data() + ip);
  store_be16(frame.data() + ip + 10, checksum_adjust(load_be16(frame.data() + ip + 10), old_word, new_word));
  return true;
}

void Link::release_started(Side& s, Instant now) {
  while (!s.waiting.empty() && s.waiting.front().start <= now) {
    s.waiting_bytes -= s.waiting.front().bytes;
    s.waiting.pop_front();
  }
}

std::size_t Link::queued_bytes(Dir d, Instant now) {
  Side& s = side(d);
  release_started(s, now);
  return s.waiting_bytes;
}

void Link::corrupt_bits(MutBytes frame, Rng& rng, unsigned max_bits) {
  // Distinct bits, so the frame always differs from what was sent and the
  // `corrupted` counter means what it says. Only bits after the Ethernet
  // header (see LinkConfig::corrupt_arp); the caller skips header-only frames.
  const std::uint64_t bits = (frame.size() - kEthernetHeaderLen) * 8;
  const auto count = static_cast<std::size_t>(rng.range(1, std::clamp(max_bits, 1u, 3u)));
  std::array<std::uint64_t, 3> picked{};
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t bit = 0;
    do {
      bit = rng.below(bits);
    } while (std::find(picked.begin(), picked.begin() + static_cast<std::ptrdiff_t>(i), bit) !=
             picked.begin() + static_cast<std::ptrdiff_t>(i));
    picked[i] = bit;
    frame[kEthernetHeaderLen + bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }
}

Duration Link::draw_jitter(const LinkConfig& c, Rng& rng) {
  if (c.jitter <= Duration::zero()) return Duration::zero();
  return Duration::nanos(
      static_cast<std::int64_t>(rng.range(0, static_cast<std::uint64_t>(c.jitter.total_nanos()))));
}

LinkVerdict Link::offer(Dir d, Instant now, Frame frame, Rng& rng, std::vector<Arrival>& out) {
  Side& s = side(d);
  const LinkConfig& c = s.config;
  ++s.stats.sent;
  if (frame.size() < kEthernetHeaderLen) {
    ++s.stats.runt_drops;
    return LinkVerdict::kRuntDrop;
  }
  if (frame.size() - kEthernetHeaderLen > c.mtu) {
    ++s.stats.mtu_drops;
    return LinkVerdict::kMtuDrop;
  }
  // Frames waiting for the serializer already have their arrival scheduled,
  // so in_flight covers them too: it bounds the simulator's event queue.
  if (s.in_flight >= c.in_flight_limit) {
    ++s.stats.in_flight_drops;
    return LinkVerdict::kInFlightDrop;
  }

  // Serialization: the frame starts when the line is free and the last bit
  // leaves at `on_wire`. Because start times only grow, the whole schedule
  // is known at enqueue time and no per-frame "done" event is needed.
  Instant on_wire = now;
  if (c.rate_bps != 0) {
    release_started(s, now);
    const Instant start = std::max(now, s.busy_until);
    if (start > now) {
      if (s.waiting_bytes + frame.size() > c.queue_limit_bytes) {
        ++s.stats.queue_drops;
        return LinkVerdict::kQueueDrop;
      }
      // The AQM decides as the frame leaves the queue, at `start` (header).
      const std::size_t ahead = s.waiting_bytes;
      s.waiting.push_back(Pending{start, frame.size()});
      s.waiting_bytes += frame.size();
      if (c.aqm == Aqm::kCodel && s.codel.on_dequeue(start, start - now, ahead)) {
        if (mark_ce(frame.mut_bytes())) {
          ++s.stats.ce_marks;
        } else {
          ++s.stats.aqm_drops;  // it waited in the queue, but takes no line time
          return LinkVerdict::kAqmDrop;
        }
      }
    } else if (c.aqm == Aqm::kCodel) {
      (void)s.codel.on_dequeue(start, Duration::zero(), 0);  // an empty queue: below target
    }
    s.busy_until = start + serialization_time(frame.size(), c.rate_bps);
    on_wire = s.busy_until;
  }

  // On the wire. The draw order is part of the replay contract (header).
  if (rng.chance(c.loss)) {
    ++s.stats.lost;
    return LinkVerdict::kLost;
  }
  const Bytes b = frame.bytes();
  const bool is_arp = b.size() >= 14 && b[12] == 0x08 && b[13] == 0x06;
  if ((c.corrupt_arp || !is_arp) && frame.size() > kEthernetHeaderLen && rng.chance(c.corrupt)) {
    corrupt_bits(frame.mut_bytes(), rng, c.corrupt_max_bits);
    ++s.stats.corrupted;
  }
  const bool dup = rng.chance(c.duplicate);
  const bool held = rng.chance(c.reorder);
  Instant at = on_wire + c.delay + draw_jitter(c, rng);
  if (held) {
    // Not clamped and not recorded in last_arrival: frames sent after it
    // may now arrive first, which is the point.
    at += c.reorder_delay;
    ++s.stats.reordered;
  } else {
    at = std::max(at, s.last_arrival);
    s.last_arrival = at;
  }

  if (dup && s.in_flight + 2 > c.in_flight_limit) {
    ++s.stats.in_flight_drops;  // no room for the copy; the original still goes
  } else if (dup) {
    ++s.stats.duplicated;
    out.push_back(Arrival{at, frame.clone()});  // the one copy a link makes
    ++s.in_flight;
  }
  // The copy was pushed first only to clone `frame` before moving it; both
  // arrive at the same instant, so their order is immaterial (identical bytes).
  out.push_back(Arrival{at, std::move(frame)});
  ++s.in_flight;
  return LinkVerdict::kInFlight;
}

void Link::arrived(Dir d) {
  Side& s = side(d);
  if (s.in_flight > 0) --s.in_flight;
  ++s.stats.delivered;
}

}  // namespace ws::sim
