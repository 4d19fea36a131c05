// IPv4 fragmentation and reassembly (RFC 791 §3.2, RFC 815, RFC 1122
// §3.3.2), bounded in memory and time. Overlapping fragments discard the
// whole datagram, in the spirit of RFC 5722 (written for IPv6): overlaps
// have no legitimate use and enable evasion attacks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "base/address.hpp"
#include "base/bytes.hpp"
#include "base/packet_buffer.hpp"
#include "base/time.hpp"
#include "wire/ipv4.hpp"

namespace ws {

struct ReassemblyConfig {
  Duration timeout = Duration::seconds(30);  // per datagram, from its first fragment (Linux: 30 s)
  std::size_t memory_limit = 256 * 1024;     // fragment payload bytes held, all datagrams together
  std::size_t max_datagrams = 64;            // datagrams in reassembly at once
};

struct ReassemblyStats {
  std::uint64_t fragments_received = 0;
  std::uint64_t datagrams_reassembled = 0;
  std::uint64_t duplicates = 0;        // exact repeats of a held fragment, ignored
  std::uint64_t overlaps = 0;          // datagrams discarded for overlapping fragments
  std::uint64_t timeouts = 0;          // datagrams discarded after the timeout
  std::uint64_t memory_drops = 0;      // fragments dropped by memory_limit / max_datagrams
  std::uint64_t malformed = 0;         // inconsistent: beyond 65535, data after the last fragment, ...
};

class Reassembler {
 public:
  explicit Reassembler(ReassemblyConfig config = {});

  // Adds one fragment. `datagram` is the whole fragment as received (IPv4
  // header included, already validated); `h` its parsed header. Returns the
  // reassembled datagram — a valid IPv4 header (the first fragment's,
  // with MF clear, offset 0, total length and checksum updated) followed by
  // the whole payload — when this fragment completes it.
  std::optional<std::vector<std::uint8_t>> add(Instant now, const Ipv4Header& h, Bytes datagram);

  // Discards datagrams whose timeout passed. For each one whose first
  // fragment (offset 0) had arrived, returns that fragment's bytes so the
  // caller can send ICMP time exceeded, code 1 (RFC 792; RFC 1122 §3.3.2:
  // only when fragment zero is present).
  std::vector<std::vector<std::uint8_t>> poll(Instant now);
  Instant poll_at() const;  // the earliest timeout, or Instant::never()

  std::size_t memory_used() const { return memory_used_; }
  std::size_t datagrams_in_progress() const { return pending_.size(); }
  const ReassemblyStats& stats() const { return stats_; }

 private:
  struct Key {
    Ipv4Address src;
    Ipv4Address dst;
    std::uint8_t protocol;
    std::uint16_t ident;
    auto operator<=>(const Key&) const = default;
  };
  struct Pending {
    Instant deadline;
    std::vector<std::uint8_t> first_header;  // the offset-0 fragment's header, once it arrived
    // Payload by offset (bytes), non-overlapping; the offset-0 entry is the
    // first fragment's payload exactly, so that fragment can be rebuilt.
    std::map<std::uint16_t, std::vector<std::uint8_t>> fragments;
    std::optional<std::size_t> total_len;  // payload length, known once the last fragment arrived
    std::size_t bytes = 0;                 // payload bytes held
  };
  using PendingMap = std::map<Key, Pending>;

  void expire(Instant now, std::vector<std::vector<std::uint8_t>>& first_fragments);
  void discard(PendingMap::iterator it, bool tombstone);
  std::optional<std::vector<std::uint8_t>> complete_if_whole(PendingMap::iterator it);

  ReassemblyConfig config_;
  PendingMap pending_;
  std::set<std::pair<Instant, Key>> deadlines_;  // pending_ ordered by deadline
  // Keys whose datagram was discarded for overlap or inconsistency: their
  // later fragments are dropped until the discarded datagram's deadline.
  std::map<Key, Instant> tombstones_;
  std::set<std::pair<Instant, Key>> tombstone_deadlines_;
  // First fragments of datagrams that add() found expired, for the next poll().
  std::vector<std::vector<std::uint8_t>> expired_firsts_;
  Instant expired_due_ = Instant::never();
  std::size_t memory_used_ = 0;
  ReassemblyStats stats_;
};

// Splits `datagram` (a whole IPv4 datagram with a valid header, DF clear)
// into fragments of at most `mtu` bytes each, appending one PacketRef per
// fragment to `out` (each with headroom for a link header). Fragment data
// lengths are multiples of 8 except the last; options are copied into later
// fragments only when their copy flag is set (RFC 791 §3.1). Returns false
// (and appends nothing) when the pool runs out or mtu cannot carry the
// header plus 8 bytes of data.
bool fragment_datagram(Bytes datagram, std::size_t mtu, BufferPool& pool, std::vector<PacketRef>& out);
// The same, each piece in a buffer of the smallest class that holds it.
bool fragment_datagram(Bytes datagram, std::size_t mtu, PacketPools& pools, std::vector<PacketRef>& out);

}  // namespace ws
