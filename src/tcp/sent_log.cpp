#include "tcp/sent_log.hpp"

namespace ws::tcp {

void SentLog::on_sent(SeqNum begin, SeqNum end, Instant now, const DeliverySnapshot& rate) {
  if (!begin.before(end)) return;
  if (!segs_.empty() && segs_.back().end.after(begin)) return;  // not new data: the caller's error
  Segment s;
  s.begin = begin;
  s.end = end;
  s.xmit = now;
  s.first_xmit = now;
  s.order = ++next_order_;
  s.rate = rate;
  segs_.push_back(s);
}

std::size_t SentLog::lower_bound(SeqNum seq) const {
  std::size_t lo = 0, hi = segs_.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (segs_[mid].end.after(seq)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

bool SentLog::on_retransmitted(SeqNum begin, std::uint32_t len, Instant now, const DeliverySnapshot& rate) {
  const std::size_t i = lower_bound(begin);
  if (i == segs_.size() || segs_[i].begin != begin || len == 0) return false;
  if (segs_[i].len() > len) {
    // The MSS fell since it was first sent: it goes in pieces.
    Segment rest = segs_[i];
    rest.begin = begin + len;
    segs_[i].end = rest.begin;
    segs_.insert(segs_.begin() + static_cast<std::ptrdiff_t>(i) + 1, rest);
  }
  Segment& s = segs_[i];
  s.xmit = now;
  s.order = ++next_order_;
  s.retransmitted = true;
  s.rexmit_out = true;
  s.rate = rate;
  return true;
}

std::uint32_t SentLog::pipe() const {
  std::uint64_t p = 0;
  for (const Segment& s : segs_) {
    if (s.sacked) continue;
    if (!s.lost) p += s.len();
    if (s.rexmit_out) p += s.len();
  }
  return static_cast<std::uint32_t>(p > UINT32_MAX ? UINT32_MAX : p);
}

const SentLog::Segment* SentLog::next_lost() const {
  for (const Segment& s : segs_) {
    if (s.lost && !s.sacked && !s.rexmit_out) return &s;
  }
  return nullptr;
}

void SentLog::mark_all_lost(bool keep_resent) {
  for (Segment& s : segs_) {
    if (s.sacked || (keep_resent && s.rexmit_out)) continue;
    s.lost = true;
    s.rto_lost = true;
    s.rexmit_out = false;
  }
}

void SentLog::clear_lost() {
  for (Segment& s : segs_) {
    s.lost = false;
    s.rto_lost = false;
  }
}

bool SentLog::any_lost() const { return next_lost() != nullptr; }

}  // namespace ws::tcp
