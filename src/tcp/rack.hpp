// Rack: the RACK loss detector of RFC 8985 §6 — time-based loss detection
// over the SentLog. A segment is deemed lost when a segment sent after it
// has been delivered and more than one RTT plus a reordering window has
// passed since it was sent. The reordering window starts at a quarter of
// the minimum RTT, is zero once DupThresh segments are SACKed and no
// reordering has been seen (or during recovery), and grows with D-SACKs
// (RFC 8985 §6.2 step 4).
//
// The sender calls, for one ACK: on_delivered() for each newly ACKed or
// SACKed segment, then end_of_ack(), then detect_loss(), which marks
// segments lost in the SentLog and tells when to look again (the
// reordering timer). Time is passed in; nothing here reads a clock.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.hpp"
#include "tcp/sent_log.hpp"
#include "wire/seq_num.hpp"

namespace ws::tcp {

class Rack {
 public:
  static constexpr unsigned kDupThresh = 3;        // RFC 6675 §2 DupThresh, for RACK_reo_wnd()
  static constexpr unsigned kReoWndPersist = 16;   // RFC 8985 §6.2 step 4: rounds a larger window stays

  // RFC 8985 §6.2 steps 2 and 3 for one newly delivered segment. `min_rtt`:
  // the smallest RTT seen so far (step 1); `tsecr_before_xmit`: the ACK's
  // timestamp echo is older than the segment's latest transmission, so it
  // acknowledges an earlier copy.
  void on_delivered(const SentLog::Segment& s, Instant now, Duration min_rtt, bool tsecr_before_xmit);
  // Step 4, once per ACK, after on_delivered(): `dsack` — the ACK carried a
  // D-SACK (RFC 2883); `una` and `snd_nxt` — the sequence space now.
  void end_of_ack(SeqNum una, SeqNum snd_nxt, bool dsack);
  // Loss recovery ended (RFC 8985 §6.2 step 4: the window's persistence counts down).
  void on_recovery_end();
  // A retransmission proved spurious (RFC 8985 §6.2 step 3 allows taking
  // it as reordering): the reordering window stays open from now on.
  void on_spurious() { reordering_seen_ = true; }

  struct Detected {
    unsigned newly_lost = 0;
    // The reordering timer: when the earliest segment that is not lost yet
    // would be (RFC 8985 §6.2 step 5 "timeout"); nullopt when none waits.
    std::optional<Instant> recheck;
  };
  // Step 5: marks lost every segment sent before RACK.xmit_ts whose time
  // is up. `in_recovery`: the sender is in fast or RTO recovery.
  Detected detect_loss(SentLog& log, Instant now, Duration srtt, bool in_recovery);

  // The reordering window detect_loss() uses (RACK_reo_wnd()).
  Duration reo_wnd(const SentLog& log, Duration srtt, bool in_recovery) const;
  bool reordering_seen() const { return reordering_seen_; }
  // Whether any segment has been delivered yet (RACK.xmit_ts is set).
  bool active() const { return xmit_ts_.has_value(); }
  Duration rtt() const { return rtt_; }
  unsigned reo_wnd_mult() const { return reo_wnd_mult_; }

 private:
  // RFC 8985 RACK_sent_after(t1, seq1, t2, seq2), with ties at one
  // instant broken by the order of transmission (SentLog::Segment::order).
  static bool sent_after(Instant t1, std::uint64_t order1, Instant t2, std::uint64_t order2) {
    return t1 > t2 || (t1 == t2 && order1 > order2);
  }

  std::optional<Instant> xmit_ts_;  // RACK.xmit_ts: latest send time of a delivered segment
  std::uint64_t order_ = 0;         // RACK.end_seq's role: that transmission's order
  Duration rtt_;                    // RACK.rtt: that segment's RTT
  Duration min_rtt_;                // RACK.min_RTT
  std::optional<SeqNum> fack_;      // RACK.fack: the highest end delivered
  bool reordering_seen_ = false;    // RACK.reordering_seen
  std::optional<SeqNum> dsack_round_;  // RACK.dsack_round
  unsigned reo_wnd_mult_ = 1;          // RACK.reo_wnd_mult
  unsigned reo_wnd_persist_ = kReoWndPersist;  // RACK.reo_wnd_persist
};

}  // namespace ws::tcp
