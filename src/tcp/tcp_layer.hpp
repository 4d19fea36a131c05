// TCP for the socket table: the 4-tuple demux, listeners with their SYN
// and accept queues (the seed's listen(backlog)), ISNs (RFC 6528), port
// bindings, resets for segments no connection wants (RFC 9293 §3.10.7.1),
// ICMP errors, and one timer queue for every connection (no scan per tick).
//
// Connections outlive their sockets: close() orphans a connection, which
// finishes its FIN exchange and TIME-WAIT on its own and is freed when
// CLOSED.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ip/host.hpp"
#include "socket/address.hpp"
#include "socket/error.hpp"
#include "tcp/connection.hpp"
#include "tcp/isn.hpp"
#include "tcp/timer_queue.hpp"

namespace ws {

using SocketId = std::uint32_t;

// X-macro: one line per counter, so printing never falls out of step.
#define WS_TCP_LAYER_COUNTERS(X)                                                                   \
  X(segments_received, "segments received")                                                       \
  X(segments_sent, "segments sent")                                                               \
  X(bad_checksum, "segments dropped: bad checksum")                                               \
  X(malformed, "segments dropped: bad header or options")                                         \
  X(resets_sent, "resets sent for segments no connection or listener wanted")                     \
  X(listen_drops, "SYNs dropped: the backlog was full")                                           \
  X(active_opens, "active opens")                                                                 \
  X(passive_opens, "SYNs that created a connection")                                              \
  X(accepted, "connections accepted")                                                             \
  X(connections_freed, "connections freed")                                                       \
  X(icmp_errors, "ICMP errors delivered to a connection (fatal while connecting, else soft)")     \
  X(icmp_truncated, "ICMP errors ignored: fewer than 8 bytes of TCP header quoted")               \
  X(icmp_no_connection, "ICMP errors ignored: the quoted header matches no connection")           \
  X(icmp_out_of_window, "ICMP errors ignored: quoted sequence number not in flight (RFC 5927)")  \
  X(frag_needed_accepted, "ICMP fragmentation needed: segment size lowered (RFC 1191)")          \
  X(frag_needed_ignored, "ICMP fragmentation needed ignored: inconsistent or not below the size")

struct TcpStats {
#define WS_DECLARE_COUNTER(name, text) std::uint64_t name = 0;
  WS_TCP_LAYER_COUNTERS(WS_DECLARE_COUNTER)
#undef WS_DECLARE_COUNTER

  struct Line {
    std::string_view name;
    std::string_view text;
    std::uint64_t value;
  };
  // The counters that are not zero, in declaration order (for printing).
  std::vector<Line> nonzero() const;
};

// A listening socket's queues (outside TcpLayer: clang cannot construct a
// nested class with default member initializers inside std::optional).
struct TcpListenQueues {
  int backlog = 0;
  std::vector<std::uint32_t> syn_queue;    // SYN-RECEIVED children
  std::deque<std::uint32_t> accept_queue;  // ESTABLISHED, waiting for accept()
};

class TcpLayer {
 public:
  static constexpr std::uint16_t kEphemeralFirst = 49152;
  static constexpr std::uint16_t kEphemeralLast = 65535;
  static constexpr int kMaxBacklog = 4096;
  // SO_SNDBUF and SO_RCVBUF below this are raised to it (Linux's floor is
  // larger; 128 bytes still holds a segment, and flow control works).
  static constexpr std::size_t kMinBuffer = 128;

  struct Limits {
    std::size_t default_rcvbuf;
    std::size_t default_sndbuf;
    std::size_t max_buffer;
    std::size_t max_connections;  // all connections, orphans included
  };
  TcpLayer(Host& host, Limits limits, std::function<void(SocketId)> notify);
  ~TcpLayer();

  // --- driver ---
  void poll(Instant now);
  Instant poll_at() const { return timers_.next_deadline(); }

  // --- socket calls (ids already checked to be TCP sockets) ---
  void open(SocketId id);
  SockResult<void> close(Instant now, SocketId id);
  SockResult<void> bind(SocketId id, SocketAddress local);
  SockResult<void> listen(SocketId id, int backlog);
  // Takes a connection off the listener's accept queue into socket `new_id`.
  SockResult<SocketAddress> accept(SocketId listener, SocketId new_id);
  // Starts the handshake: EINPROGRESS, then writable (or an error) later.
  SockResult<void> connect(Instant now, SocketId id, SocketAddress peer);
  SockResult<std::size_t> send(Instant now, SocketId id, Bytes data);
  // 0 bytes means end of stream (the peer's FIN, everything read).
  SockResult<std::size_t> recv(Instant now, SocketId id, MutBytes buffer);
  SockResult<void> shutdown(Instant now, SocketId id, bool read, bool write);
  // The error a failed connect or a reset left, once (SO_ERROR).
  std::optional<SockError> take_error(SocketId id);

  void set_reuse_addr(SocketId id, bool on) { sock(id).reuse_addr = on; }
  bool reuse_addr(SocketId id) const { return sock(id).reuse_addr; }
  void set_rcvbuf(SocketId id, std::size_t bytes);
  void set_sndbuf(SocketId id, std::size_t bytes);
  std::size_t rcvbuf(SocketId id) const { return sock(id).config.rcvbuf; }
  std::size_t sndbuf(SocketId id) const { return sock(id).config.sndbuf; }
  void set_nodelay(Instant now, SocketId id, bool on);
  bool nodelay(SocketId id) const { return sock(id).config.nodelay; }
  void set_keepalive(Instant now, SocketId id, bool on);
  bool keepalive(SocketId id) const { return sock(id).config.keepalive; }
  // SO_LINGER: nullopt = off; 0 = close() aborts with RST.
  void set_linger(SocketId id, std::optional<int> seconds) { sock(id).linger = seconds; }
  // TCP_MAXSEG: the MSS announced by connections made after the call.
  void set_max_segment(SocketId id, std::uint16_t mss) { sock(id).config.mss_clamp = mss; }
  // TCP_USER_TIMEOUT (RFC 5482): also for the socket's live connection.
  void set_user_timeout(SocketId id, Duration d) {
    sock(id).config.user_timeout = d;
    if (tcp::Connection* c = conn_of(sock(id))) c->set_user_timeout(d);
  }
  // TCP_CONGESTION: the controller of connections made after the call.
  void set_congestion(SocketId id, tcp::CcKind kind) { sock(id).config.cc = kind; }
  std::optional<int> linger(SocketId id) const { return sock(id).linger; }
  // The options a socket's connection is (or will be) created with.
  const tcp::ConnectionConfig& socket_config(SocketId id) const { return sock(id).config; }

  std::optional<SocketAddress> local_address(SocketId id) const;
  std::optional<SocketAddress> peer_address(SocketId id) const;
  struct Readiness {
    bool readable, writable, error, hangup;
  };
  Readiness readiness(SocketId id) const;
  // The connection behind a socket (tests, traces), or null.
  const tcp::Connection* connection(SocketId id) const;
  tcp::Connection* connection(SocketId id);
  // Defaults for new sockets' connections (RTO bounds, MSL, ...).
  tcp::ConnectionConfig& defaults() { return defaults_; }
  // Every state change of every connection, for traces (`wirestack demo`).
  void set_state_hook(std::function<void(const tcp::FourTuple&, tcp::State, tcp::State)> hook) {
    state_hook_ = std::move(hook);
  }
  // Pins the next ISN (the demo replays seed 000's numbers); normally RFC 6528.
  void pin_next_isn(SeqNum isn) { pinned_isn_ = isn; }

  std::size_t connection_count() const { return conns_.size(); }
  // Connections still exchanging segments: not CLOSED, LISTEN or
  // TIME-WAIT (a program shutting down waits for these to finish).
  std::size_t busy_connection_count() const;
  // Every connection's counters summed, freed ones included (nstat-like).
  tcp::ConnectionStats connection_totals() const;
  void set_keepalive_params(Instant now, SocketId id, Duration idle, Duration interval, unsigned probes);
  const TcpStats& stats() const { return stats_; }

 private:
  using ConnId = std::uint32_t;
  using Listener = TcpListenQueues;
  struct Socket {
    std::optional<SocketAddress> local;
    bool reuse_addr = false;
    std::optional<int> linger;
    tcp::ConnectionConfig config;
    std::optional<Listener> listener;
    std::optional<ConnId> conn;
    std::optional<SockError> error;  // sticky until taken
  };
  struct Entry {
    std::unique_ptr<tcp::Connection> conn;
    std::optional<SocketId> socket;    // none: orphaned, or not yet accepted
    std::optional<SocketId> listener;  // a child not yet accepted
  };
  struct TupleKey {
    std::uint32_t local_ip, remote_ip;
    std::uint16_t local_port, remote_port;
    bool operator==(const TupleKey&) const = default;
  };
  struct TupleHash {
    std::size_t operator()(const TupleKey& k) const noexcept;
  };
  static TupleKey key_of(const tcp::FourTuple& t);

  Socket& sock(SocketId id) { return sockets_.at(id); }
  const Socket& sock(SocketId id) const { return sockets_.at(id); }
  tcp::Connection* conn_of(const Socket& s) const;

  void on_datagram(Instant now, const Ipv4Header& h, Bytes payload, const RxInfo& rx);
  // icmp_errors.cpp: an ICMP error about a datagram of ours carrying TCP.
  void on_icmp_error(Instant now, const IcmpMessage& m, const QuotedDatagram& q);
  void on_listen(Instant now, SocketId listener_id, const tcp::FourTuple& tuple, const TcpSegment& seg);
  void send_reset_for(Instant now, Ipv4Address src, Ipv4Address dst, const TcpSegment& seg);
  void transmit(Instant now, const tcp::FourTuple& tuple, const TcpSegment& seg, bool dont_frag = true,
                std::uint8_t ecn = tcp::ecn::kNotEct);
  // Whether connection `id`'s datagrams carry DF (RFC 1191 §3).
  bool dont_fragment(ConnId id) const;
  // The ECN codepoint of the segment connection `id` is emitting.
  std::uint8_t outgoing_ecn(ConnId id) const;
  // A connection's InHost query: whether a segment of `tuple` occupying
  // `seq` is still queued in the host (Connection::held_in_host).
  bool segment_in_host(const tcp::FourTuple& tuple, SeqNum seq) const;
  ConnId create(Instant now, const tcp::ConnectionConfig& cfg, const tcp::FourTuple& tuple);
  // After anything happened to a connection: timers, queues, cleanup, and
  // (for network events and timers) the socket's readiness listener. A
  // socket call passes notify_socket = false: its caller knows, and a
  // waiter retrying on every notification would otherwise spin.
  void after(ConnId id, bool notify_socket = true);
  void free_connection(ConnId id);
  std::optional<SocketId> find_listener(Ipv4Address ip, std::uint16_t port) const;
  bool port_in_use(SocketId self, SocketAddress local, bool reuse) const;
  std::optional<std::uint16_t> ephemeral_port(Ipv4Address remote_ip, std::uint16_t remote_port);
  std::uint16_t mss_for(Ipv4Address remote) const;

  Host& host_;
  Limits limits_;
  std::function<void(SocketId)> notify_;
  std::function<void(const tcp::FourTuple&, tcp::State, tcp::State)> state_hook_;
  tcp::ConnectionConfig defaults_;
  tcp::IsnGenerator isn_;
  std::optional<SeqNum> pinned_isn_;
  std::unordered_map<SocketId, Socket> sockets_;
  std::map<ConnId, Entry> conns_;  // ordered: deterministic iteration
  std::unordered_map<TupleKey, ConnId, TupleHash> by_tuple_;
  tcp::TimerQueue timers_;
  ConnId next_conn_ = 1;
  tcp::ConnectionStats freed_totals_;  // counters of connections already freed
  // Live connections per local port, so finding a free ephemeral port does
  // not walk every connection (thousands may sit in TIME-WAIT).
  std::unordered_map<std::uint16_t, std::uint32_t> port_refs_;
  std::uint16_t next_ephemeral_;
  TcpStats stats_;
};

}  // namespace ws
