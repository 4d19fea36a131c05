#include "tcp/scoreboard.hpp"

#include <algorithm>

namespace ws::tcp {

std::uint32_t SackScoreboard::add(SeqNum left, SeqNum right) {
  if (!left.before(right)) return 0;
  // Merge with every range it overlaps or touches; count only new bytes.
  std::uint32_t covered = 0;
  SeqNum lo = left, hi = right;
  std::size_t first = 0;
  while (first < ranges_.size() && ranges_[first].end.before(left)) ++first;
  std::size_t last = first;
  while (last < ranges_.size() && !right.before(ranges_[last].begin)) {
    const Range& r = ranges_[last];
    const SeqNum a = r.begin.after(left) ? r.begin : left;
    const SeqNum b = r.end.before(right) ? r.end : right;
    if (a.before(b)) covered += static_cast<std::uint32_t>(b - a);
    if (r.begin.before(lo)) lo = r.begin;
    if (r.end.after(hi)) hi = r.end;
    ++last;
  }
  if (first == last && ranges_.size() >= kMaxRanges) return 0;  // no room for a new range
  ranges_.erase(ranges_.begin() + static_cast<std::ptrdiff_t>(first), ranges_.begin() + static_cast<std::ptrdiff_t>(last));
  ranges_.insert(ranges_.begin() + static_cast<std::ptrdiff_t>(first), Range{lo, hi});
  return static_cast<std::uint32_t>(right - left) - covered;
}

void SackScoreboard::advance(SeqNum una) {
  std::size_t drop = 0;
  while (drop < ranges_.size() && !ranges_[drop].end.after(una)) ++drop;
  ranges_.erase(ranges_.begin(), ranges_.begin() + static_cast<std::ptrdiff_t>(drop));
  if (!ranges_.empty() && ranges_.front().begin.before(una)) ranges_.front().begin = una;
}

std::uint32_t SackScoreboard::sacked_bytes() const {
  std::uint32_t n = 0;
  for (const Range& r : ranges_) n += static_cast<std::uint32_t>(r.end - r.begin);
  return n;
}

std::optional<SeqNum> SackScoreboard::high_end() const {
  if (ranges_.empty()) return std::nullopt;
  return ranges_.back().end;
}

bool SackScoreboard::is_sacked(SeqNum s) const {
  for (const Range& r : ranges_) {
    if (!s.before(r.begin) && s.before(r.end)) return true;
  }
  return false;
}

bool SackScoreboard::is_lost(SeqNum seq, std::uint32_t smss, unsigned dupthresh) const {
  unsigned above = 0;
  std::uint64_t bytes = 0;
  for (auto it = ranges_.rbegin(); it != ranges_.rend() && it->begin.after(seq); ++it) {
    ++above;
    bytes += static_cast<std::uint32_t>(it->end - it->begin);
  }
  return above >= dupthresh || bytes > std::uint64_t{dupthresh - 1} * smss;
}

std::optional<SackScoreboard::Hole> SackScoreboard::next_hole(SeqNum from, SeqNum limit) const {
  SeqNum s = from;
  for (const Range& r : ranges_) {
    if (!r.end.after(s)) continue;  // wholly below
    if (r.begin.after(s)) {
      const SeqNum end = r.begin.before(limit) ? r.begin : limit;
      if (s.before(end)) return Hole{s, static_cast<std::uint32_t>(end - s)};
      return std::nullopt;
    }
    s = r.end;  // `s` is inside this range: skip past it
  }
  if (s.before(limit)) return Hole{s, static_cast<std::uint32_t>(limit - s)};
  return std::nullopt;
}

}  // namespace ws::tcp
