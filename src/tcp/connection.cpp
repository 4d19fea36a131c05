// Connection lifecycle: opening, user calls, timers, and the one place the
// state changes. Segment arrival is in input.cpp, sending in output.cpp.
#include "tcp/connection.hpp"

#include <algorithm>


namespace ws::tcp {

std::string_view to_string(State s) {
  switch (s) {
    case State::Closed: return "CLOSED";
    case State::Listen: return "LISTEN";
    case State::SynSent: return "SYN-SENT";
    case State::SynReceived: return "SYN-RECEIVED";
    case State::Established: return "ESTABLISHED";
    case State::FinWait1: return "FIN-WAIT-1";
    case State::FinWait2: return "FIN-WAIT-2";
    case State::CloseWait: return "CLOSE-WAIT";
    case State::Closing: return "CLOSING";
    case State::LastAck: return "LAST-ACK";
    case State::TimeWait: return "TIME-WAIT";
  }
  return "?";
}

Connection::Connection(const ConnectionConfig& config, FourTuple tuple, SeqNum iss, Emit emit)
    : config_(config),
      tuple_(tuple),
      emit_(std::move(emit)),
      // A per-connection offset keeps timestamps from revealing uptime
      // (RFC 7323 §5.4); derived from the unpredictable ISS (RFC 6528).
      ts_offset_(iss.raw() * 0x9e3779b1u),
      sender_(config_, iss, timers_, stats_, *this),
      receiver_(config.rcvbuf, config.mss, config.delayed_ack, timers_) {}

Connection::~Connection() = default;

void Connection::set_state(State next) {
  if (next == state_) return;
  const State prev = state_;
  state_ = next;
  if (next == State::Established) established_once_ = true;
  if (state_hook_) state_hook_(prev, next);
}

void Connection::finish(std::optional<SockError> error) {
  if (error && !error_) error_ = error;
  timers_.cancel_all();
  set_state(State::Closed);
}

void Connection::enter_time_wait(Instant now) {
  set_state(State::TimeWait);
  timers_.cancel_all();
  // RFC 9293 §3.6: 2·MSL, so a lost final ACK can be repeated and old
  // duplicates of this connection die out (seed 001 §4.4.3).
  timers_.arm(TimerKind::kClose, now + config_.msl * 2);
}

void Connection::open_active(Instant now) {
  set_state(State::SynSent);
  send_syn(now, false);
  sender_.arm_retransmit(now);
}

void Connection::open_passive(Instant now, const TcpSegment& syn) {
  passive_ = true;
  irs_ = syn.seq;
  receiver_.start(irs_);
  take_peer_options(syn);
  set_state(State::SynReceived);
  send_syn(now, true);
  sender_.arm_retransmit(now);
}

bool Connection::can_send() const {
  if (sender_.buffer().fin_queued()) return false;
  switch (state_) {
    case State::SynSent:
    case State::SynReceived:  // RFC 9293 §3.10.2: queued until ESTABLISHED
    case State::Established:
    case State::CloseWait: return true;
    case State::Closed:
    case State::Listen:
    case State::FinWait1:
    case State::FinWait2:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: return false;
  }
  return false;
}

std::size_t Connection::send_space() const { return can_send() ? sender_.buffer().free_space() : 0; }

std::size_t Connection::send(Instant now, Bytes data) {
  if (!can_send()) return 0;
  const std::size_t n = sender_.buffer().write(data);
  if (n > 0) output(now);
  return n;
}

std::size_t Connection::recv(Instant now, MutBytes out) {
  const std::size_t n = receiver_.buffer().read(out);
  if (n == 0) return 0;
  if (receiver_.ack_on_drain()) {
    // A pushed segment fully read: its sender may be waiting (receiver.hpp).
    // The delayed ACK becomes due now — data the application sends in
    // reply at this instant still carries it.
    timers_.arm(TimerKind::kDelayedAck, now);
  } else {
    maybe_window_update(now);
  }
  return n;
}

void Connection::shutdown_write(Instant now) {
  switch (state_) {
    case State::SynSent:
      // Nothing was sent yet: the connection simply ends (RFC 9293 §3.10.4).
      finish(std::nullopt);
      return;
    case State::SynReceived:
    case State::Established:
      if (!sender_.buffer().close()) return;
      // §3.10.4: FIN follows the queued data; the state changes now.
      if (state_ == State::Established) set_state(State::FinWait1);
      break;
    case State::CloseWait:
      if (!sender_.buffer().close()) return;
      set_state(State::LastAck);
      break;
    case State::Closed:
    case State::Listen:
    case State::FinWait1:
    case State::FinWait2:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: return;
  }
  output(now);
}

void Connection::shutdown_read() {
  read_shutdown_ = true;
  receiver_.buffer().consume(receiver_.buffer().buffered());
}

void Connection::close(Instant now) {
  orphaned_ = true;
  if (is_closed()) return;
  if (state_ == State::SynSent) {
    finish(std::nullopt);
    return;
  }
  if (receiver_.buffer().buffered() > 0) {
    // Data the application will never read: tell the peer at once
    // (RFC 2525 §2.17; Linux does the same).
    abort(now);
    return;
  }
  shutdown_write(now);
  if (state_ == State::FinWait2) timers_.arm(TimerKind::kClose, now + config_.fin_wait2_timeout);
}

void Connection::abort(Instant now) {
  (void)now;
  switch (state_) {
    case State::SynReceived:
    case State::Established:
    case State::FinWait1:
    case State::FinWait2:
    case State::CloseWait:
      send_rst(now, sender_.nxt(), receiver_.ack_number());  // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>
      break;
    case State::Closed:
    case State::Listen:
    case State::SynSent:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: break;
  }
  orphaned_ = true;
  finish(std::nullopt);
}

void Connection::set_nodelay(Instant now, bool on) {
  config_.nodelay = on;
  if (on) output(now);  // Linux pushes pending small segments when Nagle is turned off
}

void Connection::set_keepalive(Instant now, bool on) {
  config_.keepalive = on;
  if (on) {
    restart_keepalive(now);
  } else {
    timers_.cancel(TimerKind::kKeepalive);
  }
}

void Connection::set_rcvbuf(std::size_t bytes) {
  Reassembler& r = receiver_.buffer();
  r.set_capacity(std::max<std::size_t>(bytes, r.buffered()));
}

void Connection::set_keepalive_params(Instant now, Duration idle, Duration interval, unsigned probes) {
  config_.keepalive_idle = idle;
  config_.keepalive_interval = interval;
  config_.keepalive_probes = probes;
  if (config_.keepalive) restart_keepalive(now);
}

// One list of the counters, so += and fields() never disagree.
#define WS_CONNECTION_COUNTERS(X)                                                                \
  X(segments_sent) X(segments_received) X(bytes_sent) X(bytes_received) X(retransmitted_segments) \
  X(retransmitted_bytes) X(rto_expiries) X(fast_retransmits) X(dup_acks) X(unacceptable_segments) \
  X(challenge_acks) X(zero_window_probes) X(window_updates) X(delayed_acks) X(keepalive_probes)   \
  X(out_of_order_segments) X(resets_received) X(paws_rejected) X(sack_blocks_sent) X(dsack_blocks_sent)        \
  X(sack_blocks_received) X(retransmits_held_queued) X(dsack_blocks_received) X(sack_recoveries)               \
  X(rack_retransmits) X(rto_retransmits) X(sack_reneging) X(tlp_probes) X(tlp_retransmits) X(tlp_recoveries) X(spurious_rtos)                    \
  X(spurious_recoveries) X(cc_undos) X(path_mtu_reductions) X(pacing_waits) X(ecn_negotiated)                   \
  X(ecn_ce_received) X(ecn_ece_received) X(ecn_cwr_sent) X(ecn_reductions)

ConnectionStats& ConnectionStats::operator+=(const ConnectionStats& o) {
#define WS_ADD(name) name += o.name;
  WS_CONNECTION_COUNTERS(WS_ADD)
#undef WS_ADD
  return *this;
}

std::vector<std::pair<std::string_view, std::uint64_t>> ConnectionStats::fields() const {
  std::vector<std::pair<std::string_view, std::uint64_t>> out;
#define WS_FIELD(name) out.emplace_back(#name, name);
  WS_CONNECTION_COUNTERS(WS_FIELD)
#undef WS_FIELD
  return out;
}
#undef WS_CONNECTION_COUNTERS

void Connection::restart_keepalive(Instant now) {
  keepalive_sent_ = 0;
  if (config_.keepalive && state_ == State::Established) {
    timers_.arm(TimerKind::kKeepalive, now + config_.keepalive_idle);
  }
}

void Connection::on_timer(Instant now) {
  while (auto kind = timers_.pop_expired(now)) {
    if (is_closed()) return;
    switch (*kind) {
      case TimerKind::kRetransmit: on_retransmit_timeout(now); break;
      case TimerKind::kPersist: sender_.on_persist_timeout(now); break;
      case TimerKind::kReorder: sender_.on_reorder_timeout(now); break;
      case TimerKind::kLossProbe:
        // A probe while the data it would resend still waits in this host
        // would leave right behind it (held_in_host): no probe; the RTO,
        // re-armed after the probe's time, stays.
        if (!held_in_host(sender_.una())) sender_.on_probe_timeout(now);
        break;
      case TimerKind::kDelayedAck:
        ++stats_.delayed_acks;
        send_ack(now);
        break;
      case TimerKind::kKeepalive: on_keepalive_timeout(now); break;
      case TimerKind::kPace: output(now); break;  // a paced segment's time has come
      case TimerKind::kClose: finish(std::nullopt); break;  // TIME-WAIT over, or FIN-WAIT-2 gave up
    }
  }
}

void Connection::on_retransmit_timeout(Instant now) {
  ++stats_.rto_expiries;
  // Counts the expiry; Karn: no sample from a retransmitted segment, nor
  // from one that sat in this host past a timeout (its time would not be
  // the path's).
  const unsigned in_a_row = sender_.note_timeout();
  if (state_ == State::SynSent || state_ == State::SynReceived) {
    if (in_a_row > config_.syn_retries) {
      finish(timeout_error());
      return;
    }
    // RFC 6298 §5.5–5.6 (and §5.7 once the handshake completes).
    sender_.backoff();
    if (!held_in_host(sender_.iss())) {
      ++stats_.retransmitted_segments;
      send_syn(now, state_ == State::SynReceived);
    }
    sender_.arm_retransmit(now);
    return;
  }
  // RFC 5482 §3: with a user timeout, how long the data has waited
  // decides; otherwise the count of retransmissions in a row (0: never).
  const bool give_up = config_.user_timeout > Duration{}
                           ? now - sender_.waiting_since() >= config_.user_timeout
                           : config_.max_retransmits != 0 && in_a_row > config_.max_retransmits;
  if (give_up) {
    finish(timeout_error());
    return;
  }
  if (held_in_host(sender_.una())) {
    sender_.backoff();             // RFC 6298 §5.5
    sender_.arm_retransmit(now);  // §5.6
    return;
  }
  sender_.on_data_timeout(now);
}

// RFC 6298 §5.4 resends "the earliest segment that has not been
// acknowledged". That segment may not have left this host yet: it can wait
// in the ARP queue while its next hop is resolved (up to seconds, RFC 1122
// §2.3.2.2), or in the transmit queue for the driver. A copy queued now
// would wait behind it and both would reach the wire together — a
// duplicate, and nothing gained. Linux likewise declines to retransmit a
// segment whose previous copy is still in a queue of the host, counts it
// (TCPSpuriousRtxHostQueues), and lets the retransmission timer back off
// as for any timeout. So does the caller: the expiry counts toward the
// retry limits and §5.5–5.6 apply (RTO doubled, timer re-armed), but
// nothing is sent, and neither the congestion response of RFC 5681 §3.1
// nor go-back-N runs, since nothing was lost in the network. `first` is
// the sequence number the retransmission would start at.
bool Connection::held_in_host(SeqNum first) {
  if (!in_host_ || !in_host_(first)) return false;
  ++stats_.retransmits_held_queued;
  return true;
}

void Connection::on_keepalive_timeout(Instant now) {
  if (state_ != State::Established) return;
  if (keepalive_sent_ >= config_.keepalive_probes) {
    // RFC 1122 §4.2.3.6: the peer is gone. Linux resets and reports
    // ETIMEDOUT (or the soft error that explains it).
    send_rst(now, sender_.nxt(), receiver_.ack_number());
    finish(timeout_error());
    return;
  }
  ++keepalive_sent_;
  ++stats_.keepalive_probes;
  // SEG.SEQ = SND.NXT − 1 with no data: the peer answers with an ACK.
  TcpSegment probe;
  probe.seq = sender_.nxt() - 1;
  probe.ack = receiver_.ack_number();
  probe.flags.bits = TcpFlags::kAck;
  probe.window = receiver_.window_to_advertise();
  emit(now, probe);
  timers_.arm(TimerKind::kKeepalive, now + config_.keepalive_interval);
}

}  // namespace ws::tcp
