// Reassembler: the receive side of a connection's byte stream. Segments go
// in by sequence number in any order; bytes come out in order.
//
// Memory is one ring of capacity() bytes (SO_RCVBUF): in-order bytes the
// application has not read yet, followed by the receive window. Segments
// that arrive ahead of a gap are copied straight to their place in the
// window, so nothing is ever stored beyond RCV.NXT + RCV.WND (RFC 9293
// §3.10.7.4: segments are trimmed to the window; "segments with higher
// beginning sequence numbers SHOULD be held for later processing"), and
// when the gap fills the data is already where the application reads it.
//
// Duplicates and overlaps are trimmed (seed 000: "舍弃重复的数据包", drop
// duplicate packets): only bytes not already held are copied. Held ranges
// are a sorted array with a cap (max_ranges, more for large buffers: range_cap()), so a flood of tiny
// non-adjacent segments costs bounded memory and O(log n + cap) per segment.
// At the cap, a segment that would open a new range is dropped — or, if it
// lies before the last range, the last range is discarded to make room
// (reneging, RFC 2018 §8: SACKed data may be dropped; the sender keeps
// everything until it is cumulatively acknowledged).
//
// RCV.NXT (rcv_nxt()) advances over the FIN too, once every byte before it
// has arrived (RFC 9293 §3.10.7.4 "eighth, check the FIN bit"), so it is
// always the acknowledgment number to send.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "tcp/byte_ring.hpp"
#include "wire/seq_num.hpp"
#include "wire/tcp_options.hpp"

namespace ws::tcp {

struct InsertResult {
  std::size_t in_order = 0;   // bytes that became readable (RCV.NXT advance, FIN excluded)
  std::size_t new_bytes = 0;  // bytes of this segment stored now (in order or held)
  bool out_of_order = false;  // data held beyond a gap: ACK at once (RFC 5681 §4.2, §3.2)
  bool fin_reached = false;   // RCV.NXT passed the FIN with this segment
};

// Every byte or segment not stored, by reason (docs/principles.md "Bounded
// everything": what is dropped is counted).
struct ReassemblerStats {
  std::uint64_t duplicate_bytes = 0;      // before RCV.NXT, or already held
  std::uint64_t beyond_window_bytes = 0;  // trimmed at RCV.NXT + window
  std::uint64_t beyond_fin_bytes = 0;     // after the FIN's sequence number
  std::uint64_t range_limit_drops = 0;    // segments dropped at max_ranges
  std::uint64_t reneged_bytes = 0;        // held bytes discarded (range cap, shrinking capacity)
  std::uint64_t fins_beyond_window = 0;   // FINs past the window, ignored
  std::uint64_t conflicting_fins = 0;     // FINs contradicting an earlier FIN or held data
};

class Reassembler {
 public:
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;  // RFC 7323 §2.3
  static constexpr std::size_t kDefaultMaxRanges = 128;
  // A large buffer may hold more holes: one range per this many bytes of
  // capacity (a 4 MiB buffer, ~2,900 segments, gets 512; 1 % loss leaves
  // ~29 holes in it), up to kMaxRanges, which keeps the sorted array's
  // O(ranges) insertion bounded. At 128 a 4 MiB window under loss bursts
  // reached the cap and reneged.
  static constexpr std::size_t kCapacityPerRange = 8192;
  static constexpr std::size_t kMaxRanges = 2048;
  // RFC 2018 §3: at most 4 blocks fit in the options (3 with timestamps).
  static constexpr std::size_t kMaxSackBlocks = TcpOptions::kMaxSackBlocks;

  // `rcv_nxt` is IRS + 1, the first data byte (reset() when it is known later).
  explicit Reassembler(std::size_t capacity, SeqNum rcv_nxt = SeqNum{},
                       std::size_t max_ranges = kDefaultMaxRanges);

  // Empties everything and starts the stream at `rcv_nxt`.
  void reset(SeqNum rcv_nxt);

  // A segment's text and FIN flag (SYN already stripped: `seq` is the
  // sequence number of data[0], or of the FIN when data is empty).
  InsertResult insert(SeqNum seq, Bytes data, bool fin);

  // Copies in-order bytes to `out` and frees their space: returns the count.
  std::size_t read(MutBytes out);
  // The readable bytes without copying (valid until the next call that
  // changes the reassembler), and consume() to drop them once used.
  ByteSpans readable() const { return ring_.spans(0, buffered_); }
  void consume(std::size_t n);

  // RCV.NXT: the next sequence number expected (the ACK number).
  SeqNum rcv_nxt() const { return rcv_nxt_; }
  // Free space from RCV.NXT: the most that may be advertised (RCV.WND).
  // Receiver-side silly window avoidance (RFC 9293 §3.8.6.2.2) — when to
  // advertise an increase — is the connection's decision.
  std::size_t window() const { return capacity_ > buffered_ ? capacity_ - buffered_ : 0; }
  // In-order bytes waiting for the application.
  std::size_t buffered() const { return buffered_; }
  // Out-of-order bytes held beyond gaps, and in how many ranges.
  std::size_t held_bytes() const;
  std::size_t held_ranges() const { return ranges_.size(); }

  // The FIN's sequence number once a FIN was accepted (in order or not).
  std::optional<SeqNum> fin_seq() const { return fin_seq_; }
  // RCV.NXT passed the FIN: the stream is complete (EOF after buffered()).
  bool fin_received() const { return fin_received_; }

  // SACK blocks (RFC 2018 §4) for the held ranges, written to `out` (at most
  // out.size() and 4): the range holding the most recently received segment
  // first, then the others by how recently they were touched. Returns the
  // count.
  std::size_t sack_blocks(std::span<SackBlock> out) const;

  std::size_t capacity() const { return capacity_; }
  // SO_RCVBUF, clamped to [1, kMaxCapacity]. Held data beyond the new
  // window is discarded (counted as reneged). Shrinking the offered window
  // is the connection's concern (RFC 9293 §3.8.6: it is strongly discouraged).
  void set_capacity(std::size_t capacity);
  std::size_t allocated() const { return ring_.allocated(); }

  const ReassemblerStats& stats() const { return stats_; }

 private:
  // A held out-of-order range [begin, end), begin after RCV.NXT. `touched`
  // orders the SACK blocks (higher = more recent).
  struct Range {
    SeqNum begin;
    SeqNum end;
    std::uint64_t touched = 0;
  };

  // Offsets relative to RCV.NXT. Everything held lies in (0, window], so
  // they order the ranges the same way for as long as they are held.
  std::int64_t offset(SeqNum s) const { return static_cast<std::int64_t>(s - rcv_nxt_); }
  // Ring bytes in use: in-order bytes, then up to the end of the last range.
  std::size_t live_bytes() const;
  void note_fin(std::int64_t fin_offset);
  // Copies [lo, hi) (offsets) into the window, merges it with the ranges it
  // overlaps or touches, and delivers it if it starts at RCV.NXT.
  void store(std::int64_t lo, std::int64_t hi, Bytes data, std::int64_t data_offset,
             InsertResult& result);
  void drop_ranges_beyond(std::int64_t limit);
  // The cap on held ranges now: the configured one, or more for a large buffer.
  std::size_t range_cap() const {
    return std::max(max_ranges_, std::min(capacity_ / kCapacityPerRange, kMaxRanges));
  }

  ByteRing ring_;
  std::size_t capacity_;
  std::size_t max_ranges_;
  std::size_t buffered_ = 0;   // readable bytes, at ring offsets [0, buffered_)
  SeqNum rcv_nxt_;             // at ring offset buffered_
  std::vector<Range> ranges_;  // sorted, disjoint, not touching
  std::uint64_t touch_clock_ = 0;
  std::optional<SeqNum> fin_seq_;
  bool fin_received_ = false;
  ReassemblerStats stats_;
};

}  // namespace ws::tcp
