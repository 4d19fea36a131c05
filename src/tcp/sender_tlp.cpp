// Tail loss probes (RFC 8985 §7): when the last segments of a flight are
// lost, no later segment can be SACKed and RACK has nothing to compare
// with; only the retransmission timeout would notice, after an RTO of at
// least 200 ms and with the window cut to one segment. Instead, about two
// RTTs after the last ACK of new data, the sender sends one segment — new
// data if there is some, else the last segment again — so that its ACK
// (with SACK blocks) lets RACK find the losses and fast recovery repair
// them.
#include <algorithm>

#include "tcp/connection.hpp"
#include "tcp/sender.hpp"

namespace ws::tcp {

namespace {
// RFC 8985 §7.2 WCDelAckT: the worst-case delayed-ACK time a lone
// segment's ACK may take (RFC 1122 §4.2.3.2 allows up to 500 ms; Linux's
// delayed ACK is at most 200 ms, and so is this).
constexpr Duration kWcDelAckT = Duration::millis(200);
// A floor under the PTO, as Linux has (10 ms): on a LAN 2·SRTT is well
// under a millisecond, shorter than any receiver takes to ACK a burst's
// last segment, and every probe would be spurious.
constexpr Duration kMinPto = Duration::millis(10);
}  // namespace

void Sender::schedule_probe(Instant now) {
  // RFC 8985 §7.2: only with SACK, data in flight, no recovery under way
  // and no probe outstanding.
  if (!sack_ || snd_max_ == snd_.una() || in_loss_recovery() || tlp_end_ || snd_wnd_ == 0) {
    timers_.cancel(TimerKind::kLossProbe);
    return;
  }
  // PTO = 2·SRTT (plus the peer's delayed ACK when one segment is out), or
  // 1 s before any RTT sample; never later than the RTO would fire.
  Duration pto = Duration::seconds(1);
  if (const auto srtt = rtt_.srtt()) {
    pto = std::max(*srtt * 2, kMinPto);
    if (flight_size() <= snd_mss_) pto += kWcDelAckT;
  }
  Instant at = now + pto;
  const Instant rto_at = timers_.deadline(TimerKind::kRetransmit);
  if (timers_.armed(TimerKind::kRetransmit) && rto_at <= at) {
    // The probe takes the timeout's place; the RTO runs again after it.
    at = rto_at;
    timers_.arm(TimerKind::kRetransmit, rto_at + rtt_.rto());
  }
  timers_.arm(TimerKind::kLossProbe, at);
}

void Sender::on_probe_timeout(Instant now) {
  if (!sack_ || snd_max_ == snd_.una() || in_loss_recovery() || tlp_end_) return;
  // RFC 8985 §7.3: new data if the peer's window takes it, else the
  // highest segment sent (the last one not SACKed).
  const std::size_t unsent = snd_.bytes_from(snd_nxt_);
  const std::int64_t rwnd_room =
      static_cast<std::int64_t>(snd_wnd_) - static_cast<std::int64_t>(snd_nxt_ - snd_.una());
  bool sent = false;
  if (unsent > 0 && rwnd_room > 0) {
    const std::size_t len = std::min<std::size_t>({unsent, snd_mss_, static_cast<std::size_t>(rwnd_room)});
    const bool fin = snd_.fin_queued() && len == unsent;
    if (send_segment(now, snd_nxt_, len, fin, false)) {
      snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(len + (fin ? 1 : 0));
      tlp_is_retrans_ = false;
      sent = true;
    }
  } else {
    const auto& segs = log_.segments();
    const auto last = std::find_if(segs.rbegin(), segs.rend(), [](const SentLog::Segment& s) { return !s.sacked; });
    if (last != segs.rend() && send_retransmission(now, SentLog::Segment(*last), true)) {
      tlp_is_retrans_ = true;
      sent = true;
    }
  }
  if (!sent) return;
  ++stats_.tlp_probes;
  tlp_end_ = snd_nxt_;  // TLP.end_seq
  arm_retransmit(now);
}

void Sender::tlp_on_ack(Instant now, SeqNum ack, bool advanced, const SackInfo& info) {
  // RFC 8985 §7.4: did the probe repair a loss? Only a resent segment can
  // tell: if the original had arrived, the probe comes back as a D-SACK
  // (or as a duplicate ACK that moves nothing).
  if (!tlp_end_ || ack.before(*tlp_end_)) return;
  const bool dsack = info.dsack && !info.dsack->right.after(*tlp_end_);
  if (tlp_is_retrans_ && !dsack && advanced) {
    // The ACK covers the probe and no duplicate was reported: the original
    // was lost and the probe repaired it — respond as to one loss (a
    // window reduction, without recovery to run). Linux reduces from cwnd:
    // at a tail little is in flight.
    ++stats_.tlp_recoveries;
    scc_->on_loss(now, scc_->cwnd());
    scc_->on_recovery_end(now);
    ecn_note_reduction();
  }
  tlp_end_.reset();
}

}  // namespace ws::tcp
