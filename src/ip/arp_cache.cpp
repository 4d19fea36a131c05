#include "ip/arp_cache.hpp"

#include <algorithm>

namespace ws {

ArpCache::Lookup ArpCache::lookup(Instant now, Ipv4Address ip) {
  auto it = entries_.find(ip);
  if (it == entries_.end() || !it->second.mac) return {};
  Entry& e = it->second;
  if (now >= e.expires) {
    // Expired: forget it; the caller starts a new resolution.
    entries_.erase(it);
    return {};
  }
  Lookup l{e.mac, false};
  // Refresh while still usable, so a busy flow never stalls on expiry
  // (the spirit of RFC 1122 §2.3.2.1's unicast poll).
  if (!e.refresh_sent && e.expires - now <= config_.refresh_before) {
    e.refresh_sent = true;
    l.refresh = true;
  }
  return l;
}

bool ArpCache::enqueue(Instant now, Ipv4Address ip, PacketRef packet) {
  auto it = entries_.find(ip);
  bool started = false;
  if (it == entries_.end() || it->second.mac) {
    if (it != entries_.end()) {
      entries_.erase(it);  // an expired resolved entry
    }
    if (entries_.size() >= config_.max_entries && !make_room(now)) {
      ++stats_.pending_drops;  // table full of resolutions in progress
      return false;
    }
    Entry e;
    e.next_retry = now + config_.retry_interval;
    e.requests_sent = 1;
    it = entries_.emplace(ip, std::move(e)).first;
    ++resolving_;
    started = true;
  }
  Entry& e = it->second;
  if (config_.max_pending == 0) {
    ++stats_.pending_drops;
    return started;
  }
  if (e.pending.size() >= config_.max_pending) {
    e.pending.pop_front();  // keep the latest (RFC 1122 §2.3.2.2)
    ++stats_.pending_drops;
  }
  e.pending.push_back(std::move(packet));
  return started;
}

std::vector<PacketRef> ArpCache::learn(Instant now, Ipv4Address ip, MacAddress mac, bool create) {
  std::vector<PacketRef> released;
  auto it = entries_.find(ip);
  if (it == entries_.end()) {
    if (!create) return released;
    if (entries_.size() >= config_.max_entries && !make_room(now)) return released;
    it = entries_.emplace(ip, Entry{}).first;
  }
  Entry& e = it->second;
  if (!e.mac) {
    if (e.requests_sent > 0) --resolving_;  // it was being resolved
    released.reserve(e.pending.size());
    for (auto& p : e.pending) released.push_back(std::move(p));
    e.pending.clear();
    e.requests_sent = 0;
  }
  e.mac = mac;
  e.expires = now + config_.lifetime;
  e.refresh_sent = false;
  return released;
}

void ArpCache::poll(Instant now, PollResult& out) {
  if (resolving_ == 0) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.mac || now < e.next_retry) {
      ++it;
      continue;
    }
    if (e.requests_sent >= config_.max_requests) {
      Failure f{it->first, {}};
      for (auto& p : e.pending) f.packets.push_back(std::move(p));
      out.failed.push_back(std::move(f));
      ++stats_.failures;
      --resolving_;
      it = entries_.erase(it);
      continue;
    }
    ++e.requests_sent;
    e.next_retry = now + config_.retry_interval;
    out.retransmit.push_back(it->first);
    ++it;
  }
  // unordered_map order is not specified: sort so runs are reproducible
  // across standard libraries.
  std::sort(out.retransmit.begin(), out.retransmit.end());
  std::sort(out.failed.begin(), out.failed.end(),
            [](const Failure& a, const Failure& b) { return a.ip < b.ip; });
}

bool ArpCache::any_pending(Ipv4Address ip, const std::function<bool(Bytes packet)>& match) const {
  auto it = entries_.find(ip);
  if (it == entries_.end() || it->second.mac) return false;
  return std::any_of(it->second.pending.begin(), it->second.pending.end(),
                     [&](const PacketRef& p) { return match(p->bytes()); });
}

Instant ArpCache::poll_at() const {
  if (resolving_ == 0) return Instant::never();
  Instant t = Instant::never();
  for (const auto& [ip, e] : entries_) {
    if (!e.mac) t = std::min(t, e.next_retry);
  }
  return t;
}

bool ArpCache::make_room(Instant now) {
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!it->second.mac) continue;
    if (now >= it->second.expires) {
      victim = it;
      break;
    }
    if (victim == entries_.end() || it->second.expires < victim->second.expires ||
        (it->second.expires == victim->second.expires && it->first < victim->first)) {
      victim = it;
    }
  }
  if (victim == entries_.end()) return false;
  entries_.erase(victim);
  ++stats_.evictions;
  return true;
}

std::vector<ArpCache::EntryView> ArpCache::entries() const {
  std::vector<EntryView> v;
  v.reserve(entries_.size());
  for (const auto& [ip, e] : entries_) v.push_back({ip, e.mac, e.mac ? e.expires : e.next_retry});
  std::sort(v.begin(), v.end(), [](const EntryView& a, const EntryView& b) { return a.ip < b.ip; });
  return v;
}

}  // namespace ws
