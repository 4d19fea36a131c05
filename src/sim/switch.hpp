// A learning Ethernet switch (IEEE 802.1D transparent bridging, without
// spanning tree: keep simulated topologies loop-free).
//
// For each frame arriving on port p:
//   1. learn: the source MAC (if unicast) is on port p, now;
//   2. forward by destination, as seed 001 puts it — the switch floods only
//      when "1. 目标mac为FF-FF-FF-FF-FF-FF  2. 目标mac地址不在mac地址表中"
//      (the destination is broadcast, or not in the MAC table). Multicast
//      is flooded too (no IGMP snooping). Flooding goes to every port but
//      p; a known destination goes to its one port, and a destination
//      learned on p itself is filtered (dropped, counted) — a frame never
//      goes back out the port it came in on.
//
// Entries age out `aging` after they were last refreshed (802.1D's default
// ageing time is 300 s). The table is bounded: when full, the least
// recently refreshed entry is evicted (counted). Forwarding takes no time;
// links carry the delay. Unconnected ports are flooded like any other: the
// simulator drops (and counts) frames for ports without a link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/address.hpp"
#include "base/time.hpp"
#include "sim/node.hpp"

namespace ws::sim {

struct SwitchConfig {
  std::string name = "switch";
  std::size_t ports = 8;
  Duration aging = Duration::seconds(300);
  std::size_t table_limit = 1024;
  // Frames waiting on one output port for the simulator to drain them. With
  // the simulator draining after every delivery this only fills when a
  // driver delivers many frames without draining.
  std::size_t port_queue_limit = 256;
};

struct SwitchStats {
  std::uint64_t received = 0;
  std::uint64_t runts = 0;    // shorter than an Ethernet header; dropped
  std::uint64_t learned = 0;  // new table entries
  std::uint64_t moved = 0;    // a known MAC seen on another port
  std::uint64_t aged_out = 0;
  std::uint64_t evicted = 0;          // table full: least recently seen entry replaced
  std::uint64_t forwarded = 0;        // known unicast sent to its one port
  std::uint64_t flooded = 0;          // broadcast and multicast frames flooded
  std::uint64_t unknown_flooded = 0;  // unicast to an unknown MAC, flooded
  std::uint64_t filtered = 0;         // destination is on the ingress port: dropped
};

struct SwitchPortStats {
  std::uint64_t rx_frames = 0;
  std::uint64_t tx_frames = 0;    // queued for transmission
  std::uint64_t queue_drops = 0;  // output queue full
};

class Switch final : public Node {
 public:
  explicit Switch(SwitchConfig config);
  Switch(std::string name, std::size_t ports);

  // Node
  const std::string& name() const override { return config_.name; }
  std::size_t port_count() const override { return config_.ports; }
  // Moves a frame for one known port into that port's queue (no copy);
  // a flood clones it for all ports but the last, which takes it.
  void deliver(Instant now, std::size_t port, Frame& frame) override;
  void poll(Instant now) override;
  // The next ageing deadline (the oldest entry's), or never when empty.
  Instant poll_at() const override;
  void drain(std::vector<OutFrame>& out) override;

  // The port `mac` was learned on, unless unknown or aged out at `now`.
  std::optional<std::size_t> lookup(const MacAddress& mac, Instant now) const;
  std::size_t table_size() const { return table_.size(); }
  const SwitchConfig& config() const { return config_; }
  const SwitchStats& stats() const { return stats_; }
  const SwitchPortStats& port_stats(std::size_t port) const { return port_stats_.at(port); }

 private:
  struct Entry {
    std::size_t port;
    Instant last_seen;
    std::list<MacAddress>::iterator lru;  // position in lru_
  };

  void expire(Instant now);
  void learn(const MacAddress& src, std::size_t port, Instant now);
  void enqueue(std::size_t port, Frame frame);
  bool expired(const Entry& e, Instant now) const { return now >= e.last_seen + config_.aging; }

  SwitchConfig config_;
  std::unordered_map<MacAddress, Entry> table_;
  // MACs from least to most recently refreshed. The clock only moves
  // forward, so this is also expiry order: ageing looks at the front only
  // and poll_at() is O(1), with no scan of the table.
  std::list<MacAddress> lru_;
  std::vector<OutFrame> pending_;              // in arrival order, for drain()
  std::vector<std::size_t> pending_per_port_;  // bounds each output queue
  SwitchStats stats_;
  std::vector<SwitchPortStats> port_stats_;
};

}  // namespace ws::sim
