#include "tcp/sent_log.hpp"

#include <algorithm>
#include <vector>

namespace ws::tcp {

void SentLog::clear() {
  segs_.clear();
  by_time_.clear();
  pipe_ = 0;
  sacked_ = 0;
  lost_unsent_ = 0;
}

void SentLog::account(const Segment& s, int sign) {
  // RFC 6675 §4 SetPipe(): a record neither SACKed nor lost is in the
  // network once, and a retransmission of it not deemed lost once more.
  std::uint64_t p = 0;
  if (!s.sacked) {
    if (!s.lost) p += s.len();
    if (s.rexmit_out) p += s.len();
  }
  if (sign > 0) {
    pipe_ += p;
    sacked_ += s.sacked ? 1 : 0;
    lost_unsent_ += s.lost_unsent() ? 1 : 0;
  } else {
    pipe_ -= p;
    sacked_ -= s.sacked ? 1 : 0;
    lost_unsent_ -= s.lost_unsent() ? 1 : 0;
  }
}

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
  account(s, +1);
  by_time_.push_back(Sent{s.order, begin});
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
  bool split = false;
  if (segs_[i].len() > len) {
    // The MSS fell since it was first sent: it goes in pieces.
    Segment rest = segs_[i];
    rest.begin = begin + len;
    account(segs_[i], -1);
    segs_[i].end = rest.begin;
    account(segs_[i], +1);
    account(rest, +1);
    segs_.insert(i + 1, rest);
    split = true;
  }
  Segment& s = segs_[i];
  account(s, -1);
  s.xmit = now;
  s.order = ++next_order_;
  s.retransmitted = true;
  s.rexmit_out = true;
  s.rate = rate;
  account(s, +1);
  if (split) {
    rebuild();  // the rest keeps its old transmission: the queue is redone in order
  } else {
    by_time_.push_back(Sent{s.order, begin});
    // Entries of records resent or delivered wait for the front; never
    // more than a bounded number of them.
    if (by_time_.size() > 2 * segs_.size() + 64) rebuild();
  }
  return true;
}

const SentLog::Segment* SentLog::next_lost() const {
  if (lost_unsent_ == 0) return nullptr;
  for (std::size_t i = lower_bound(lost_hint_); i < segs_.size(); ++i) {
    if (segs_[i].lost_unsent()) {
      lost_hint_ = segs_[i].begin;
      return &segs_[i];
    }
  }
  return nullptr;  // cannot happen while the count is right
}

bool SentLog::mark_lost(SeqNum begin, bool by_timeout) {
  const std::size_t i = lower_bound(begin);
  if (i == segs_.size() || segs_[i].begin != begin) return false;
  mark(segs_[i], by_timeout);
  return true;
}

void SentLog::mark(Segment& s, bool by_timeout) {
  const bool counted_before = lost_unsent_ > 0;
  account(s, -1);
  s.lost = true;
  s.rto_lost = by_timeout;
  s.rexmit_out = false;
  account(s, +1);
  if (s.lost_unsent() && (!counted_before || s.begin.before(lost_hint_))) lost_hint_ = s.begin;
}

void SentLog::mark_all_lost(bool keep_resent) {
  for (Segment& s : segs_) {
    if (s.sacked || (keep_resent && s.rexmit_out)) continue;
    s.lost = true;
    s.rto_lost = true;
    s.rexmit_out = false;
  }
  rebuild();
}

void SentLog::clear_lost() {
  for (Segment& s : segs_) {
    s.lost = false;
    s.rto_lost = false;
  }
  rebuild();
}

void SentLog::forget_sacks() {
  for (Segment& s : segs_) s.sacked = false;
  rebuild();
}

SentLog::Segment* SentLog::candidate(const Sent& e) {
  if (segs_.empty()) return nullptr;
  // Most often the oldest record (the queue's front is pruned on each ACK).
  const std::size_t i = segs_.front().end.after(e.begin) ? 0 : lower_bound(e.begin);
  if (i == segs_.size()) return nullptr;
  Segment& s = segs_[i];
  if (s.order != e.order || s.sacked || (s.lost && !s.rexmit_out)) return nullptr;
  return &s;
}

void SentLog::prune_time_order() {
  while (!by_time_.empty() && candidate(by_time_.front()) == nullptr) by_time_.pop_front();
}

void SentLog::rebuild() {
  pipe_ = 0;
  sacked_ = 0;
  lost_unsent_ = 0;
  by_time_.clear();
  std::vector<Sent> sent;
  sent.reserve(segs_.size());
  bool hint_set = false;
  for (const Segment& s : segs_) {
    account(s, +1);
    if (s.lost_unsent() && !hint_set) {
      lost_hint_ = s.begin;
      hint_set = true;
    }
    if (!s.sacked && !(s.lost && !s.rexmit_out)) sent.push_back(Sent{s.order, s.begin});
  }
  std::sort(sent.begin(), sent.end(), [](const Sent& a, const Sent& b) { return a.order < b.order; });
  for (const Sent& e : sent) by_time_.push_back(e);
}

bool SentLog::consistent() const {
  std::uint64_t pipe = 0;
  std::size_t sacked = 0, lost_unsent = 0;
  for (const Segment& s : segs_) {
    if (!s.sacked) {
      if (!s.lost) pipe += s.len();
      if (s.rexmit_out) pipe += s.len();
    }
    sacked += s.sacked ? 1 : 0;
    lost_unsent += s.lost_unsent() ? 1 : 0;
  }
  if (pipe != pipe_ || sacked != sacked_ || lost_unsent != lost_unsent_) return false;
  if (lost_unsent_ > 0) {
    for (const Segment& s : segs_) {
      if (s.lost_unsent() && s.begin.before(lost_hint_)) return false;
    }
  }
  // Every record that may still be deemed lost has its entry, in order.
  std::vector<std::uint64_t> want, have;
  for (const Segment& s : segs_) {
    if (!s.sacked && !(s.lost && !s.rexmit_out)) want.push_back(s.order);
  }
  for (std::size_t i = 0; i < by_time_.size(); ++i) {
    if (i > 0 && by_time_[i].order <= by_time_[i - 1].order) return false;
    const std::size_t j = lower_bound(by_time_[i].begin);
    if (j < segs_.size() && segs_[j].order == by_time_[i].order) have.push_back(by_time_[i].order);
  }
  std::sort(want.begin(), want.end());
  for (std::uint64_t o : want) {
    if (!std::binary_search(have.begin(), have.end(), o)) return false;
  }
  return true;
}

}  // namespace ws::tcp
