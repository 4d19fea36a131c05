// Connection lifecycle: opening, user calls, timers, and the one place the
// state changes. Segment arrival is in input.cpp, sending in output.cpp.
#include "tcp/connection.hpp"

#include <algorithm>

#include "tcp/reno.hpp"

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

std::unique_ptr<CongestionController> Connection::make_controller(std::uint16_t smss, bool iw10) {
  RenoConfig rc;
  rc.smss = smss;
  rc.initial_window = iw10 ? InitialWindow::kIw10 : InitialWindow::kRfc5681;
  return std::make_unique<Reno>(rc);
}

Connection::Connection(const ConnectionConfig& config, FourTuple tuple, SeqNum iss, Emit emit)
    : config_(config),
      tuple_(tuple),
      emit_(std::move(emit)),
      iss_(iss),
      snd_nxt_(iss),
      snd_max_(iss),
      snd_mss_(config.mss),
      snd_(config.sndbuf, iss + 1),
      rcv_(std::min<std::size_t>(config.rcvbuf, Reassembler::kMaxCapacity)),
      rtt_(config.rtt),
      cc_(make_controller(config.mss, config.iw10)),
      // RFC 6582 §3.2 starts `recover` at ISS; one less lets a loss of the
      // very first data segment (SEG.ACK − 1 == ISS) use fast retransmit.
      recover_(iss - 1) {}

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
  arm_retransmit(now);
}

void Connection::open_passive(Instant now, const TcpSegment& syn) {
  passive_ = true;
  irs_ = syn.seq;
  rcv_.reset(irs_ + 1);
  take_peer_options(syn);
  // A SYN's window is never scaled (RFC 7323 §2.2).
  snd_wnd_ = syn.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = syn.seq;
  set_state(State::SynReceived);
  send_syn(now, true);
  arm_retransmit(now);
}

void Connection::on_icmp_error(Instant now, SockError error) {
  (void)now;
  // RFC 1122 §4.2.3.9 calls unreachables soft errors; like Linux, a
  // connection still in its handshake gives up at once (the connect fails
  // with the error), an established one only remembers it.
  if (state_ == State::SynSent) {
    finish(error);
  } else if (!is_closed()) {
    soft_error_ = error;
  }
}

std::optional<SockError> Connection::take_soft_error() {
  auto e = soft_error_;
  soft_error_.reset();
  return e;
}

bool Connection::can_send() const {
  if (snd_.fin_queued()) return false;
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

std::size_t Connection::send_space() const { return can_send() ? snd_.free_space() : 0; }

std::uint32_t Connection::cwnd() const { return cc_->cwnd(); }

std::size_t Connection::send(Instant now, Bytes data) {
  if (!can_send()) return 0;
  const std::size_t n = snd_.write(data);
  if (n > 0) output(now);
  return n;
}

std::size_t Connection::recv(Instant now, MutBytes out) {
  const std::size_t n = rcv_.read(out);
  if (n > 0) maybe_window_update(now);
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
      if (!snd_.close()) return;
      // §3.10.4: FIN follows the queued data; the state changes now.
      if (state_ == State::Established) set_state(State::FinWait1);
      break;
    case State::CloseWait:
      if (!snd_.close()) return;
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
  rcv_.consume(rcv_.buffered());
}

void Connection::close(Instant now) {
  orphaned_ = true;
  if (is_closed()) return;
  if (state_ == State::SynSent) {
    finish(std::nullopt);
    return;
  }
  if (rcv_.buffered() > 0) {
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
      send_rst(snd_nxt_, rcv_.rcv_nxt());  // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>
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

void Connection::set_rcvbuf(std::size_t bytes) { rcv_.set_capacity(std::max<std::size_t>(bytes, rcv_.buffered())); }

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
  X(out_of_order_segments) X(resets_received) X(retransmits_held_queued)

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
      case TimerKind::kPersist: on_persist_timeout(now); break;
      case TimerKind::kDelayedAck:
        ++stats_.delayed_acks;
        send_ack(now);
        break;
      case TimerKind::kKeepalive: on_keepalive_timeout(now); break;
      case TimerKind::kClose: finish(std::nullopt); break;  // TIME-WAIT over, or FIN-WAIT-2 gave up
    }
  }
}

void Connection::on_retransmit_timeout(Instant now) {
  ++stats_.rto_expiries;
  ++retransmits_;
  // Karn: no sample from a retransmitted segment, nor from one that sat in
  // this host past a timeout (its time would not be the path's).
  rtt_probe_.reset();
  if (state_ == State::SynSent || state_ == State::SynReceived) {
    if (retransmits_ > config_.syn_retries) {
      finish(SockError::TimedOut);
      return;
    }
    // RFC 6298 §5.5–5.6 (and §5.7 once the handshake completes).
    rtt_.backoff();
    if (!held_in_host(iss_)) {
      ++stats_.retransmitted_segments;
      send_syn(now, state_ == State::SynReceived);
    }
    arm_retransmit(now);
    return;
  }
  if (retransmits_ > config_.max_retransmits) {
    finish(SockError::TimedOut);
    return;
  }
  if (held_in_host(snd_.una())) {
    rtt_.backoff();  // RFC 6298 §5.5
    arm_retransmit(now);  // §5.6
    return;
  }
  // RFC 6298 §5.5–5.6 and RFC 5681 §3.1: back off, shrink to the loss
  // window, and resend from the first unacknowledged byte (go-back-N: the
  // rest follows as ACKs reopen the window).
  cc_->on_rto_timeout(LossEvent{now, flight_size()});
  recover_ = snd_max_ - 1;
  dup_acks_ = 0;
  rtt_.backoff();
  snd_nxt_ = snd_.una();
  retransmit_first(now);
  arm_retransmit(now);
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

void Connection::on_persist_timeout(Instant now) {
  const std::size_t unsent = snd_.bytes_from(snd_nxt_);
  if (unsent == 0) return;
  if (snd_wnd_ != 0) {
    // The window is open but sender SWS avoidance held back a segment that
    // was too small (output()): this is its override timeout (RFC 9293
    // §3.8.6.2.1, RFC 1122 §4.2.3.4), without which a window reopened by
    // less than that would never be used. Send what the window allows.
    const std::uint32_t in_flight = flight_size();
    const std::uint32_t wnd = std::min(snd_wnd_, cc_->cwnd());
    if (wnd <= in_flight) return;
    const std::size_t len = std::min<std::size_t>({unsent, snd_mss_, wnd - in_flight});
    if (send_data_segment(now, snd_nxt_, len, false, false)) snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(len);
    return;
  }
  // RFC 9293 §3.8.6.1 / RFC 1122 §4.2.2.17: probe the zero window. Like
  // Linux, the probe repeats an old sequence number with no data, which the
  // receiver must answer with an ACK carrying its current window.
  ++stats_.zero_window_probes;
  TcpSegment probe;
  probe.seq = snd_.una() - 1;
  probe.ack = rcv_.rcv_nxt();
  probe.flags.bits = TcpFlags::kAck;
  probe.window = window_to_advertise();
  emit(now, probe);
  ++persist_backoff_;
  Duration wait = rtt_.rto();
  for (unsigned i = 0; i < persist_backoff_ && wait < config_.max_persist; ++i) wait = wait * 2;
  timers_.arm(TimerKind::kPersist, now + std::min(wait, config_.max_persist));
}

void Connection::on_keepalive_timeout(Instant now) {
  if (state_ != State::Established) return;
  if (keepalive_sent_ >= config_.keepalive_probes) {
    // RFC 1122 §4.2.3.6: the peer is gone. Linux resets and reports ETIMEDOUT.
    send_rst(snd_nxt_, rcv_.rcv_nxt());
    finish(SockError::TimedOut);
    return;
  }
  ++keepalive_sent_;
  ++stats_.keepalive_probes;
  // SEG.SEQ = SND.NXT − 1 with no data: the peer answers with an ACK.
  TcpSegment probe;
  probe.seq = snd_nxt_ - 1;
  probe.ack = rcv_.rcv_nxt();
  probe.flags.bits = TcpFlags::kAck;
  probe.window = window_to_advertise();
  emit(now, probe);
  timers_.arm(TimerKind::kKeepalive, now + config_.keepalive_interval);
}

}  // namespace ws::tcp
