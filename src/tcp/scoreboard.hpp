// SackScoreboard: what the peer's SACK blocks (RFC 2018) say it holds
// above SND.UNA, as sorted disjoint ranges, with the queries of RFC 6675
// §4: IsLost(SeqNum) and the holes between SACKed ranges. Bounded: at most
// kMaxRanges ranges; a block that would need more is ignored (the sender
// then recovers as without it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "wire/seq_num.hpp"

namespace ws::tcp {

class SackScoreboard {
 public:
  static constexpr std::size_t kMaxRanges = 64;
  struct Range {
    SeqNum begin;
    SeqNum end;  // one past the last SACKed byte
  };
  struct Hole {
    SeqNum begin;
    std::uint32_t len;
  };

  void clear() { ranges_.clear(); }
  // Marks [left, right) SACKed; returns how many bytes were not SACKed yet.
  std::uint32_t add(SeqNum left, SeqNum right);
  // SND.UNA moved to `una`: forget what lies below it.
  void advance(SeqNum una);

  bool empty() const { return ranges_.empty(); }
  std::uint32_t sacked_bytes() const;
  // One past the highest SACKed byte (RFC 6675 "HighACK" + 1); nullopt when none.
  std::optional<SeqNum> high_end() const;
  bool is_sacked(SeqNum s) const;
  // RFC 6675 §4 IsLost(seq): at least DupThresh discontiguous SACKed
  // ranges, or more than (DupThresh − 1)·SMSS SACKed bytes, above `seq`.
  bool is_lost(SeqNum seq, std::uint32_t smss, unsigned dupthresh) const;
  // The first un-SACKed stretch at or after `from` and before `limit`.
  std::optional<Hole> next_hole(SeqNum from, SeqNum limit) const;
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  std::vector<Range> ranges_;  // sorted by begin, disjoint, not touching
};

}  // namespace ws::tcp
