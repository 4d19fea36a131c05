#include "sim/switch.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "wire/ethernet.hpp"

namespace ws::sim {

Switch::Switch(SwitchConfig config)
    : config_(std::move(config)), pending_per_port_(config_.ports, 0), port_stats_(config_.ports) {}

Switch::Switch(std::string name, std::size_t ports)
    : Switch(SwitchConfig{.name = std::move(name), .ports = ports}) {}

void Switch::expire(Instant now) {
  while (!lru_.empty()) {
    auto it = table_.find(lru_.front());
    if (!expired(it->second, now)) break;
    table_.erase(it);
    lru_.pop_front();
    ++stats_.aged_out;
  }
}

void Switch::learn(const MacAddress& src, std::size_t port, Instant now) {
  auto it = table_.find(src);
  if (it != table_.end()) {
    if (it->second.port != port) {
      ++stats_.moved;  // the station moved (or was re-cabled): trust the newest sighting
      it->second.port = port;
    }
    it->second.last_seen = now;
    lru_.splice(lru_.end(), lru_, it->second.lru);
    return;
  }
  if (config_.table_limit == 0) return;
  if (table_.size() >= config_.table_limit) {
    table_.erase(lru_.front());
    lru_.pop_front();
    ++stats_.evicted;
  }
  lru_.push_back(src);
  table_.emplace(src, Entry{port, now, std::prev(lru_.end())});
  ++stats_.learned;
}

void Switch::enqueue(std::size_t port, Frame frame) {
  SwitchPortStats& ps = port_stats_[port];
  if (pending_per_port_[port] >= config_.port_queue_limit) {
    ++ps.queue_drops;
    return;
  }
  ++pending_per_port_[port];
  ++ps.tx_frames;
  pending_.push_back(OutFrame{port, std::move(frame)});
}

void Switch::deliver(Instant now, std::size_t port, Frame& frame) {
  // The Node contract gives valid ports; a wrong one is ignored rather
  // than trusted as an index.
  if (port >= config_.ports) return;
  ++stats_.received;
  ++port_stats_[port].rx_frames;
  auto eth = EthernetView::check(frame.bytes());
  if (!eth) {
    ++stats_.runts;
    return;
  }
  // Age first, so an entry that expired at this very instant is unknown
  // even though the ageing wake-up (same instant) has not run yet.
  expire(now);
  const MacAddress src = eth->src();
  const MacAddress dst = eth->dst();
  // A multicast source is invalid (IEEE 802.3 §3.2.3): never learn it.
  if (src.is_unicast()) learn(src, port, now);

  if (dst.is_unicast()) {
    auto it = table_.find(dst);
    if (it != table_.end()) {
      if (it->second.port == port) {
        ++stats_.filtered;  // the destination is on the segment the frame came from
      } else {
        ++stats_.forwarded;
        enqueue(it->second.port, std::move(frame));
      }
      return;
    }
    ++stats_.unknown_flooded;
  } else {
    ++stats_.flooded;
  }
  // Every port but the ingress one: copies for all but the last, which
  // takes the frame itself.
  const std::size_t last = port + 1 == config_.ports ? port - 1 : config_.ports - 1;
  for (std::size_t p = 0; p < config_.ports; ++p) {
    if (p == port) continue;
    enqueue(p, p == last ? std::move(frame) : frame.clone());
  }
}

void Switch::poll(Instant now) { expire(now); }

Instant Switch::poll_at() const {
  if (lru_.empty()) return Instant::never();
  return table_.at(lru_.front()).last_seen + config_.aging;
}

void Switch::drain(std::vector<OutFrame>& out) {
  for (OutFrame& f : pending_) out.push_back(std::move(f));
  pending_.clear();
  std::fill(pending_per_port_.begin(), pending_per_port_.end(), 0);
}

std::optional<std::size_t> Switch::lookup(const MacAddress& mac, Instant now) const {
  auto it = table_.find(mac);
  if (it == table_.end() || expired(it->second, now)) return std::nullopt;
  return it->second.port;
}

}  // namespace ws::sim
