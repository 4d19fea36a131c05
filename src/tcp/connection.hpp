// One TCP connection: the state machine of RFC 9293 §3.3.2 driven by
// segment arrival (§3.10.7, in its order), user calls (§3.10.1–§3.10.6)
// and timers (§3.10.8), with RFC 5961 §3–5 (challenge ACKs), RFC 6298
// (retransmission timer), RFC 5681/6582 (congestion control, through a
// replaceable controller), RFC 1122 §4.2.3.2/§4.2.3.4 (delayed ACK,
// Nagle) and §3.8.6.2 silly window avoidance on both sides.
//
// Sans-I/O: segments come in as parsed TcpSegment values with `now`;
// segments go out through the Emit callback, synchronously, with their
// payload pointing into the send buffer (copy it before returning). The
// owner (TcpLayer) routes them, keeps the 4-tuple demux, and calls
// on_timer() at next_deadline(). Before a retransmission the connection
// asks its owner, through the InHost query, whether the segment it would
// resend has left the host at all.
//
// The connection is the state machine that owns two halves: a Sender
// (sender.hpp: send sequence space, retransmission, congestion control,
// segmentation) and a Receiver (receiver.hpp: reassembly, the offered
// window, the ACK policy). It decides what the state allows, runs the
// handshake, the close, RST handling and keepalive, and builds every
// outgoing segment's header from both halves.
//
// Files: connection.cpp (lifecycle, user calls, timers), input.cpp
// (segment arrival in RFC 9293 §3.10.7's order), output.cpp (SYN, ACK,
// RST and the header of every segment), icmp_errors.cpp (ICMP errors:
// soft errors, path MTU discovery).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.hpp"
#include "tcp/pacing.hpp"
#include "ip/path_mtu.hpp"
#include "socket/address.hpp"
#include "socket/error.hpp"
#include "tcp/cc_factory.hpp"
#include "tcp/ecn.hpp"
#include "tcp/receiver.hpp"
#include "tcp/rtt.hpp"
#include "tcp/sender.hpp"
#include "tcp/timers.hpp"
#include "wire/tcp.hpp"

namespace ws::tcp {

// RFC 9293 §3.3.2. CLOSED is both "not yet opened" and "gone".
enum class State : std::uint8_t {
  Closed,
  Listen,  // used by listeners; a Connection is never in it
  SynSent,
  SynReceived,
  Established,
  FinWait1,
  FinWait2,
  CloseWait,
  Closing,
  LastAck,
  TimeWait,
};
std::string_view to_string(State s);  // "SYN-SENT", "ESTABLISHED", ...

struct ConnectionConfig {
  std::uint16_t mss = 1460;            // ours, from the route's MTU − 40 (RFC 9293 §3.7.1)
  std::uint16_t mss_clamp = 0;         // TCP_MAXSEG: announce at most this (0: no clamp)
  std::size_t rcvbuf = 65535;          // SO_RCVBUF; advertised whole only with window scaling (else ≤ 65535)
  std::size_t sndbuf = 212992;         // SO_SNDBUF
  RttConfig rtt;                       // min/initial/max RTO
  unsigned syn_retries = 6;            // SYN (or SYN-ACK) retransmissions before ETIMEDOUT (Linux: 6)
  unsigned max_retransmits = 15;       // data retransmissions in a row before ETIMEDOUT (Linux tcp_retries2); 0: never give up
  // TCP_USER_TIMEOUT (RFC 5482 §3): give up when sent data has stayed
  // unacknowledged this long, instead of counting retransmissions. Zero:
  // not set (max_retransmits decides).
  Duration user_timeout;
  Duration msl = Duration::seconds(30);             // TIME-WAIT lasts 2·MSL (Linux: 60 s in all)
  Duration fin_wait2_timeout = Duration::seconds(60);  // for connections the application closed
  Duration delayed_ack = Duration::millis(40);      // RFC 1122 §4.2.3.2: < 0.5 s (Linux: 40 ms)
  Duration max_persist = Duration::seconds(60);     // zero-window probe interval cap
  bool nodelay = false;                // TCP_NODELAY: no Nagle
  bool keepalive = false;              // SO_KEEPALIVE (RFC 1122 §4.2.3.6)
  Duration keepalive_idle = Duration::seconds(7200);
  Duration keepalive_interval = Duration::seconds(75);
  unsigned keepalive_probes = 9;
  bool iw10 = false;                   // RFC 6928 initial window instead of RFC 5681's
  // RFC 7323 §2: offer the window scale option in our SYN (and answer a
  // peer's); used only when both SYNs carry it. Off by default for now: the
  // simulator's tests and figures are pinned to unscaled windows; the
  // real-wire tools turn it on.
  bool window_scale = false;
  // RFC 2018: offer SACK-permitted in our SYN (and accept a peer's); SACK
  // blocks flow once both SYNs carried it.
  bool sack = false;
  // RFC 7323 §3: offer the Timestamps option (and accept a peer's); used
  // for RTT measurement (§4) and PAWS (§5) once both SYNs carried it.
  bool timestamps = false;
  // The congestion controller when SACK is in use (RFC 6675 recovery with
  // PRR); without SACK the sender runs NewReno (RFC 6582) whatever this says.
  CcKind cc = CcKind::Reno;
  // Which segments are spaced at a pacing rate (tcp/pacing.hpp) when SACK
  // is in use.
  Pacing pacing = Pacing::kRateBased;
  // RFC 3168 ECN (tcp/ecn.hpp): in use only when our SYN asked and the
  // SYN-ACK accepted, or a peer's SYN asked and we accept. Off in a config
  // built by hand; every stack's default is kAccept (TcpLayer), as Linux.
  EcnMode ecn = EcnMode::kOff;
};

// What happened to a connection, for the socket layer and for tests.
struct ConnectionStats {
  std::uint64_t segments_sent = 0;
  std::uint64_t segments_received = 0;
  std::uint64_t bytes_sent = 0;              // new data, first transmissions
  std::uint64_t bytes_received = 0;          // in order, delivered to the receive buffer
  std::uint64_t retransmitted_segments = 0;
  std::uint64_t retransmitted_bytes = 0;
  std::uint64_t rto_expiries = 0;
  std::uint64_t fast_retransmits = 0;
  std::uint64_t dup_acks = 0;
  std::uint64_t unacceptable_segments = 0;   // failed the §3.10.7.4 acceptability test
  std::uint64_t challenge_acks = 0;          // RFC 5961
  std::uint64_t zero_window_probes = 0;
  std::uint64_t window_updates = 0;          // ACKs sent only to open the window
  std::uint64_t delayed_acks = 0;            // ACKs sent by the delayed-ACK timer
  std::uint64_t keepalive_probes = 0;
  std::uint64_t out_of_order_segments = 0;  // held beyond a gap
  std::uint64_t resets_received = 0;         // RSTs that ended the connection
  std::uint64_t paws_rejected = 0;           // RFC 7323 §5.3 R1: an old timestamp, dropped
  std::uint64_t sack_blocks_sent = 0;        // RFC 2018 blocks in our ACKs (D-SACK included)
  std::uint64_t dsack_blocks_sent = 0;       // RFC 2883: duplicates reported
  std::uint64_t sack_blocks_received = 0;    // blocks in the peer's ACKs
  std::uint64_t dsack_blocks_received = 0;   // of which D-SACKs (RFC 2883 §4)
  std::uint64_t sack_recoveries = 0;         // RFC 6675 loss recoveries entered
  std::uint64_t rack_retransmits = 0;        // segments RACK deemed lost (RFC 8985 §6), resent
  std::uint64_t rto_retransmits = 0;         // segments resent after a timeout
  std::uint64_t sack_reneging = 0;           // timeouts that found the peer had dropped SACKed data (RFC 2018 §8)
  std::uint64_t tlp_probes = 0;              // RFC 8985 §7: tail loss probes sent (new data or resent)
  std::uint64_t tlp_retransmits = 0;         // of which resent the last segment
  std::uint64_t tlp_recoveries = 0;          // RFC 8985 §7.4: a probe repaired a loss (window reduced)
  std::uint64_t spurious_rtos = 0;           // timeouts found spurious (F-RTO RFC 5682, Eifel RFC 3522)
  std::uint64_t spurious_recoveries = 0;     // fast recoveries found spurious (Eifel, D-SACK RFC 3708)
  std::uint64_t cc_undos = 0;                // reductions undone (RFC 4015 §3.2)
  // Retransmission timeouts that sent nothing: the segment to resend was
  // still waiting in this host (Connection::held_in_host).
  std::uint64_t retransmits_held_queued = 0;
  // ICMP fragmentation needed that lowered the segment size (RFC 1191).
  std::uint64_t path_mtu_reductions = 0;
  // Times the pacer held a segment back until its departure time.
  std::uint64_t pacing_waits = 0;
  // RFC 3168: 1 when the handshake negotiated ECN; data segments that arrived CE-marked; ACKs with ECE that
  // arrived; new data segments we sent with CWR; window reductions ECE caused.
  std::uint64_t ecn_negotiated = 0;
  std::uint64_t ecn_ce_received = 0;
  std::uint64_t ecn_ece_received = 0;
  std::uint64_t ecn_cwr_sent = 0;
  std::uint64_t ecn_reductions = 0;

  ConnectionStats& operator+=(const ConnectionStats& o);
  // Name/value pairs in declaration order, for nstat-like printing.
  std::vector<std::pair<std::string_view, std::uint64_t>> fields() const;
};

struct FourTuple {
  SocketAddress local;
  SocketAddress remote;
  bool operator==(const FourTuple&) const = default;
};

class Connection final : private SegmentOut {
 public:
  using Emit = std::function<void(Instant, const TcpSegment&)>;
  // Called from the one place the state changes (docs/principles.md "One place for state changes"), for traces.
  using StateHook = std::function<void(State from, State to)>;
  // Whether a segment of this connection that occupies sequence number
  // `seq` is still waiting inside the host (queued, not yet handed to the
  // device). Without one, nothing is ever considered queued.
  using InHost = std::function<bool(SeqNum seq)>;

  Connection(const ConnectionConfig& config, FourTuple tuple, SeqNum iss, Emit emit);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // --- opening (RFC 9293 §3.10.1) ---
  // Active OPEN: send SYN, enter SYN-SENT.
  void open_active(Instant now);
  // Passive OPEN completed by a SYN that a listener accepted: SYN-RECEIVED,
  // SYN-ACK sent.
  void open_passive(Instant now, const TcpSegment& syn);

  // --- events ---
  // `ecn`: the codepoint of the IP header's ECN field (RFC 3168 §5).
  void on_segment(Instant now, const TcpSegment& seg, std::uint8_t ecn = ecn::kNotEct);
  void on_timer(Instant now);
  Instant next_deadline() const { return timers_.next_deadline(); }
  // ICMP errors (icmp_errors.cpp). The layer has matched the quoted
  // header's 4-tuple; this says whether its sequence number is one this
  // connection has sent and not yet seen acknowledged (RFC 5927 §4.1).
  bool icmp_quote_in_flight(SeqNum seq) const;
  // An ICMP error about this connection (RFC 1122 §4.2.3.9, RFC 5461):
  // fatal while connecting, remembered as a soft error otherwise.
  void on_icmp_error(Instant now, SockError error);
  // Fragmentation needed (RFC 1191): the path's MTU is `report.mtu`.
  // Lowers the segment size and resends what was in flight at the old
  // size; true when the size went down (a report not below the current
  // segment size changes nothing, §3).
  bool on_packet_too_big(Instant now, const PathMtuReport& report);

  // --- user calls (RFC 9293 §3.10.2–§3.10.6) ---
  // Queues what fits in the send buffer; returns the count (0: full).
  std::size_t send(Instant now, Bytes data);
  // Copies in-order data; returns the count (0: nothing buffered).
  std::size_t recv(Instant now, MutBytes out);
  // shutdown(SHUT_WR): FIN after all queued data.
  void shutdown_write(Instant now);
  // shutdown(SHUT_RD): later data is acknowledged and discarded.
  void shutdown_read();
  // close(): both directions. Unread data makes it an abort (RST, RFC 2525
  // §2.17, as Linux); otherwise a FIN follows the queued data and the
  // connection finishes on its own (orphaned).
  void close(Instant now);
  // ABORT (§3.10.5) / SO_LINGER with zero time: RST, CLOSED.
  void abort(Instant now);

  // --- inspection ---
  State state() const { return state_; }
  const FourTuple& tuple() const { return tuple_; }
  bool is_closed() const { return state_ == State::Closed; }
  bool orphaned() const { return orphaned_; }
  // The error that ended (or, for soft errors, troubled) the connection.
  std::optional<SockError> error() const { return error_; }
  // The latest soft error, once (SO_ERROR on a live connection, as Linux).
  std::optional<SockError> take_soft_error();
  // Whether our datagrams carry DF (RFC 1191 §3): yes, unless a router
  // reported an MTU below kMinPathMtu.
  bool dont_fragment() const { return dont_fragment_; }
  // The path MTU the last effective fragmentation-needed reported (0: none).
  std::uint16_t path_mtu() const { return path_mtu_; }
  std::size_t readable_bytes() const { return receiver_.buffer().buffered(); }
  bool eof() const { return receiver_.buffer().fin_received() && receiver_.buffer().buffered() == 0; }
  std::size_t send_space() const;
  bool can_send() const;  // the state allows new data
  bool established_once() const { return established_once_; }
  SeqNum iss() const { return sender_.iss(); }
  SeqNum irs() const { return irs_; }
  SeqNum snd_una() const { return sender_.una(); }
  SeqNum snd_nxt() const { return sender_.nxt(); }
  SeqNum rcv_nxt() const { return receiver_.ack_number(); }
  std::uint32_t snd_wnd() const { return sender_.window(); }
  // The window scale shifts in effect (RFC 7323): 0 and 0 without it.
  bool window_scaling() const { return wscale_on_; }
  // SACK (RFC 2018) and timestamps (RFC 7323 §3): both SYNs carried them.
  bool sack_enabled() const { return sack_on_; }
  bool timestamps_enabled() const { return ts_on_; }
  // RFC 3168 §6.1.1: both sides agreed in the handshake.
  bool ecn_enabled() const { return ecn_on_; }
  // The ECN codepoint the IP header of the segment being emitted must
  // carry (valid inside the Emit callback): ECT(0) on new data of an ECN
  // connection (§6.1.2), not-ECT on everything else (§6.1.1, §6.1.4–6).
  std::uint8_t outgoing_ecn() const { return out_ecn_; }
  // The receiver side (§6.1.3): our ACKs carry ECE until a CWR arrives.
  bool ece_pending() const { return ece_echo_; }
  std::uint8_t snd_wscale() const { return sender_.wscale(); }
  std::uint8_t rcv_wscale() const { return receiver_.wscale(); }
  std::uint16_t effective_mss() const { return sender_.mss(); }
  std::uint32_t cwnd() const { return sender_.cwnd(); }
  const RttEstimator& rtt() const { return sender_.rtt(); }
  // The send half, for inspection (its scoreboard, log, RACK state).
  const Sender& sender() const { return sender_; }
  const ConnectionStats& stats() const { return stats_; }
  const TimerSet& timers() const { return timers_; }
  const ConnectionConfig& config() const { return config_; }

  void set_state_hook(StateHook hook) { state_hook_ = std::move(hook); }
  void set_in_host_query(InHost query) { in_host_ = std::move(query); }
  void set_nodelay(Instant now, bool on);
  void set_keepalive(Instant now, bool on);
  void set_rcvbuf(std::size_t bytes);
  // TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT.
  void set_keepalive_params(Instant now, Duration idle, Duration interval, unsigned probes);
  void set_sndbuf(std::size_t bytes) { sender_.buffer().set_capacity(bytes); }
  void set_user_timeout(Duration d) { config_.user_timeout = d; }

 private:
  // connection.cpp
  void set_state(State next);
  void enter_time_wait(Instant now);
  void finish(std::optional<SockError> error);  // → CLOSED, timers off
  // Why a connection that gave up failed: RFC 1122 §4.2.3.9 asks that soft
  // errors reach the application, so one seen meanwhile (a host
  // unreachable, say) is reported instead of ETIMEDOUT, as Linux does.
  SockError timeout_error() const { return soft_error_.value_or(SockError::TimedOut); }
  void restart_keepalive(Instant now);
  void on_retransmit_timeout(Instant now);
  bool held_in_host(SeqNum first);
  void on_keepalive_timeout(Instant now);

  // input.cpp
  void on_segment_syn_sent(Instant now, const TcpSegment& seg);
  void process_rst(Instant now, const TcpSegment& seg);
  bool process_ack(Instant now, const TcpSegment& seg);
  void process_text_and_fin(Instant now, const TcpSegment& seg);
  void take_peer_options(const TcpSegment& syn);
  // RFC 3168 §6.1.3: a CE mark starts ECE on our ACKs, the peer's CWR ends it.
  void ecn_on_arrival(const TcpSegment& seg, std::uint8_t ecn);

  // output.cpp
  void output(Instant now);  // send what the windows and Nagle allow, then any pending ACK
  void send_syn(Instant now, bool with_ack);
  void send_ack(Instant now);
  void send_rst(Instant now, SeqNum seq, std::optional<SeqNum> ack);
  void send_challenge_ack(Instant now);
  void emit(Instant now, TcpSegment& seg, std::uint8_t ecn = ecn::kNotEct);
  // RFC 7323 §5.4: a millisecond clock with a per-connection offset.
  std::uint32_t ts_val(Instant now) const {
    return static_cast<std::uint32_t>(now.nanos() / 1'000'000) + ts_offset_;
  }
  // RFC 7323 §5.3 R1 and §4.3: PAWS, then TS.Recent. False: drop the segment.
  bool check_timestamp(Instant now, const TcpSegment& seg);
  void maybe_window_update(Instant now);
  // SegmentOut: the sender's segments get our ACK fields.
  void transmit(Instant now, TcpSegment& seg, bool acks, bool ect) override;

  ConnectionConfig config_;
  FourTuple tuple_;
  Emit emit_;
  StateHook state_hook_;
  InHost in_host_;
  State state_ = State::Closed;
  bool passive_ = false;
  bool orphaned_ = false;         // close() was called: nobody will read
  bool read_shutdown_ = false;
  bool established_once_ = false;
  bool wscale_on_ = false;        // both SYNs carried the window scale option (RFC 7323 §2.2)
  bool sack_on_ = false;          // both SYNs carried SACK-permitted (RFC 2018 §2)
  bool ts_on_ = false;            // both SYNs carried timestamps (RFC 7323 §3.2)
  bool ecn_on_ = false;           // ECN negotiated (RFC 3168 §6.1.1)
  bool ece_echo_ = false;         // a CE arrived and no CWR since: ECE on our ACKs (§6.1.3)
  std::uint8_t out_ecn_ = ecn::kNotEct;  // the codepoint of the segment being emitted
  std::uint32_t ts_recent_ = 0;   // TS.Recent: the peer's TSval to echo (RFC 7323 §4.3)
  std::uint32_t ts_offset_ = 0;   // added to our millisecond clock (RFC 7323 §5.4)
  SeqNum last_ack_sent_;          // Last.ACK.sent (RFC 7323 §4.3)
  std::optional<SockError> error_;
  std::optional<SockError> soft_error_;
  bool dont_fragment_ = true;     // DF on our datagrams (RFC 1191 §3)
  std::uint16_t path_mtu_ = 0;    // the last path MTU that lowered our segments
  SeqNum irs_;
  unsigned keepalive_sent_ = 0;

  // Declared before the halves, which keep references to them.
  TimerSet timers_;
  ConnectionStats stats_;
  Sender sender_;
  Receiver receiver_;
};

}  // namespace ws::tcp
