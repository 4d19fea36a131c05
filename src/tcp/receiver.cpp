// The receive half: acceptability, reassembly, the offered window and the
// ACK policy (see receiver.hpp).
#include "tcp/receiver.hpp"

#include <algorithm>

namespace ws::tcp {

namespace {
constexpr std::size_t kMaxWindow = 65535;  // a window field's largest value (unscaled)
}

Receiver::Receiver(std::size_t rcvbuf, std::uint16_t mss, Duration delayed_ack, TimerSet& timers)
    : rcv_(std::min<std::size_t>(rcvbuf, Reassembler::kMaxCapacity)),
      mss_(mss),
      delayed_ack_(delayed_ack),
      timers_(timers) {}

void Receiver::start(SeqNum irs) {
  rcv_.reset(irs + 1);
  // A window offered before RCV.NXT was known (our SYN) is re-anchored on
  // IRS + 1: the next segment advertises from there.
  rcv_adv_ = rcv_.rcv_nxt();
}

std::uint8_t Receiver::syn_wscale() {
  if (!syn_wscale_) {
    std::uint8_t shift = 0;
    while (shift < 14 && (std::size_t{65535} << shift) < rcv_.capacity()) ++shift;
    syn_wscale_ = shift;
  }
  return *syn_wscale_;
}

bool Receiver::acceptable(const TcpSegment& seg) const {
  // RFC 9293 §3.10.7.4, the four cases of segment length and window.
  const SeqNum nxt = rcv_.rcv_nxt();
  const std::uint32_t wnd = static_cast<std::uint32_t>(std::min<std::size_t>(rcv_.window(), max_window()));
  const std::uint32_t len = seg.seq_len();
  if (len == 0) return wnd == 0 ? seg.seq == nxt : seg.seq.in_window(nxt, wnd);
  if (wnd == 0) return false;
  return seg.seq.in_window(nxt, wnd) || (seg.seq + (len - 1)).in_window(nxt, wnd);
}

InsertResult Receiver::on_text(Instant now, SeqNum seq, Bytes payload, bool fin, bool discard, bool push) {
  const bool had_gap = rcv_.held_ranges() > 0;
  const SeqNum nxt = rcv_.rcv_nxt();
  const std::size_t room = rcv_.window();
  const InsertResult r = rcv_.insert(seq, payload, fin);
  // The sender's segment size, as its segments show it (timestamps and
  // other options make it smaller than our MSS).
  seen_mss_ = std::max<std::size_t>(seen_mss_, std::min<std::size_t>(payload.size(), mss_));
  // RFC 2883 §4: data received before — below RCV.NXT, or all of it held
  // already — is reported in the next ACK's first SACK block.
  if (!payload.empty()) {
    const SeqNum end = seq + static_cast<std::uint32_t>(payload.size());
    if (seq.before(nxt)) {
      dsack_ = SackBlock{seq, end.before(nxt) ? end : nxt};
    } else if (r.new_bytes == 0 && r.in_order == 0 && static_cast<std::size_t>(end - nxt) <= room) {
      dsack_ = SackBlock{seq, end};
    }
  }
  if (discard && rcv_.buffered() > 0) rcv_.consume(rcv_.buffered());
  // RFC 5681 §4.2 / RFC 9293 §3.8.6.3: ACK at once for out-of-order data,
  // duplicates and gap fills; otherwise delay, but ACK every second full
  // segment (RFC 1122 §4.2.3.2), and never later than the timeout.
  // And at once when the window left to the sender is under one segment:
  // it cannot send again until this ACK opens the window, so delaying it
  // would stall the connection for the whole delayed-ACK timeout (a Nagle-
  // held sender and a delaying receiver waiting on each other).
  // That last ACK is due at once but not sent at once: the application
  // usually reads at this same instant, and the ACK then carries the
  // window the read opened instead of a zero window followed by an update.
  const std::int32_t left = rcv_adv_ - rcv_.rcv_nxt();
  const bool window_closing = r.in_order > 0 && left < static_cast<std::int32_t>(segment_size());
  if (r.out_of_order || r.in_order == 0 || had_gap || r.fin_reached) {
    ack_now_ = true;
  } else if (window_closing) {
    timers_.arm(TimerKind::kDelayedAck, now);
  } else if ((unacked_segments_ += std::max(1u, static_cast<unsigned>(r.in_order / segment_size()))) >= 2) {
    // A segment a device merged (GRO, or a peer's TSO over a TAP with
    // virtio-net offloads) counts as the full segments it holds.
    ack_now_ = true;
  } else if (!timers_.armed(TimerKind::kDelayedAck)) {
    timers_.arm(TimerKind::kDelayedAck, now + delayed_ack_);
  }
  if (push && r.in_order > 0) pushed_ = true;
  return r;
}

std::uint16_t Receiver::window_to_advertise() {
  const SeqNum nxt = rcv_.rcv_nxt();
  const std::size_t free = std::min(rcv_.window(), max_window());
  const std::int32_t edge = rcv_adv_ - nxt;
  const std::size_t offered = edge > 0 ? static_cast<std::size_t>(edge) : 0;
  // Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): move the right edge only
  // by at least min(buffer/2, MSS); never move it left (§3.8.6.2.1).
  const std::size_t step = std::min<std::size_t>(rcv_.capacity() / 2, segment_size());
  std::size_t wnd = offered;
  if (free >= offered + step || free == std::min(rcv_.capacity(), max_window())) wnd = free;
  wnd = std::min(wnd, free);
  // With a scale the field counts units of 2^shift bytes: round down (the
  // edge may appear to move left by less than one unit, RFC 7323 §2.4).
  wnd = (wnd >> rcv_wscale_) << rcv_wscale_;
  if (wnd > offered || edge <= 0) rcv_adv_ = nxt + static_cast<std::uint32_t>(wnd);
  return static_cast<std::uint16_t>(wnd >> rcv_wscale_);
}

std::uint16_t Receiver::syn_window() {
  const auto wnd = static_cast<std::uint16_t>(std::min(rcv_.window(), kMaxWindow));
  rcv_adv_ = rcv_.rcv_nxt() + wnd;
  return wnd;
}

void Receiver::report_old_duplicate(SeqNum seq, std::size_t len) {
  const SeqNum end = seq + static_cast<std::uint32_t>(len);
  if (len > 0 && !end.after(rcv_.rcv_nxt())) dsack_ = SackBlock{seq, end};
}

std::size_t Receiver::sack_blocks(std::span<SackBlock> out, bool& dsack) {
  std::size_t n = 0;
  dsack = false;
  if (dsack_ && !out.empty()) {
    out[n++] = *dsack_;
    dsack = true;
    dsack_.reset();
  }
  n += rcv_.sack_blocks(out.subspan(n));
  return n;
}

void Receiver::on_ack_sent() {
  ack_now_ = false;
  pushed_ = false;
  unacked_segments_ = 0;
  timers_.cancel(TimerKind::kDelayedAck);
}

bool Receiver::window_update_due() const {
  const std::int32_t edge = rcv_adv_ - rcv_.rcv_nxt();
  const std::size_t offered = edge > 0 ? static_cast<std::size_t>(edge) : 0;
  const std::size_t free = std::min(rcv_.window(), max_window());
  // Announce the space a read opened once it is worth a segment (or half
  // the buffer): the sender may be waiting on a zero or tiny window.
  const std::size_t step = std::min<std::size_t>(rcv_.capacity() / 2, 2u * segment_size());
  return free >= offered + step;
}

}  // namespace ws::tcp
