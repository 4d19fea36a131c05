// The sender's part of path MTU discovery (RFC 1191 §6.4): a smaller
// segment size, and the data a router dropped as too big sent again at
// once at that size. The connection has already checked the ICMP message
// (tcp/icmp_errors.cpp).
#include <algorithm>

#include "tcp/connection.hpp"
#include "tcp/sender.hpp"

namespace ws::tcp {

bool Sender::on_path_mtu(Instant now, std::uint16_t mss) {
  // The timestamp option rides in every segment (RFC 6691 §2), as in on_peer_syn.
  const std::uint16_t overhead = timestamps_ ? 12 : 0;
  const auto smss = static_cast<std::uint16_t>(std::max<int>(1, mss - overhead));
  // RFC 1191 §3: a Datagram Too Big message never raises the estimate.
  if (smss >= snd_mss_) return false;
  snd_mss_ = smss;
  if (snd_max_.after(snd_.una())) resend_in_flight(now);
  return true;
}

void Sender::resend_in_flight(Instant now) {
  // RFC 1191 §6.4: the router dropped the datagram; retransmit at once, no
  // larger than the new PMTU, without changing the congestion window (the
  // loss says nothing about congestion). Every segment in flight left at
  // the old size, so all of it is taken as lost; the few small enough to
  // pass arrive twice.
  dup_acks_ = 0;
  // Duplicate ACKs for those duplicates start no fast retransmit (the
  // RFC 6582 §3.2 guard, as after a timeout).
  recover_ = snd_max_ - 1;
  if (!timestamps_) rtt_probe_.reset();  // Karn: the timed segment is resent
  if (sack_) {
    // As after a timeout (RFC 6675 §5.1, RFC 8985 §6.3), every segment in
    // the log not SACKed is lost; NextSeg() resends them at the new size
    // (the log splits a record that no longer fits), within cwnd — or
    // PRR's allowance in a recovery, of which one segment goes at once.
    log_.mark_all_lost();
    if (recovery_) prr_allow_ = std::max<std::int64_t>(prr_allow_, snd_mss_);
  } else {
    snd_nxt_ = snd_.una();  // go-back-N from SND.UNA, within cwnd
  }
  arm_retransmit(now);  // RFC 6298 §5.3: timed from this resend
}

}  // namespace ws::tcp
