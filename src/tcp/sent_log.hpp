// SentLog: one record per segment in flight, as RACK (RFC 8985 §6.1) and
// RFC 6675's pipe need them: its sequence range, when it was last sent,
// whether it was sent more than once, whether the peer SACKed it, whether
// it is deemed lost, and whether a retransmission of it is in the network.
//
// Records are kept in sequence order, from SND.UNA to SND.MAX; a record is
// created when new data leaves and removed when the cumulative ACK passes
// it. The log is bounded by the segments in flight, which the send buffer
// bounds. A SACK marks only records it covers whole (the range scoreboard,
// tcp/scoreboard.hpp, keeps the exact bytes); a retransmission smaller than
// its record (the MSS fell) splits the record at the retransmitted length.
//
// Cost: nothing here walks the whole log per ACK. The pipe and the counts
// of SACKed and lost records are kept as records change (a 4 MiB window
// holds ~2,900 records, and an ACK arrives every two of them). RACK's loss
// scan walks a second queue in transmission order, as Linux's "tsorted"
// list: it visits only records that may still be deemed lost, and stops
// at the first one sent after the newest delivered segment.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/ring_deque.hpp"
#include "base/time.hpp"
#include "tcp/delivery_rate.hpp"
#include "wire/seq_num.hpp"

namespace ws::tcp {

class SentLog {
 public:
  struct Segment {
    SeqNum begin;
    SeqNum end;                  // one past the last sequence number (a FIN counts one)
    Instant xmit;                // its latest (re)transmission (RFC 8985 "Segment.xmit_ts")
    Instant first_xmit;          // its first transmission
    // The order of its latest transmission among all of the connection's:
    // it breaks ties between segments sent at the same instant (RFC 8985
    // breaks them by sequence number, which puts a retransmission before
    // new data sent earlier at that instant).
    std::uint64_t order = 0;
    bool retransmitted = false;  // sent more than once (RFC 8985 "Segment.retransmitted")
    bool sacked = false;         // the peer holds it (RFC 2018)
    bool lost = false;           // deemed lost by RACK or a timeout, not yet known to be delivered
    bool rexmit_out = false;     // a retransmission of it is in the network and not deemed lost
    bool rto_lost = false;       // deemed lost by a retransmission timeout (not by RACK)
    DeliverySnapshot rate;       // the delivery state at its latest transmission (delivery_rate.hpp)
    std::uint32_t len() const { return static_cast<std::uint32_t>(end - begin); }
    // Deemed lost and not resent since: what NextSeg() rule (1) sends.
    bool lost_unsent() const { return lost && !sacked && !rexmit_out; }
  };

  bool empty() const { return segs_.empty(); }
  std::size_t size() const { return segs_.size(); }
  void clear();
  const RingDeque<Segment>& segments() const { return segs_; }

  // New data [begin, end) left at `now`; it starts where the last record ends.
  void on_sent(SeqNum begin, SeqNum end, Instant now, const DeliverySnapshot& rate = {});
  // [begin, begin + len) was sent again at `now`: the record starting at
  // `begin`, split first if it is longer than `len`. False: no record there.
  bool on_retransmitted(SeqNum begin, std::uint32_t len, Instant now, const DeliverySnapshot& rate = {});

  // The cumulative ACK reached `una`: records wholly below it leave the log
  // (`delivered` sees each that was not SACKed before); a record it cuts
  // keeps its upper part.
  template <typename F>
  void on_ack(SeqNum una, F&& delivered) {
    while (!segs_.empty() && !segs_.front().end.after(una)) {
      account(segs_.front(), -1);
      if (!segs_.front().sacked) delivered(segs_.front());
      segs_.pop_front();
    }
    if (!segs_.empty() && segs_.front().begin.before(una)) {
      account(segs_.front(), -1);
      segs_.front().begin = una;
      account(segs_.front(), +1);
    }
    prune_time_order();
  }

  // The peer SACKed [left, right): records inside it are marked; `delivered`
  // sees each one newly marked.
  template <typename F>
  void on_sack(SeqNum left, SeqNum right, F&& delivered) {
    for (std::size_t i = lower_bound(left); i < segs_.size() && !segs_[i].end.after(right); ++i) {
      Segment& s = segs_[i];
      if (s.sacked || s.begin.before(left)) continue;
      account(s, -1);
      s.sacked = true;
      s.lost = false;
      s.rto_lost = false;
      s.rexmit_out = false;
      account(s, +1);
      delivered(s);
    }
  }

  // RFC 6675 §4 SetPipe(), with RACK's marks as IsLost(): the bytes of
  // every record neither SACKed nor deemed lost, plus those of every
  // retransmission in the network.
  std::uint32_t pipe() const {
    return static_cast<std::uint32_t>(pipe_ > UINT32_MAX ? UINT32_MAX : pipe_);
  }
  // RFC 6675 NextSeg() rule (1): the first record deemed lost, not SACKed,
  // and not resent since it was deemed lost; nullptr when none.
  const Segment* next_lost() const;
  bool any_lost() const { return lost_unsent_ > 0; }
  std::size_t sacked_count() const { return sacked_; }

  // The record starting at `begin` is deemed lost: by RACK, or by a
  // timeout when `by_timeout`. Any retransmission of it counts no more.
  // False: no record starts there.
  bool mark_lost(SeqNum begin, bool by_timeout);
  // After a retransmission timeout every record not SACKed is lost (RFC
  // 6675 §5.1, RFC 8985 §6.3); retransmissions in flight count no more —
  // unless `keep_resent`, which leaves records resent since alone.
  void mark_all_lost(bool keep_resent = false);
  // The losses proved spurious (RFC 4015): no record is deemed lost.
  void clear_lost();
  // The peer may have dropped data it SACKed (RFC 2018 §8, "reneging"):
  // no record counts as SACKed any more.
  void forget_sacks();

  // RACK's scan (RFC 8985 §6.2 step 5): visits, oldest transmission first,
  // the records that may still be deemed lost (neither SACKed nor lost and
  // unsent). `visit` answers for each one.
  enum class Verdict : std::uint8_t { kStop, kKeep, kLost };
  template <typename F>
  void scan_by_time(F&& visit) {
    std::size_t i = 0;
    while (i < by_time_.size()) {
      Segment* s = candidate(by_time_[i]);
      if (s == nullptr) {
        drop_or_skip(i);
        continue;
      }
      switch (visit(*s)) {
        case Verdict::kStop: return;
        case Verdict::kKeep: ++i; break;
        case Verdict::kLost:
          mark(*s, false);
          drop_or_skip(i);
          break;
      }
    }
  }

  // The counters and the time-order queue agree with the records (tests).
  bool consistent() const;

 private:
  // One transmission in the time-order queue: the record starting at
  // `begin` when it was sent with `order`. Entries whose record has since
  // gone, been resent or stopped being a candidate are dropped lazily.
  struct Sent {
    std::uint64_t order = 0;
    SeqNum begin;
  };

  // The first record whose end lies after `seq`.
  std::size_t lower_bound(SeqNum seq) const;
  // The record `e` names if it is still that transmission and may still be
  // deemed lost; nullptr otherwise.
  Segment* candidate(const Sent& e);
  void mark(Segment& s, bool by_timeout);
  void drop_or_skip(std::size_t& i) {
    if (i == 0) {
      by_time_.pop_front();
    } else {
      ++i;
    }
  }
  // Adds (+1) or removes (-1) one record's share of the counters.
  void account(const Segment& s, int sign);
  void prune_time_order();
  // Recounts everything and rebuilds the time-order queue (after a timeout,
  // an undo or a split: rare events).
  void rebuild();

  RingDeque<Segment> segs_;
  RingDeque<Sent> by_time_;
  std::uint64_t next_order_ = 0;
  std::uint64_t pipe_ = 0;
  std::size_t sacked_ = 0;
  std::size_t lost_unsent_ = 0;
  // No lost and unsent record begins below this (meaningful while
  // lost_unsent_ > 0): where next_lost() starts looking.
  mutable SeqNum lost_hint_;
};

}  // namespace ws::tcp
