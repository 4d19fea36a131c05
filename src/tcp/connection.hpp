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
// Files: connection.cpp (lifecycle, user calls, timers), input.cpp
// (segment arrival), output.cpp (what to send and when).
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
#include "socket/address.hpp"
#include "socket/error.hpp"
#include "tcp/congestion.hpp"
#include "tcp/reassembler.hpp"
#include "tcp/rtt.hpp"
#include "tcp/send_buffer.hpp"
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
  unsigned max_retransmits = 15;       // data retransmissions in a row before ETIMEDOUT (Linux tcp_retries2)
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
  // Retransmission timeouts that sent nothing: the segment to resend was
  // still waiting in this host (Connection::held_in_host).
  std::uint64_t retransmits_held_queued = 0;

  ConnectionStats& operator+=(const ConnectionStats& o);
  // Name/value pairs in declaration order, for nstat-like printing.
  std::vector<std::pair<std::string_view, std::uint64_t>> fields() const;
};

struct FourTuple {
  SocketAddress local;
  SocketAddress remote;
  bool operator==(const FourTuple&) const = default;
};

class Connection {
 public:
  using Emit = std::function<void(const TcpSegment&)>;
  // Called from the one place the state changes (STYLE.md §8), for traces.
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
  void on_segment(Instant now, const TcpSegment& seg);
  void on_timer(Instant now);
  Instant next_deadline() const { return timers_.next_deadline(); }
  // An ICMP error about this connection (RFC 1122 §4.2.3.9, RFC 5461):
  // fatal while connecting, remembered as a soft error otherwise.
  void on_icmp_error(Instant now, SockError error);

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
  std::optional<SockError> take_soft_error();
  std::size_t readable_bytes() const { return rcv_.buffered(); }
  bool eof() const { return rcv_.fin_received() && rcv_.buffered() == 0; }
  std::size_t send_space() const;
  bool can_send() const;  // the state allows new data
  bool established_once() const { return established_once_; }
  SeqNum iss() const { return iss_; }
  SeqNum irs() const { return irs_; }
  SeqNum snd_una() const { return snd_.una(); }
  SeqNum snd_nxt() const { return snd_nxt_; }
  SeqNum rcv_nxt() const { return rcv_.rcv_nxt(); }
  std::uint32_t snd_wnd() const { return snd_wnd_; }
  // The window scale shifts in effect (RFC 7323): 0 and 0 without it.
  bool window_scaling() const { return wscale_on_; }
  std::uint8_t snd_wscale() const { return snd_wscale_; }
  std::uint8_t rcv_wscale() const { return rcv_wscale_; }
  std::uint16_t effective_mss() const { return snd_mss_; }
  std::uint32_t cwnd() const;
  const RttEstimator& rtt() const { return rtt_; }
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
  void set_sndbuf(std::size_t bytes) { snd_.set_capacity(bytes); }

 private:
  // connection.cpp
  static std::unique_ptr<CongestionController> make_controller(std::uint16_t smss, bool iw10);
  void set_state(State next);
  void enter_time_wait(Instant now);
  void finish(std::optional<SockError> error);  // → CLOSED, timers off
  void restart_keepalive(Instant now);
  void on_retransmit_timeout(Instant now);
  bool held_in_host(SeqNum first);
  void on_persist_timeout(Instant now);
  void on_keepalive_timeout(Instant now);

  // input.cpp
  void on_segment_syn_sent(Instant now, const TcpSegment& seg);
  bool acceptable(const TcpSegment& seg) const;
  void process_rst(Instant now, const TcpSegment& seg);
  bool process_ack(Instant now, const TcpSegment& seg);
  void process_text_and_fin(Instant now, const TcpSegment& seg);
  void on_new_ack(Instant now, SeqNum ack);
  void on_duplicate_ack(Instant now);
  void take_peer_options(const TcpSegment& syn);
  // The shift our SYN offers: the smallest that lets the window cover the
  // receive buffer (RFC 7323 §2.3: at most 14). Fixed at the first call.
  std::uint8_t syn_wscale();
  // The largest window we can advertise: 65535 << RCV.WIND.SHIFT.
  std::size_t max_window() const { return std::size_t{65535} << rcv_wscale_; }
  // A window field of the peer's (not in a SYN) in bytes: SEG.WND << SND.WIND.SHIFT.
  std::uint32_t scaled(std::uint16_t window) const { return std::uint32_t{window} << snd_wscale_; }
  void update_send_window(const TcpSegment& seg);

  // output.cpp
  void output(Instant now);  // send what the windows and Nagle allow, then any pending ACK
  bool send_data_segment(Instant now, SeqNum seq, std::size_t len, bool fin, bool retransmission);
  void send_syn(Instant now, bool with_ack);
  void send_ack(Instant now);
  void send_rst(SeqNum seq, std::optional<SeqNum> ack);
  void send_challenge_ack(Instant now);
  void retransmit_first(Instant now);
  void emit(Instant now, TcpSegment& seg);
  std::uint16_t window_to_advertise();
  void schedule_ack(Instant now, bool immediate);
  void maybe_window_update(Instant now);
  void arm_retransmit(Instant now);
  std::uint32_t flight_size() const { return static_cast<std::uint32_t>(snd_nxt_ - snd_.una()); }

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
  std::optional<SockError> error_;
  std::optional<SockError> soft_error_;

  // Send sequence space (RFC 9293 §3.3.1). SND.UNA is snd_.una().
  SeqNum iss_;
  SeqNum snd_nxt_;
  SeqNum snd_max_;                // highest sequence number sent (+1)
  std::uint32_t snd_wnd_ = 0;
  std::uint32_t max_snd_wnd_ = 0;  // largest window the peer offered (SWS, RFC 9293 §3.8.6.2.1)
  // RFC 7323 window scaling: shifts in effect (0 until both SYNs carried
  // the option), and the shift our SYN offers (fixed once sent).
  std::uint8_t snd_wscale_ = 0;
  std::uint8_t rcv_wscale_ = 0;
  std::optional<std::uint8_t> syn_wscale_;
  bool wscale_on_ = false;  // both SYNs carry the option
  SeqNum snd_wl1_;
  SeqNum snd_wl2_;
  std::uint16_t snd_mss_;         // min(our MSS, the peer's)
  SendBuffer snd_;
  bool syn_acked_ = false;

  // Receive sequence space. RCV.NXT is rcv_.rcv_nxt().
  SeqNum irs_;
  Reassembler rcv_;
  SeqNum rcv_adv_;                // right edge of the window we last advertised
  bool ack_now_ = false;          // an ACK must go out at the end of this event
  unsigned unacked_segments_ = 0; // full-size segments received since our last ACK

  // Timers and loss recovery.
  TimerSet timers_;
  RttEstimator rtt_;
  std::unique_ptr<CongestionController> cc_;
  unsigned retransmits_ = 0;      // consecutive RTO expiries (SYN or data)
  unsigned dup_acks_ = 0;
  SeqNum recover_;                // RFC 6582 recovery point
  std::optional<std::pair<SeqNum, Instant>> rtt_probe_;  // one timed segment (Karn)
  Instant last_send_;
  unsigned persist_backoff_ = 0;
  unsigned keepalive_sent_ = 0;
  Instant last_heard_;

  ConnectionStats stats_;
};

}  // namespace ws::tcp
