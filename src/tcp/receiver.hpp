// Receiver: the receive half of a TCP connection — the receive sequence
// space (RFC 9293 §3.3.1: RCV.NXT, RCV.WND), reassembly of out-of-order
// text, the segment acceptability test (§3.10.7.4), the window it offers
// with receiver silly window avoidance (§3.8.6.2.2) and window scaling
// (RFC 7323 §2), and the ACK policy: at once for out-of-order data, gap
// fills and FINs (RFC 5681 §4.2), otherwise delayed (RFC 1122 §4.2.3.2:
// every second full segment, at most `delayed_ack` late).
//
// It never sends: the Connection asks it what to put in the ACK fields of
// every segment it emits (ack_number(), window_to_advertise()) and tells it
// when an ACK left (on_ack_sent()). Time is passed in; the delayed-ACK
// timer is one entry of the connection's TimerSet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/time.hpp"
#include "tcp/reassembler.hpp"
#include "tcp/timers.hpp"
#include "wire/tcp.hpp"

namespace ws::tcp {

class Receiver {
 public:
  Receiver(std::size_t rcvbuf, std::uint16_t mss, Duration delayed_ack, TimerSet& timers);

  // The peer's SYN fixed IRS: the stream starts at IRS + 1.
  void start(SeqNum irs);
  // RFC 7323 §2.2: both SYNs carried the option; RCV.WIND.SHIFT = our offer.
  void enable_window_scale() { rcv_wscale_ = syn_wscale(); }
  // The shift our SYN offers: the smallest that lets the window cover the
  // receive buffer (RFC 7323 §2.3: at most 14). Fixed at the first call.
  std::uint8_t syn_wscale();
  std::uint8_t wscale() const { return rcv_wscale_; }

  // §3.10.7.4 first check: is any of the segment inside the receive window?
  bool acceptable(const TcpSegment& seg) const;
  // Text and FIN of an acceptable segment; schedules the ACK (at once or
  // delayed, above). `discard`: SHUT_RD — acknowledge, then drop the data.
  // `push`: the segment carried PSH (the sender has nothing more for now).
  InsertResult on_text(Instant now, SeqNum seq, Bytes payload, bool fin, bool discard, bool push = false);
  // The application has read everything after a pushed segment whose ACK
  // is being delayed: the sender is likely waiting on that ACK (Nagle holds
  // its next small segment while this one is unacknowledged), and nothing
  // else will come to trigger it. As Linux does, ACK now (the connection
  // makes the delayed ACK due at once, so that a reply the application
  // sends at the same instant still carries it).
  bool ack_on_drain() const {
    return pushed_ && timers_.armed(TimerKind::kDelayedAck) && rcv_.buffered() == 0;
  }

  // SACK blocks for an outgoing ACK (RFC 2018 §4), at most out.size(): a
  // D-SACK block first when the last segment repeated data (RFC 2883 §4),
  // then the held ranges, the most recently changed first. The D-SACK is
  // reported once.
  std::size_t sack_blocks(std::span<SackBlock> out, bool& dsack);

  // A segment that failed the acceptability test because all of it lies
  // before RCV.NXT: a duplicate for the next ACK's D-SACK (RFC 2883 §4.1).
  void report_old_duplicate(SeqNum seq, std::size_t len);

  // The ACK fields of an outgoing segment (not a SYN).
  SeqNum ack_number() const { return rcv_.rcv_nxt(); }
  std::uint16_t window_to_advertise();
  // A SYN's window: never scaled (RFC 7323 §2.2), the buffer up to 65535.
  std::uint16_t syn_window();
  // An ACK (any segment with one) just left: nothing is pending any more.
  void on_ack_sent();
  // Our SYN-ACK answers the peer's SYN: no separate ACK is needed.
  void cancel_ack_request() { ack_now_ = false; }

  // ACK at the end of this event (out-of-order data, gap fill, FIN,
  // second full segment, or a caller's request).
  bool ack_due() const { return ack_now_; }
  void request_ack() { ack_now_ = true; }
  // After the application read: whether the window opened enough to be
  // worth announcing at once (the sender may be waiting on it).
  bool window_update_due() const;

  // The largest window we can advertise: 65535 << RCV.WIND.SHIFT.
  std::size_t max_window() const { return std::size_t{65535} << rcv_wscale_; }
  Reassembler& buffer() { return rcv_; }
  const Reassembler& buffer() const { return rcv_; }

 private:
  Reassembler rcv_;
  // The segment size receiver SWS avoidance counts in (RFC 9293
  // §3.8.6.2.2's Eff.snd.MSS as seen from here): the largest segment the
  // peer has sent, at least 536 bytes (RFC 9293 §3.7.1's default), at most
  // our MSS; our MSS until data arrives. With timestamps a full segment is
  // 12 bytes short of the MSS: a step of a whole MSS would wait for one
  // segment more than the sender can send.
  std::size_t segment_size() const {
    return seen_mss_ == 0 ? mss_ : std::max<std::size_t>(seen_mss_, std::min<std::size_t>(536, mss_));
  }
  std::uint16_t mss_;
  std::size_t seen_mss_ = 0;
  bool pushed_ = false;  // in-order data with PSH arrived since the last ACK
  Duration delayed_ack_;
  TimerSet& timers_;
  SeqNum rcv_adv_;                  // right edge of the window we last advertised
  std::uint8_t rcv_wscale_ = 0;     // RCV.WIND.SHIFT in effect
  std::optional<std::uint8_t> syn_wscale_;
  bool ack_now_ = false;            // an ACK must go out at the end of this event
  unsigned unacked_segments_ = 0;   // segments received since our last ACK
  std::optional<SackBlock> dsack_;  // a duplicate to report (RFC 2883)
};

}  // namespace ws::tcp
