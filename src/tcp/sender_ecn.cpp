// The sender's half of ECN (RFC 3168 §6.1.2, §6.1.5): new data goes out
// ECT(0); an ACK with ECE is a congestion signal answered like a loss —
// the controller's reduction — but with nothing to retransmit, at most
// once per window of data; the first new data segment after any window
// reduction carries CWR so that the receiver stops echoing ECE.
#include "tcp/connection.hpp"
#include "tcp/sender.hpp"

namespace ws::tcp {

void Sender::enable_ecn() {
  ecn_ = true;
  ecn_high_ = snd_max_;
}

void Sender::ecn_new_data(TcpSegment& seg) {
  // §6.1.2: "the TCP sender sets the CWR flag in the TCP header of the
  // first new data packet sent after the window reduction".
  if (!cwr_due_) return;
  seg.flags.bits |= TcpFlags::kCwr;
  cwr_due_ = false;
  ++stats_.ecn_cwr_sent;
}

void Sender::ecn_note_reduction() {
  // Any reduction (fast retransmit, timeout, a repaired tail loss, ECE):
  // the receiver learns of it by CWR (§6.1.2), and an ECE for data sent
  // before it is the same congestion (§6.1.2: "should not react ... more
  // than once every window of data").
  if (!ecn_) return;
  cwr_due_ = true;
  ecn_high_ = snd_max_;
}

void Sender::ecn_on_ack(Instant now, const TcpSegment& seg) {
  if (!seg.flags.ece()) return;
  ++stats_.ecn_ece_received;
  // Only once data sent after the last reduction is acknowledged: the
  // receiver echoes ECE until it sees our CWR, so the ACKs of one window
  // keep carrying it. A loss recovery or a timeout is a reduction too
  // (ecn_note_reduction): an ECE during one, whose recovery point is
  // ecn_high_, does not reduce again.
  if (!seg.ack->after(ecn_high_)) return;
  // §6.1.2: halve cwnd and reduce ssthresh, as for a loss — the
  // controller's own reduction (NewReno flight/2, CUBIC β·cwnd) — without
  // retransmitting anything, and without a recovery to run: cwnd goes to
  // ssthresh at once.
  if (sack_) {
    scc_->on_loss(now, flight_size());
    scc_->on_recovery_end(now);
    // A CE mark is not a spurious signal: nothing restores the window
    // from before it (an undo episode still open would, RFC 4015 §3).
    undo_.reset();
  } else {
    cc_->on_fast_retransmit(LossEvent{now, flight_size()});
    cc_->on_recovery_exit(AckEvent{now, 0, flight_size(), std::nullopt});
  }
  ++stats_.ecn_reductions;
  ecn_note_reduction();
}

}  // namespace ws::tcp
