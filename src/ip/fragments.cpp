#include "ip/fragments.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

#include "base/checksum.hpp"

namespace ws {

namespace {

// RFC 791 §3.1: total length is 16 bits, so header + payload <= 65535.
constexpr std::size_t kMaxDatagram = 65535;

// RFC 791 §3.1 option encoding: two single-byte options, the rest are
// type, length, data. The type's top bit is the copy flag.
constexpr std::uint8_t kOptionEnd = 0;
constexpr std::uint8_t kOptionNop = 1;
constexpr std::uint8_t kOptionCopied = 0x80;

std::size_t fragment_end(std::uint16_t offset, const std::vector<std::uint8_t>& data) {
  return std::size_t{offset} + data.size();
}

// The options a non-first fragment carries (RFC 791 §3.1, "copied flag";
// §3.2 "fragmentation": options with the flag clear go in the first
// fragment only), EOL-padded to a multiple of 4. Returns their length.
// A malformed option list ends the copy there: the first fragment still
// carries the original bytes, and we cannot tell what a broken option meant.
std::size_t copied_options(Bytes options, std::array<std::uint8_t, 40>& out) {
  out.fill(kOptionEnd);
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < options.size()) {
    const std::uint8_t type = options[i];
    if (type == kOptionEnd) break;
    if (type == kOptionNop) {
      ++i;
      continue;
    }
    if (i + 1 >= options.size()) break;
    const std::size_t len = options[i + 1];
    if (len < 2 || i + len > options.size()) break;
    if ((type & kOptionCopied) != 0) {
      std::memcpy(out.data() + n, options.data() + i, len);
      n += len;
    }
    i += len;
  }
  // n <= options.size(), a multiple of 4 and at most 40, so this stays in `out`.
  return (n + 3) / 4 * 4;
}

}  // namespace

Reassembler::Reassembler(ReassemblyConfig config) : config_(config) {}

std::optional<std::vector<std::uint8_t>> Reassembler::add(Instant now, const Ipv4Header& h,
                                                          Bytes datagram) {
  // Expire first so that a fragment arriving after its datagram's deadline
  // starts a new datagram instead of completing a discarded one (RFC 791
  // §3.2: when the timer runs out, the buffer resources are released).
  expire(now, expired_firsts_);
  // Bounded like everything else; the oldest ICMP report is the one to lose.
  if (expired_firsts_.size() > config_.max_datagrams) {
    expired_firsts_.erase(
        expired_firsts_.begin(),
        expired_firsts_.end() - static_cast<std::ptrdiff_t>(config_.max_datagrams));
  }

  const std::size_t hl = h.header_len();
  if (datagram.size() < hl + h.payload_len) {  // the header does not describe these bytes
    ++stats_.malformed;
    return std::nullopt;
  }
  // A whole datagram (MF clear, offset 0) needs no reassembly (RFC 791 §3.2).
  if (!h.is_fragment())
    return std::vector<std::uint8_t>(datagram.begin(),
                                     datagram.begin() + static_cast<std::ptrdiff_t>(h.total_len()));

  ++stats_.fragments_received;
  const Bytes payload = datagram.subspan(hl, h.payload_len);
  const std::size_t offset = h.frag_offset;
  const std::size_t end = offset + payload.size();
  const bool last = !h.more_frags;
  const Key key{h.src, h.dst, h.protocol, h.ident};

  // RFC 5722 §4 as amended by errata 3089: the datagram "and any constituent
  // fragments, including those not yet received" are discarded. Without the
  // tombstone, the stragglers would start a fresh reassembly that an
  // attacker could complete with bytes of their choosing. expire() has
  // already removed tombstones whose deadline passed.
  if (tombstones_.contains(key)) return std::nullopt;

  auto it = pending_.find(key);

  // RFC 791 §3.2: every fragment but the last carries a multiple of 8
  // bytes (offsets count 8-byte units). An empty non-last fragment carries
  // nothing and would only create state.
  const bool bad_alone = (!last && (payload.empty() || payload.size() % 8 != 0)) ||
                         offset % 8 != 0 || end > kMaxDatagram - hl;
  if (bad_alone) {
    ++stats_.malformed;
    if (it != pending_.end()) discard(it, /*tombstone=*/true);
    return std::nullopt;
  }

  if (it == pending_.end()) {
    // docs/principles.md "Bounded everything": refuse rather than evict, so a flood
    // of bogus first fragments cannot push out datagrams already underway.
    if (pending_.size() >= config_.max_datagrams ||
        memory_used_ + payload.size() > config_.memory_limit) {
      ++stats_.memory_drops;
      return std::nullopt;
    }
    // RFC 1122 §3.3.2 asks for a fixed timeout (not RFC 791's reset to the
    // largest TTL seen), so it runs from the first fragment to arrive and
    // later fragments do not extend it.
    Pending fresh;
    fresh.deadline = now + config_.timeout;
    it = pending_.emplace(key, std::move(fresh)).first;
    deadlines_.emplace(it->second.deadline, key);
  }
  Pending& p = it->second;

  // Consistency with what is held (the checks Linux makes in ip_frag_queue):
  // one end for the datagram, and no data past it.
  const std::size_t data_end =
      p.fragments.empty() ? 0
                          : fragment_end(p.fragments.rbegin()->first, p.fragments.rbegin()->second);
  const std::size_t known_end = p.total_len.value_or(data_end);
  const std::size_t first_hl = offset == 0 ? hl : p.first_header.size();
  bool inconsistent = last ? (p.total_len && *p.total_len != end) || data_end > end
                           : p.total_len && end > *p.total_len;
  // The reassembled datagram carries fragment zero's header, which may be
  // longer than the header this fragment came with.
  inconsistent = inconsistent || std::max(end, known_end) + first_hl > kMaxDatagram;
  if (inconsistent) {
    ++stats_.malformed;
    discard(it, /*tombstone=*/true);
    return std::nullopt;
  }

  // Held fragments that intersect [offset, end): possibly the one starting
  // before offset, then those starting inside. Held fragments never overlap
  // each other, so their ends are ordered like their offsets.
  auto first_hit = p.fragments.upper_bound(static_cast<std::uint16_t>(offset));
  if (first_hit != p.fragments.begin()) {
    auto before = std::prev(first_hit);
    if (fragment_end(before->first, before->second) > offset) first_hit = before;
  }
  std::size_t covered = 0;
  bool identical = true;
  for (auto f = first_hit; f != p.fragments.end() && f->first < end; ++f) {
    const std::size_t lo = std::max<std::size_t>(offset, f->first);
    const std::size_t hi = std::min(end, fragment_end(f->first, f->second));
    covered += hi - lo;
    identical =
        identical && std::equal(payload.begin() + static_cast<std::ptrdiff_t>(lo - offset),
                                payload.begin() + static_cast<std::ptrdiff_t>(hi - offset),
                                f->second.begin() + static_cast<std::ptrdiff_t>(lo - f->first));
  }

  if (covered == payload.size() && identical) {
    // A fragment the network duplicated (Linux ade446403bfb:
    // "do not handle duplicate fragments as overlapping"). It may still be
    // the first word on where the datagram ends.
    if (!last || p.total_len) {
      ++stats_.duplicates;
      return std::nullopt;
    }
    p.total_len = end;
    return complete_if_whole(it);
  }
  if (covered > 0) {
    // RFC 5722 §4, applied to IPv4 as Linux does since 2018: overlapping
    // data has no legitimate sender, and choosing either copy lets an
    // attacker show a filter and the receiver different bytes.
    ++stats_.overlaps;
    discard(it, /*tombstone=*/true);
    return std::nullopt;
  }

  if (memory_used_ + payload.size() > config_.memory_limit) {
    ++stats_.memory_drops;
    return std::nullopt;
  }
  p.fragments.emplace_hint(first_hit, static_cast<std::uint16_t>(offset),
                           std::vector<std::uint8_t>(payload.begin(), payload.end()));
  p.bytes += payload.size();
  memory_used_ += payload.size();
  if (offset == 0)
    p.first_header.assign(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(hl));
  if (last) p.total_len = end;
  return complete_if_whole(it);
}

std::optional<std::vector<std::uint8_t>> Reassembler::complete_if_whole(PendingMap::iterator it) {
  Pending& p = it->second;
  // RFC 815: rather than a hole list, held fragments never overlap and all
  // lie below the known end, so "no holes left" is "bytes held == length".
  if (!p.total_len || p.bytes != *p.total_len || p.first_header.empty()) return std::nullopt;

  const std::size_t hl = p.first_header.size();
  std::vector<std::uint8_t> out(hl + *p.total_len);
  std::copy(p.first_header.begin(), p.first_header.end(), out.begin());
  for (const auto& [offset, data] : p.fragments) {
    std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(hl + offset));
  }
  // RFC 791 §3.2 reassembly: fragment zero's header, with the total length
  // of the whole and as an unfragmented datagram (MF and offset cleared;
  // DF and the reserved bit stay as the sender set them).
  std::uint8_t* header = out.data();
  store_be16(header + 2, static_cast<std::uint16_t>(out.size()));
  header[6] &= 0xc0;
  header[7] = 0;
  store_be16(header + 10, 0);
  store_be16(header + 10, internet_checksum(Bytes(header, hl)));

  ++stats_.datagrams_reassembled;
  memory_used_ -= p.bytes;
  deadlines_.erase({p.deadline, it->first});
  pending_.erase(it);
  return out;
}

void Reassembler::discard(PendingMap::iterator it, bool tombstone) {
  const Pending& p = it->second;
  memory_used_ -= p.bytes;
  deadlines_.erase({p.deadline, it->first});
  // The tombstone lives as long as the datagram would have: a sender's
  // fragments of it cannot arrive later than that and still count.
  if (tombstone && config_.max_datagrams > 0) {
    if (tombstones_.size() >= config_.max_datagrams) {
      const auto oldest = tombstone_deadlines_.begin();
      tombstones_.erase(oldest->second);
      tombstone_deadlines_.erase(oldest);
    }
    tombstones_.emplace(it->first, p.deadline);
    tombstone_deadlines_.emplace(p.deadline, it->first);
  }
  pending_.erase(it);
}

void Reassembler::expire(Instant now, std::vector<std::vector<std::uint8_t>>& first_fragments) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const auto [deadline, key] = *deadlines_.begin();
    deadlines_.erase(deadlines_.begin());
    const auto it = pending_.find(key);
    Pending& p = it->second;
    ++stats_.timeouts;
    // RFC 1122 §3.3.2: time exceeded (code 1) only if fragment zero is
    // here; it is rebuilt from its header and its payload, held verbatim.
    if (!p.first_header.empty()) {
      const auto& zero = p.fragments.begin()->second;
      std::vector<std::uint8_t> whole(p.first_header);
      whole.insert(whole.end(), zero.begin(), zero.end());
      first_fragments.push_back(std::move(whole));
      expired_due_ = std::min(expired_due_, deadline);
    }
    memory_used_ -= p.bytes;
    pending_.erase(it);
  }
  while (!tombstone_deadlines_.empty() && tombstone_deadlines_.begin()->first <= now) {
    tombstones_.erase(tombstone_deadlines_.begin()->second);
    tombstone_deadlines_.erase(tombstone_deadlines_.begin());
  }
}

std::vector<std::vector<std::uint8_t>> Reassembler::poll(Instant now) {
  std::vector<std::vector<std::uint8_t>> out = std::move(expired_firsts_);
  expired_firsts_.clear();
  expire(now, out);
  expired_due_ = Instant::never();
  return out;
}

// O(1): the earliest entry of the deadline index. Tombstones are not timers:
// an expired one is removed by the next add() or poll(), and nothing waits
// on it, so they do not wake the driver.
Instant Reassembler::poll_at() const {
  const Instant next = deadlines_.empty() ? Instant::never() : deadlines_.begin()->first;
  return std::min(next, expired_due_);
}

namespace {

// `acquire(bytes)`: a buffer with at least `bytes` of tailroom, or null.
template <class Acquire>
bool fragment_into(Bytes datagram, std::size_t mtu, Acquire acquire, std::vector<PacketRef>& out) {
  // The header was validated by the caller; the checksum is recomputed for
  // every fragment anyway, so it is not re-verified here.
  auto parsed = Ipv4Header::parse(datagram, /*verify_checksum=*/false);
  if (!parsed) return false;
  Ipv4Header h = *parsed;
  const Bytes whole = datagram.first(h.total_len());  // without link padding
  const std::size_t start = out.size();
  const auto give_back = [&] {
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
    return false;
  };

  if (whole.size() <= mtu) {
    PacketRef b = acquire(whole.size());
    if (!b || !b->append(whole)) return false;
    out.push_back(std::move(b));
    return true;
  }
  // RFC 791 §3.2: a datagram marked don't-fragment is not fragmented; the
  // caller answers with ICMP fragmentation needed (RFC 1191).
  if (h.dont_frag) return false;
  // Fragment zero has the longest header; it must carry at least one
  // 8-byte unit (RFC 791 §3.2), which also guarantees progress below.
  if (mtu < h.header_len() + 8) return false;
  const Bytes payload = whole.subspan(h.header_len());
  const std::size_t base_offset = h.frag_offset;
  if (base_offset + payload.size() > kMaxDatagram) return false;  // offsets would not fit
  // Fragmenting a fragment (RFC 791 §3.2): the pieces sit at its offset, and
  // its MF carries over to the last piece.
  const bool base_more = h.more_frags;
  const Bytes first_options = h.options;
  std::array<std::uint8_t, 40> later_storage{};
  const Bytes later_options(later_storage.data(), copied_options(first_options, later_storage));

  std::size_t pos = 0;
  while (pos < payload.size()) {
    h.options = pos == 0 ? first_options : later_options;
    const std::size_t room = mtu - h.header_len();
    std::size_t len = payload.size() - pos;
    const bool final_piece = len <= room;
    if (!final_piece) len = room / 8 * 8;
    h.payload_len = static_cast<std::uint16_t>(len);
    h.frag_offset = static_cast<std::uint16_t>(base_offset + pos);
    h.more_frags = !final_piece || base_more;

    PacketRef b = acquire(h.total_len());
    if (!b || b->tailroom() < h.total_len()) return give_back();
    h.emit(MutBytes(b->append(h.header_len()), h.header_len()));
    b->append(payload.subspan(pos, len));
    out.push_back(std::move(b));
    pos += len;
  }
  return true;
}

}  // namespace

bool fragment_datagram(Bytes datagram, std::size_t mtu, BufferPool& pool,
                       std::vector<PacketRef>& out) {
  return fragment_into(datagram, mtu, [&](std::size_t) { return pool.acquire(); }, out);
}

bool fragment_datagram(Bytes datagram, std::size_t mtu, PacketPools& pools,
                       std::vector<PacketRef>& out) {
  return fragment_into(datagram, mtu, [&](std::size_t bytes) { return pools.acquire_for(bytes); }, out);
}

}  // namespace ws
