// A simulated point-to-point cable between two node ports, with per
// direction faults (loss, duplication, reordering, corruption), delay and
// jitter, a serialization rate with a bounded FIFO queue, and an MTU.
//
// The model of one direction, in the order a frame meets it:
//
//   offer() ─► runt/MTU check ─► FIFO queue (tail drop) ─► [AQM at the
//   head: CoDel drops, or marks CE] ─► serializer at rate_bps ─► wire: loss,
//   corruption, duplication, reordering, delay+jitter ─► arrival at the far port
//
// The AQM (`aqm`, only with a rate): CoDel (RFC 8289, sim/codel.hpp) decides
// for each frame as it leaves the queue. Because the FIFO's schedule is
// fixed when a frame is offered (start = when the line is free), its
// departure time and sojourn are known then, and the decisions are made in
// departure order, as at a real dequeue. A frame CoDel picks is marked CE
// when its IPv4 header says ECT(0) or ECT(1) (RFC 3168 §5; the header
// checksum is patched, RFC 1624), else dropped — it stayed in the queue
// until its departure but takes no line time. The tail-drop limit stays
// the hard bound. One difference from a dequeue-time implementation:
// CoDel's "at most one MTU queued" test (RFC 8289 §4.4) sees the bytes
// queued ahead of the frame when it arrived, not those behind it when it
// leaves (not known yet when the schedule is fixed); under a standing
// queue the two are about equal.
//
// Faults are applied on the wire, after serialization: a lost frame still
// occupied the sender's link time, as on a real cable. Every random choice
// draws from the Rng passed in (the Simulation's single generator), in a
// fixed order per frame — loss, corruption (bit count, bit positions),
// duplication, reordering, jitter — and a draw is made only when its
// probability (or jitter) is non-zero. So a seed replays a run exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "sim/codel.hpp"
#include "sim/frame.hpp"

namespace ws::sim {

class Node;

// One direction's behaviour. The defaults are a perfect, instantaneous cable
// with a 1500-byte MTU.
// Active queue management in front of the serializer.
enum class Aqm : std::uint8_t {
  kNone,   // tail drop only
  kCodel,  // RFC 8289, marking ECN-capable frames CE instead of dropping
};

struct LinkConfig {
  // Propagation delay; each frame gets delay + uniform[0, jitter].
  Duration delay = Duration::zero();
  Duration jitter = Duration::zero();
  // Probabilities in [0, 1], drawn independently per frame.
  double loss = 0.0;
  double duplicate = 0.0;  // an identical copy arrives right after the frame, same instant
  double reorder = 0.0;    // the frame is held `reorder_delay` longer, so later frames overtake it
  double corrupt = 0.0;    // 1..corrupt_max_bits distinct random bits after the Ethernet header are flipped
  // One flipped bit is always caught by the Internet checksum (RFC 1071),
  // as the robustness tests require. Two or more can cancel out in a
  // 16-bit one's-complement sum — real links drop those with their CRC-32,
  // which the simulator does not model — so raise this only to show that.
  unsigned corrupt_max_bits = 1;
  // The Ethernet header and ARP have no checksum of their own: on a real
  // link only the CRC-32 protects them, and the simulator does not model
  // the CRC. A flipped source MAC teaches a switch a wrong port for a
  // station (the client's 02:…:02:00 and the server's 02:…:03:00 differ in
  // one bit: soak case 8391 lost every frame to the server for a minute),
  // and corrupted ARP poisons caches. So the Ethernet header is never
  // corrupted, and ARP frames are spared unless this is set.
  bool corrupt_arp = false;
  Duration reorder_delay = Duration::millis(1);
  // Serialization rate in bits per second; 0 means unlimited (no queueing).
  std::uint64_t rate_bps = 0;
  // Bytes that may wait for the serializer (the frame being serialized does
  // not count). The default mirrors Linux's txqueuelen of 1000 full frames.
  std::size_t queue_limit_bytes = 1000 * 1514;
  // The AQM in front of the serializer (only when rate_bps is not 0).
  Aqm aqm = Aqm::kNone;
  CodelConfig codel;
  // The largest Ethernet payload; the largest frame is mtu + 14 (no FCS).
  std::size_t mtu = 1500;
  // Frames propagating at once (after serialization, before arrival). A
  // pipe is a queue too, and every queue is bounded (docs/principles.md "Bounded everything").
  std::size_t in_flight_limit = 1 << 16;

  // Convenience: a cable with only a fixed delay.
  static LinkConfig with_delay(Duration d) {
    LinkConfig c;
    c.delay = d;
    return c;
  }
};

struct LinkStats {
  std::uint64_t sent = 0;       // frames offered by the sending port
  std::uint64_t delivered = 0;  // frames handed to the receiving port (copies included)
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;  // extra copies created
  std::uint64_t reordered = 0;   // frames held back by `reorder_delay`
  std::uint64_t corrupted = 0;
  std::uint64_t queue_drops = 0;      // FIFO full (tail drop)
  std::uint64_t aqm_drops = 0;        // dropped by the AQM (not ECN-capable)
  std::uint64_t ce_marks = 0;         // marked CE by the AQM instead (RFC 3168)
  std::uint64_t mtu_drops = 0;        // Ethernet payload > mtu
  std::uint64_t runt_drops = 0;       // shorter than an Ethernet header (14 bytes)
  std::uint64_t in_flight_drops = 0;  // more than in_flight_limit frames on the wire
};

// Which way a frame travels: from end A (the first pair given to
// Simulation::connect) to end B, or back.
enum class Dir : std::uint8_t { kAtoB = 0, kBtoA = 1 };

constexpr Dir reverse(Dir d) { return d == Dir::kAtoB ? Dir::kBtoA : Dir::kAtoB; }

struct LinkEnd {
  Node* node = nullptr;
  std::size_t port = 0;
};

// What became of a frame offered to a link.
enum class LinkVerdict : std::uint8_t {
  kInFlight,  // on its way (possibly corrupted, duplicated or reordered)
  kLost,      // serialized, then lost on the wire
  kQueueDrop,
  kAqmDrop,
  kMtuDrop,
  kRuntDrop,
  kInFlightDrop,
};

std::string_view to_string(LinkVerdict v);

class Link {
 public:
  // A frame that will reach the far end at `at`.
  struct Arrival {
    Instant at;
    Frame frame;
  };

  Link(LinkEnd a, LinkEnd b, const LinkConfig& ab, const LinkConfig& ba);

  const LinkEnd& end(Dir from) const { return from == Dir::kAtoB ? a_ : b_; }
  const LinkEnd& end_a() const { return a_; }
  const LinkEnd& end_b() const { return b_; }
  // The direction in which frames sent by `node`'s `port` travel.
  Dir dir_from(const Node& node, std::size_t port) const {
    return (a_.node == &node && a_.port == port) ? Dir::kAtoB : Dir::kBtoA;
  }

  const LinkConfig& config(Dir d) const { return side(d).config; }
  // Takes effect for frames offered from now on (e.g. cut the cable with
  // loss = 1 at some instant); frames already queued or flying are kept.
  void set_config(Dir d, const LinkConfig& c) {
    side(d).config = c;
    side(d).codel = Codel(c.codel);
  }
  void set_config(const LinkConfig& both) {
    set_config(Dir::kAtoB, both);
    set_config(Dir::kBtoA, both);
  }
  const LinkStats& stats(Dir d) const { return side(d).stats; }
  // Bytes waiting for the serializer at `now` (0 when rate_bps is 0).
  std::size_t queued_bytes(Dir d, Instant now);
  std::size_t in_flight(Dir d) const { return side(d).in_flight; }

  // The link's model, used by Simulation (and by tests on their own): takes
  // a frame sent at `now` in direction `d`, appends 0, 1 or 2 arrivals to
  // `out` (arrival times are >= now) and says what happened. Each arrival
  // must later be reported with arrived(). The frame moves into its
  // arrival (a fault changes its bytes in place); only a duplicate is a
  // copy (Frame::clone). A dropped frame is destroyed here.
  LinkVerdict offer(Dir d, Instant now, Frame frame, Rng& rng, std::vector<Arrival>& out);
  // One arrival of direction `d` reached the far port.
  void arrived(Dir d);

 private:
  static constexpr std::size_t kEthernetHeaderLen = 14;

  struct Pending {  // a frame accepted by the serializer
    Instant start;  // when its serialization begins
    std::size_t bytes;
  };
  struct Side {
    LinkConfig config;
    LinkStats stats;
    // Rate limiting: frames whose serialization has not started yet, in
    // start order; their total is `waiting_bytes`. Bounded by
    // queue_limit_bytes / 14 entries (runts never enter).
    std::deque<Pending> waiting;
    std::size_t waiting_bytes = 0;
    Instant busy_until = Instant::zero();
    // The latest arrival of a frame that was not picked for reordering:
    // later frames never arrive before it, so jitter alone cannot reorder.
    Instant last_arrival = Instant::zero();
    std::size_t in_flight = 0;
    Codel codel;  // the AQM's state (config.aqm == kCodel)
  };

  Side& side(Dir d) { return sides_[static_cast<std::size_t>(d)]; }
  const Side& side(Dir d) const { return sides_[static_cast<std::size_t>(d)]; }
  static void release_started(Side& s, Instant now);
  static void corrupt_bits(MutBytes frame, Rng& rng, unsigned max_bits);
  static Duration draw_jitter(const LinkConfig& c, Rng& rng);
 public:
  // RFC 3168 §5: sets an ECN-capable IPv4 frame's ECN field to CE (and
  // patches the header checksum, RFC 1624). False when the frame is not
  // IPv4 or not ECN-capable (Not-ECT): it must be dropped instead. A frame
  // already CE stays so (true).
  static bool mark_ce(MutBytes frame);

 private:

  LinkEnd a_;
  LinkEnd b_;
  Side sides_[2];
};

// Time to clock `bytes` onto a line of `rate_bps`, rounded up to whole
// nanoseconds; zero when the rate is unlimited.
Duration serialization_time(std::size_t bytes, std::uint64_t rate_bps);

}  // namespace ws::sim
