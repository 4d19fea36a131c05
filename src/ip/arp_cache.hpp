// The ARP cache of one interface (RFC 826, RFC 1122 §2.3.2): IPv4 address
// → MAC, with entry lifetime and refresh, bounded request retries, and a
// bounded queue of packets waiting for each address being resolved
// (RFC 1122 §2.3.2.2: "SHOULD save at least one (the latest) packet").
// Sans-I/O: it decides; the host sends the requests and the packets.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/address.hpp"
#include "base/packet_buffer.hpp"
#include "base/time.hpp"

namespace ws {

struct ArpConfig {
  Duration lifetime = Duration::seconds(60);        // a resolved entry's validity
  Duration refresh_before = Duration::seconds(5);   // refresh (unicast request) when used this close to expiry
  Duration retry_interval = Duration::seconds(1);   // between requests while resolving
  std::uint32_t max_requests = 3;                   // requests before giving up
  std::size_t max_entries = 512;
  std::size_t max_pending = 64;  // packets per unresolved address: a 64 KiB datagram is 45 fragments
};

struct ArpStats {
  std::uint64_t pending_drops = 0;  // queue full: oldest dropped (RFC 1122 keeps the latest)
  std::uint64_t failures = 0;       // resolutions abandoned after max_requests
  std::uint64_t evictions = 0;      // entries evicted because the table was full
};

class ArpCache {
 public:
  explicit ArpCache(ArpConfig config = {}) : config_(config) {}

  // What sending to `ip` needs.
  struct Lookup {
    std::optional<MacAddress> mac;  // resolved and not expired
    bool refresh = false;           // also send a unicast request to refresh the entry
  };
  Lookup lookup(Instant now, Ipv4Address ip);

  // Queues a packet for an unresolved address. Returns true when a new
  // resolution started (the caller sends the first request now).
  bool enqueue(Instant now, Ipv4Address ip, PacketRef packet);

  // Records ip → mac (RFC 826 "merge": an existing entry is always
  // updated; a new one is created only when `create`, i.e. the packet was
  // addressed to us). Returns the packets that were waiting for it.
  std::vector<PacketRef> learn(Instant now, Ipv4Address ip, MacAddress mac, bool create);

  struct Failure {
    Ipv4Address ip;
    std::vector<PacketRef> packets;
  };
  struct PollResult {
    std::vector<Ipv4Address> retransmit;  // send another request for these
    std::vector<Failure> failed;          // gave up: report unreachable to their senders
  };
  void poll(Instant now, PollResult& out);
  // Whether a packet waiting for `ip` to be resolved satisfies `match`
  // (it sees the IPv4 packet, no link header). At most max_pending calls.
  bool any_pending(Ipv4Address ip, const std::function<bool(Bytes packet)>& match) const;
  // Earliest retry deadline of an address being resolved (never if none).
  Instant poll_at() const;

  struct EntryView {
    Ipv4Address ip;
    std::optional<MacAddress> mac;  // none while resolving
    Instant expires;                // resolved: end of lifetime; resolving: next retry
  };
  std::vector<EntryView> entries() const;
  std::size_t size() const { return entries_.size(); }
  const ArpStats& stats() const { return stats_; }

 private:
  struct Entry {
    std::optional<MacAddress> mac;
    Instant expires;             // resolved entries
    bool refresh_sent = false;
    // resolving entries
    Instant next_retry;
    std::uint32_t requests_sent = 0;
    std::deque<PacketRef> pending;
  };
  // Makes room for one entry: drops an expired resolved entry, else the
  // resolved entry closest to expiry. Returns false if all are resolving.
  bool make_room(Instant now);

  ArpConfig config_;
  std::unordered_map<Ipv4Address, Entry> entries_;
  std::size_t resolving_ = 0;  // entries without a MAC (the only ones with timers)
  ArpStats stats_;
};

}  // namespace ws
