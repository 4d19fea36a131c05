#include "tcp/reassembler.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace ws::tcp {

namespace {

std::size_t clamp_capacity(std::size_t capacity) {
  return std::clamp<std::size_t>(capacity, 1, Reassembler::kMaxCapacity);
}

std::uint64_t clamped(std::int64_t v, std::int64_t hi) {
  return static_cast<std::uint64_t>(std::clamp<std::int64_t>(v, 0, hi));
}

}  // namespace

Reassembler::Reassembler(std::size_t capacity, SeqNum rcv_nxt, std::size_t max_ranges)
    : ring_(clamp_capacity(capacity)),
      capacity_(clamp_capacity(capacity)),
      max_ranges_(std::max<std::size_t>(max_ranges, 1)),
      rcv_nxt_(rcv_nxt) {}

void Reassembler::reset(SeqNum rcv_nxt) {
  buffered_ = 0;
  rcv_nxt_ = rcv_nxt;
  ranges_.clear();
  fin_seq_.reset();
  fin_received_ = false;
}

std::size_t Reassembler::live_bytes() const {
  if (ranges_.empty()) return buffered_;
  return buffered_ + static_cast<std::size_t>(offset(ranges_.back().end));
}

std::size_t Reassembler::held_bytes() const {
  std::size_t n = 0;
  for (const Range& r : ranges_) n += static_cast<std::size_t>(r.end - r.begin);
  return n;
}

InsertResult Reassembler::insert(SeqNum seq, Bytes data, bool fin) {
  InsertResult result;
  const auto len = static_cast<std::int64_t>(data.size());
  if (fin_received_) {
    // The stream is complete: what precedes the FIN is a duplicate, and
    // nothing may follow it.
    const std::int64_t before_fin = *fin_seq_ - seq;
    stats_.duplicate_bytes += clamped(before_fin, len);
    stats_.beyond_fin_bytes += static_cast<std::uint64_t>(len) - clamped(before_fin, len);
    return result;
  }

  const std::int64_t begin = seq - rcv_nxt_;
  const std::int64_t end = begin + len;
  if (fin) note_fin(end);

  // RFC 9293 §3.10.7.4: keep only the part inside the window, and (§3.10.7.4
  // "eighth") nothing after the FIN.
  std::int64_t limit = static_cast<std::int64_t>(window());
  bool fin_limits = false;
  if (fin_seq_ && offset(*fin_seq_) < limit) {
    limit = offset(*fin_seq_);
    fin_limits = true;
  }
  stats_.duplicate_bytes += clamped(-begin, len);
  const std::uint64_t cut = clamped(end - std::max(begin, limit), len);
  (fin_limits ? stats_.beyond_fin_bytes : stats_.beyond_window_bytes) += cut;

  const std::int64_t lo = std::max<std::int64_t>(begin, 0);
  const std::int64_t hi = std::min(end, limit);
  if (lo < hi) store(lo, hi, data, begin, result);

  if (fin_seq_ && rcv_nxt_ == *fin_seq_) {
    // Every byte before the FIN is in: the FIN itself is acknowledged.
    rcv_nxt_ += 1;
    fin_received_ = true;
    result.fin_reached = true;
  }
  return result;
}

void Reassembler::note_fin(std::int64_t fin_offset) {
  if (fin_seq_) {
    // A retransmitted FIN repeats its position; another position is bogus.
    if (offset(*fin_seq_) != fin_offset) ++stats_.conflicting_fins;
    return;
  }
  // Data already received past this point contradicts the FIN.
  if (fin_offset < 0 || (!ranges_.empty() && offset(ranges_.back().end) > fin_offset)) {
    ++stats_.conflicting_fins;
    return;
  }
  // A FIN takes no buffer space, so one right at the window's edge is kept
  // (as Linux does): a full buffer does not hold up the close.
  if (fin_offset > static_cast<std::int64_t>(window())) {
    ++stats_.fins_beyond_window;
    return;
  }
  fin_seq_ = rcv_nxt_ + static_cast<std::uint32_t>(fin_offset);
}

void Reassembler::store(std::int64_t lo, std::int64_t hi, Bytes data, std::int64_t data_offset,
                        InsertResult& result) {
  // The held ranges that overlap or touch [lo, hi): [i, j).
  const auto first = std::partition_point(ranges_.begin(), ranges_.end(),
                                          [&](const Range& r) { return offset(r.end) < lo; });
  std::size_t i = static_cast<std::size_t>(first - ranges_.begin());
  std::size_t j = i;
  while (j < ranges_.size() && offset(ranges_[j].begin) <= hi) ++j;

  if (i == j && lo > 0 && ranges_.size() >= range_cap()) {
    // A new range is needed and the cap is reached. Data nearer RCV.NXT is
    // worth more (it is what fills the window), so the last range gives way
    // to a segment before it; a segment after it is dropped.
    if (i == ranges_.size()) {
      ++stats_.range_limit_drops;
      return;
    }
    stats_.reneged_bytes += static_cast<std::uint64_t>(ranges_.back().end - ranges_.back().begin);
    ranges_.pop_back();
  }

  ring_.reserve(buffered_ + static_cast<std::size_t>(hi), live_bytes());
  std::size_t copied = 0;
  auto copy = [&](std::int64_t a, std::int64_t b) {
    if (a >= b) return;
    const auto n = static_cast<std::size_t>(b - a);
    ring_.write(buffered_ + static_cast<std::size_t>(a),
                data.subspan(static_cast<std::size_t>(a - data_offset), n));
    copied += n;
  };
  // Only the gaps between held ranges are copied: overlaps cost nothing.
  std::int64_t cursor = lo;
  for (std::size_t k = i; k < j; ++k) {
    copy(cursor, std::min(offset(ranges_[k].begin), hi));
    cursor = std::max(cursor, offset(ranges_[k].end));
  }
  copy(cursor, hi);
  stats_.duplicate_bytes += static_cast<std::uint64_t>(hi - lo) - copied;
  result.new_bytes += copied;

  std::int64_t merged_begin = lo;
  std::int64_t merged_end = hi;
  if (i < j) {
    merged_begin = std::min(lo, offset(ranges_[i].begin));
    merged_end = std::max(hi, offset(ranges_[j - 1].end));
  }
  ranges_.erase(ranges_.begin() + static_cast<std::ptrdiff_t>(i),
                ranges_.begin() + static_cast<std::ptrdiff_t>(j));
  if (merged_begin == 0) {
    // The gap at RCV.NXT is filled: this and any range it reached are now
    // in order, already in place in the ring.
    const auto n = static_cast<std::size_t>(merged_end);
    buffered_ += n;
    rcv_nxt_ += static_cast<std::uint32_t>(n);
    result.in_order += n;
  } else {
    ranges_.insert(ranges_.begin() + static_cast<std::ptrdiff_t>(i),
                   Range{rcv_nxt_ + static_cast<std::uint32_t>(merged_begin),
                         rcv_nxt_ + static_cast<std::uint32_t>(merged_end), ++touch_clock_});
    result.out_of_order = true;
  }
}

std::size_t Reassembler::read(MutBytes out) {
  const std::size_t n = ring_.spans(0, std::min(out.size(), buffered_)).copy_to(out);
  consume(n);
  return n;
}

void Reassembler::consume(std::size_t n) {
  n = std::min(n, buffered_);
  ring_.advance(n);
  buffered_ -= n;
  // A shrunken capacity gives its memory back once the data fits under it.
  if (ring_.limit() > capacity_ && live_bytes() <= capacity_) {
    ring_.set_limit(capacity_, live_bytes());
  }
}

std::size_t Reassembler::sack_blocks(std::span<SackBlock> out) const {
  const std::size_t n = std::min({out.size(), kMaxSackBlocks, ranges_.size()});
  // Touch stamps are unique, so "the most recent one older than the last
  // pick" walks the ranges in recency order: n scans of at most max_ranges.
  std::uint64_t below = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t k = 0; k < n; ++k) {
    const Range* best = nullptr;
    for (const Range& r : ranges_) {
      if (r.touched < below && (best == nullptr || r.touched > best->touched)) best = &r;
    }
    out[k] = SackBlock{best->begin, best->end};
    below = best->touched;
  }
  return n;
}

void Reassembler::drop_ranges_beyond(std::int64_t limit) {
  while (!ranges_.empty() && offset(ranges_.back().begin) >= limit) {
    stats_.reneged_bytes += static_cast<std::uint64_t>(ranges_.back().end - ranges_.back().begin);
    ranges_.pop_back();
  }
  if (!ranges_.empty() && offset(ranges_.back().end) > limit) {
    const SeqNum edge = rcv_nxt_ + static_cast<std::uint32_t>(limit);
    stats_.reneged_bytes += static_cast<std::uint64_t>(ranges_.back().end - edge);
    ranges_.back().end = edge;
  }
}

void Reassembler::set_capacity(std::size_t capacity) {
  capacity_ = clamp_capacity(capacity);
  drop_ranges_beyond(static_cast<std::int64_t>(window()));
  ring_.set_limit(std::max(capacity_, buffered_), live_bytes());
}

}  // namespace ws::tcp
