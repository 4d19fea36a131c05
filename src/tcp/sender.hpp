// Sender: the send half of a TCP connection — the send sequence space
// (RFC 9293 §3.3.1: SND.UNA, SND.NXT, SND.WND, SND.WL1/WL2, and SND.MAX,
// the highest sent), the send buffer, segmentation by MSS and windows with
// Nagle (RFC 1122 §4.2.3.4) and sender silly window avoidance (§3.8.6.2.1),
// acknowledgment processing (§3.10.7.4 "fifth"), RTT measurement and the
// retransmission timer (RFC 6298), duplicate ACKs, limited transmit (RFC
// 3042), early retransmit (RFC 5827), fast retransmit and NewReno recovery
// (RFC 5681 §3.2, RFC 6582) through a replaceable congestion controller,
// and zero-window probes (§3.8.6.1).
//
// It owns no connection state: the Connection decides when data may flow
// and what a timeout means in the handshake. Segments leave through
// SegmentOut, which adds the ACK fields (the receiver's) and emits them.
// Time is passed in; its timers (retransmit, persist) are entries of the
// connection's TimerSet.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>
#include <utility>

#include "base/time.hpp"
#include "tcp/cc.hpp"
#include "tcp/cc_factory.hpp"
#include "tcp/congestion.hpp"
#include "tcp/delivery_rate.hpp"
#include "tcp/pacing.hpp"
#include "tcp/rack.hpp"
#include "tcp/scoreboard.hpp"
#include "tcp/sent_log.hpp"
#include "tcp/rtt.hpp"
#include "tcp/send_buffer.hpp"
#include "tcp/timers.hpp"
#include "wire/tcp.hpp"

namespace ws::tcp {

struct ConnectionConfig;
struct ConnectionStats;

// Where the sender's segments go: the connection fills in ACK, window and
// ports and emits them. `acks`: the segment counts as our ACK (data does;
// a zero-window probe does not clear a pending ACK). `ect`: new data of
// an ECN connection, to go out with ECT(0) (RFC 3168 §6.1.2; sender_ecn.cpp).
class SegmentOut {
 public:
  virtual void transmit(Instant now, TcpSegment& seg, bool acks, bool ect) = 0;

 protected:
  ~SegmentOut() = default;
};

// What an incoming ACK field was, for the connection (§3.10.7.4 "fifth").
enum class AckVerdict : std::uint8_t {
  Accepted,  // processed (new, duplicate or old-but-plausible)
  Unsent,    // acknowledges something not yet sent: answer with an ACK, drop
  TooOld,    // older than any window in flight (RFC 5961 §5.2): challenge ACK, drop
};

class Sender {
 public:
  Sender(const ConnectionConfig& config, SeqNum iss, TimerSet& timers, ConnectionStats& stats, SegmentOut& out);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // --- the handshake ---
  // Our SYN (or SYN-ACK) left: it occupies ISS; time it unless resent (Karn).
  void on_syn_sent(Instant now);
  // The peer's SYN: its MSS option (RFC 9293 §3.7.1; 536 without one), its
  // window scale when both SYNs carry one (RFC 7323 §2.2), its window.
  // With timestamps on (`timestamps`), every segment carries 12 option
  // bytes the MSS does not cover: segments carry that much less data
  // (RFC 6691 §2, RFC 7323 §3.2).
  void on_peer_syn(const TcpSegment& syn, std::optional<std::uint8_t> peer_wscale, bool timestamps = false);
  // Our SYN was acknowledged: its RTT sample, or RFC 6298 (5.7) after a
  // timeout; the retransmission timer stops.
  void on_syn_acked(Instant now);
  // The ACK completing a passive open also sets the window (§3.10.7.4).
  void on_handshake_ack(const TcpSegment& seg);

  // RFC 2018: both SYNs carried SACK-permitted. Losses are then found by
  // RACK-TLP (RFC 8985) over a per-segment log, recovered as RFC 6675 says
  // with Proportional Rate Reduction (RFC 6937), and a controller of `kind`
  // (cc.hpp) sets the window; without SACK it stays NewReno's (RFC 6582)
  // with the Reno controller.
  void enable_sack(CcKind kind);
  bool sack() const { return sack_; }
  // RFC 3168: ECN was negotiated (sender_ecn.cpp).
  void enable_ecn();
  bool ecn() const { return ecn_; }

  // --- events ---
  // `ts_age`: how long ago the timestamp the segment echoes was sent (RFC
  // 7323 §4), when timestamps are on: the RTT when it acknowledges new data.
  AckVerdict on_ack(Instant now, const TcpSegment& seg, std::optional<Duration> ts_age = std::nullopt);
  // The retransmission timer expired: one more in a row; returns how many.
  unsigned note_timeout();
  // After note_timeout(), for data: RFC 6298 §5.5–5.6 and RFC 5681 §3.1.
  void on_data_timeout(Instant now);
  void on_persist_timeout(Instant now);
  // RFC 8985 §6.2 step 5: RACK's reordering timer — a segment's time is up.
  void on_reorder_timeout(Instant now);
  // RFC 8985 §7.3: the probe timeout — send one segment to draw an ACK.
  void on_probe_timeout(Instant now);
  // The path MTU fell (RFC 1191 §6.4; sender_pmtu.cpp): from now on a
  // segment carries at most `mss` bytes less the timestamp option, and
  // whatever was in flight is sent again by the next output(). False (and
  // nothing changes) when that is not below the current segment size.
  bool on_path_mtu(Instant now, std::uint16_t mss);
  // Sends what the windows, Nagle and SWS avoidance allow (§3.8.6.2.1).
  void output(Instant now);

  // --- for the connection ---
  void arm_retransmit(Instant now) { timers_.arm(TimerKind::kRetransmit, now + rtt_.rto()); }
  void backoff() { rtt_.backoff(); }
  // The sequence number of a pure ACK: SND.MAX when SND.NXT went back (a
  // go-back-N retransmission), so the peer's acceptability test takes it.
  SeqNum ack_seq() const { return snd_max_.after(snd_nxt_) ? snd_max_ : snd_nxt_; }

  SendBuffer& buffer() { return snd_; }
  const SendBuffer& buffer() const { return snd_; }
  SeqNum iss() const { return iss_; }
  SeqNum una() const { return snd_.una(); }
  SeqNum nxt() const { return snd_nxt_; }
  SeqNum max() const { return snd_max_; }
  // Since when the oldest unacknowledged data has waited: its first
  // sending, or the last ACK of new data (RFC 5482 §3's "unacknowledged").
  Instant waiting_since() const { return progress_at_; }
  std::uint32_t window() const { return snd_wnd_; }
  std::uint8_t wscale() const { return snd_wscale_; }
  std::uint16_t mss() const { return snd_mss_; }
  std::uint32_t cwnd() const { return sack_ ? scc_->cwnd() : cc_->cwnd(); }
  std::uint32_t ssthresh() const { return sack_ ? scc_->ssthresh() : cc_->ssthresh(); }
  bool in_recovery() const { return sack_ ? recovery_.has_value() : cc_->in_recovery(); }
  // RFC 6675 "pipe": the sender's estimate of the bytes in the network.
  std::uint32_t pipe() const;
  const SackScoreboard& scoreboard() const { return sb_; }
  const SentLog& sent_log() const { return log_; }
  const Rack& rack() const { return rack_; }
  const RttEstimator& rtt() const { return rtt_; }
  const Pacer& pacer() const { return pacer_; }
  const DeliveryRate& delivery_rate() const { return rate_; }
  // The controller with SACK (nullptr before enable_sack()).
  const CongestionControl* controller() const { return scc_.get(); }
  std::uint32_t flight_size() const { return static_cast<std::uint32_t>(snd_nxt_ - snd_.una()); }

 private:
  static std::unique_ptr<CongestionController> make_controller(std::uint16_t smss, bool iw10);
  // A window field of the peer's (not in a SYN) in bytes: SEG.WND << SND.WIND.SHIFT.
  std::uint32_t scaled(std::uint16_t window) const { return std::uint32_t{window} << snd_wscale_; }
  void on_new_ack(Instant now, SeqNum ack, std::optional<Duration> ts_age);
  void on_duplicate_ack(Instant now);
  void update_window(const TcpSegment& seg);
  bool send_segment(Instant now, SeqNum seq, std::size_t len, bool fin, bool retransmission);
  void retransmit_first(Instant now);
  // After on_path_mtu: everything in flight counts as lost (sender_pmtu.cpp).
  void resend_in_flight(Instant now);
  // The SACK path (sender_sack.cpp, sender_tlp.cpp).
  struct SackInfo {
    std::uint32_t newly_sacked = 0;             // bytes the scoreboard did not hold
    std::optional<SackBlock> dsack;             // the range a D-SACK reported (RFC 2883)
    std::array<SackBlock, TcpOptions::kMaxSackBlocks> blocks{};  // the others, ascending
    std::size_t count = 0;
  };
  void on_ack_sack(Instant now, const TcpSegment& seg, std::optional<Duration> ts_age);
  SackInfo take_sack_blocks(const TcpSegment& seg);
  // Whether an ACK echoing a timestamp `ts_age` old was sent for a copy
  // older than one sent at `xmit` (RFC 7323 §3.2's clock is in ms).
  static bool echo_before(Instant now, std::optional<Duration> ts_age, Instant xmit);
  // RACK's verdict for now; true when it starts a fast recovery.
  bool detect_losses(Instant now);
  void enter_recovery(Instant now);
  void prr_on_ack(std::uint32_t delivered);
  // The controller's view of one ACK (cc.hpp AckSample).
  AckSample ack_sample(Instant now, std::uint32_t delivered, std::optional<Duration> rtt,
                       const std::optional<RateSample>& rate) const;
  // Pacing (tcp/pacing.hpp): the rate for this output() call, and whether
  // the next segment must wait for its departure time (the pacing timer
  // is then armed).
  void update_pacing_rate();
  bool pace_hold(Instant now);
  // RFC 8985 §6.2 bytes RACK newly deemed lost on the last detect_losses().
  std::uint32_t newly_lost_bytes_ = 0;
  void on_data_timeout_sack(Instant now);
  void output_sack(Instant now);
  // Resends `s` (at most one MSS of it); `probe`: as a tail loss probe.
  bool send_retransmission(Instant now, const SentLog::Segment& s, bool probe);
  bool in_loss_recovery() const { return recovery_.has_value() || rto_recovery_.has_value(); }
  // Spurious retransmissions and undo (sender_undo.cpp).
  void undo_begin(bool timeout);
  void undo_note_retransmission(Instant now, SeqNum seq);
  // Eifel, D-SACK and F-RTO's verdicts on one ACK; true when it undid.
  bool undo_on_ack(Instant now, SeqNum ack, bool advanced, std::optional<Duration> ts_age, const SackInfo& info);
  void undo_on_episode_end();
  void undo(Instant now, std::uint32_t acked);
  bool frto_start(Instant now);
  void conventional_rto_recovery();
  // Tail loss probes (RFC 8985 §7, sender_tlp.cpp).
  void schedule_probe(Instant now);
  void tlp_on_ack(Instant now, SeqNum ack, bool advanced, const SackInfo& info);

  const ConnectionConfig& config_;
  TimerSet& timers_;
  ConnectionStats& stats_;
  SegmentOut& out_;

  SeqNum iss_;
  SeqNum snd_nxt_;
  SeqNum snd_max_;                 // highest sequence number sent (+1)
  std::uint32_t snd_wnd_ = 0;
  std::uint32_t max_snd_wnd_ = 0;  // largest window the peer offered (SWS, RFC 9293 §3.8.6.2.1)
  std::uint8_t snd_wscale_ = 0;    // SND.WIND.SHIFT (RFC 7323)
  SeqNum snd_wl1_;
  SeqNum snd_wl2_;
  std::uint16_t snd_mss_;          // min(our MSS, the peer's)
  SeqNum small_end_;               // end of the last segment shorter than the MSS (Minshall)
  SendBuffer snd_;
  std::vector<std::uint8_t> wrapped_;  // a segment's payload where the ring wrapped (send_segment)

  RttEstimator rtt_;
  std::unique_ptr<CongestionController> cc_;
  unsigned retransmits_ = 0;       // consecutive RTO expiries (SYN or data)
  unsigned dup_acks_ = 0;
  SeqNum recover_;                 // RFC 6582 recovery point
  std::optional<std::pair<SeqNum, Instant>> rtt_probe_;  // one timed segment per RTT (Karn)
  bool timestamps_ = false;  // RTT from timestamp echoes: retransmissions do not spoil a sample
  unsigned persist_backoff_ = 0;
  Instant progress_at_;

  // SACK-based recovery (RFC 6675, RFC 6937).
  struct Recovery {
    SeqNum point;                    // RecoveryPoint: HighData at entry
    std::uint64_t prr_delivered = 0;
    std::uint64_t prr_out = 0;
    std::uint32_t recover_fs = 0;    // RecoverFS: flight at entry
  };
  bool sack_ = false;
  std::unique_ptr<CongestionControl> scc_;
  SackScoreboard sb_;
  std::optional<Recovery> recovery_;
  std::int64_t prr_allow_ = 0;           // bytes PRR lets out now
  SentLog log_;                          // every segment in flight (RFC 8985 §6.1)
  Rack rack_;
  std::optional<SeqNum> rto_recovery_;   // after an RTO, until SND.UNA reaches this SND.MAX of then
  // A loss episode that may prove spurious (RFC 4015 §3): where it began,
  // its first retransmission, how many of its retransmissions no D-SACK
  // has reported as duplicates yet, and until when a D-SACK still counts.
  struct Undo {
    SeqNum marker;                      // SND.UNA when the episode began
    Instant first_rexmit = Instant::never();
    SeqNum first_rexmit_seq;            // where that retransmission began
    std::uint32_t retrans = 0;
    bool timeout = false;               // it began with a retransmission timeout
    bool eifel_checked = false;         // RFC 3522: only the first ACK of the retransmission decides
    std::optional<SeqNum> horizon;      // set when the episode ends: SND.MAX then
  };
  std::optional<Undo> undo_;
  // RFC 5682 F-RTO after a timeout: 2 waits for the first ACK, 3 for the
  // second; 0 when not running. `frto_rexmit_end_`: end of what step 1 resent.
  unsigned frto_step_ = 0;
  SeqNum frto_rexmit_end_;
  // RFC 8985 §7: the probe in flight — TLP.end_seq, and whether it resent data.
  std::optional<SeqNum> tlp_end_;
  bool tlp_is_retrans_ = false;
  Duration min_rtt_;
  std::uint64_t round_ = 0;              // round trips (RFC 9406 §4.2)
  SeqNum round_end_;
  // The most in flight right after sending, this round trip and the last:
  // cwnd grows only while it is used (RFC 7661 §4.3; in slow start up to
  // twice the flight, as Linux) — a sender held back by the peer's window
  // or by the application must not inflate it.
  std::uint32_t max_pipe_round_ = 0;
  std::uint32_t max_pipe_prev_ = 0;
  bool cwnd_limited() const;
  DeliveryRate rate_;                    // delivery-rate samples (delivery_rate.hpp)
  Pacer pacer_;                          // departure times (pacing.hpp)

  // RFC 3168 §6.1.2 (sender_ecn.cpp): ECE reduces the window once per
  // window of data; the next new data segment after any reduction carries
  // CWR. `ecn_high_`: SND.MAX at the last reduction — an ECE reduces again
  // only once data sent after it is acknowledged.
  void ecn_new_data(TcpSegment& seg);  // new data (sent ECT(0)): CWR if due
  void ecn_on_ack(Instant now, const TcpSegment& seg);
  void ecn_note_reduction();       // any window reduction (loss, timeout, ECE)
  bool ecn_ = false;
  bool cwr_due_ = false;
  SeqNum ecn_high_;
};

}  // namespace ws::tcp
