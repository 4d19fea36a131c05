// Stack: a Host plus its transports and the socket table — the object an
// application talks to, through a nonblocking BSD-style API:
//
//   auto s = stack.socket(SocketType::Datagram);      // socket(AF_INET, SOCK_DGRAM)
//   stack.bind(*s, {Ipv4Address::any(), 8000});        // bind(("", 8000))
//   auto r = stack.recv_from(*s, buf);                  // recvfrom(1024): EAGAIN when empty
//   stack.send_to(now, *s, reply, r->from);             // sendto(data, addr)
//
// Calls never block: they succeed, or fail with a SockError (EAGAIN when
// they would have to wait). Waiting is the runtime's job (src/app): it
// watches readiness() and is told of changes through the readiness
// listener. Sans-I/O like Host: `now` comes in as an argument.
#pragma once

#include <cstdint>
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "ip/host.hpp"
#include "socket/address.hpp"
#include "socket/error.hpp"

namespace ws {

class UdpLayer;
class TcpLayer;

enum class SocketType : std::uint8_t { Datagram, Stream };

using SocketId = std::uint32_t;  // like a file descriptor; never 0

struct Readiness {
  bool readable = false;  // recv would not return EAGAIN (data, or an error/EOF to report)
  bool writable = false;  // send would not return EAGAIN
  bool error = false;     // a pending error (e.g. ECONNREFUSED) will be returned by the next call
  bool hangup = false;    // the peer closed (TCP) / socket closed
  bool any() const { return readable || writable || error || hangup; }
  bool operator==(const Readiness&) const = default;
};

// One entry of poll_sockets(): what to watch, and what is ready.
struct PollEntry {
  SocketId id = 0;
  Readiness events;   // interest: readable and/or writable (error/hangup always reported)
  Readiness revents;  // filled in
};

enum class SockOpt : std::uint8_t {
  ReuseAddr,  // SO_REUSEADDR: allow binding a port another socket has bound
  RcvBuf,     // SO_RCVBUF: receive queue limit in bytes
  SndBuf,     // SO_SNDBUF: send buffer limit in bytes
  Broadcast,  // SO_BROADCAST: allow sending to broadcast addresses
  NoDelay,    // TCP_NODELAY: no Nagle
  KeepAlive,  // SO_KEEPALIVE
  Linger,     // SO_LINGER in seconds; -1 = off; 0 = close() resets (RST)
  KeepIdle,   // TCP_KEEPIDLE: seconds of silence before the first probe (default 7200)
  KeepIntvl,  // TCP_KEEPINTVL: seconds between probes (default 75)
  KeepCnt,    // TCP_KEEPCNT: unanswered probes before ETIMEDOUT (default 9)
  MaxSeg,     // TCP_MAXSEG: the MSS to announce (88..65495), before connect/listen
  UserTimeout,  // TCP_USER_TIMEOUT (RFC 5482): ms data may stay unacknowledged; 0 = the retry count decides
  Congestion,   // TCP_CONGESTION: 0 NewReno, 1 CUBIC, 2 BBR (used with SACK; tcp::CcKind), before connect/listen
};

enum class ShutdownHow : std::uint8_t { Read, Write, Both };  // SHUT_RD, SHUT_WR, SHUT_RDWR

struct Received {
  std::size_t len = 0;    // bytes copied into the caller's buffer
  SocketAddress from;
  bool truncated = false; // the datagram was longer than the buffer (MSG_TRUNC); the rest is discarded
};

struct StackConfig {
  HostConfig host;
  std::size_t max_sockets = 1024;
  std::size_t default_rcvbuf = 212992;  // Linux's net.core.rmem_default
  std::size_t default_sndbuf = 212992;
  std::size_t max_buffer = 4 * 1024 * 1024;  // SO_RCVBUF/SO_SNDBUF are clamped to this
  std::size_t max_connections = 4096;        // TCP connections, orphans (TIME-WAIT...) included
  // ICMP port unreachable for datagrams to closed ports goes through the
  // host's ICMP error rate limit (HostConfig::icmp_error_*).
};

class Stack {
 public:
  explicit Stack(StackConfig config = {});
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  Host& host() { return host_; }
  const Host& host() const { return host_; }

  // --- driver interface (as Host's) ---
  void receive(Instant now, IfIndex iface, Bytes frame, const RxInfo& rx = {}) {
    saw(now);
    host_.receive(now, iface, frame, rx);
  }
  void poll(Instant now);
  Instant poll_at() const;
  std::optional<TxFrame> pop_transmit() { return host_.pop_transmit(); }

  // --- sockets ---
  SockResult<SocketId> socket(SocketType type);
  SockResult<void> bind(SocketId s, SocketAddress local);
  // Datagram: sets the default peer and filters other senders (RFC 1122 §4.1.3.4 spirit).
  // Stream: starts the handshake and returns EINPROGRESS; the socket turns
  // writable when connected, or reports the error (take_error) — like a
  // nonblocking connect(2).
  SockResult<void> connect(Instant now, SocketId s, SocketAddress peer);
  // sendto (dst given) or send (connected socket, dst = nullopt). An
  // unbound socket is bound to an ephemeral port first.
  SockResult<std::size_t> send_to(Instant now, SocketId s, Bytes data,
                                  std::optional<SocketAddress> dst = std::nullopt);
  // recvfrom / recv: one datagram per call (datagram sockets); for a
  // stream, the bytes available — len 0 is end of stream.
  SockResult<Received> recv_from(Instant now, SocketId s, MutBytes buffer);
  // Without `now`, the time of the latest call that had one (fine for
  // datagram sockets; a stream's window update is then timed by it).
  SockResult<Received> recv_from(SocketId s, MutBytes buffer) { return recv_from(last_now_, s, buffer); }
  SockResult<void> close(Instant now, SocketId s);

  // --- stream sockets (TCP) ---
  // listen(backlog): at most `backlog` connections wait in the SYN and
  // accept queues together; further SYNs are dropped.
  SockResult<void> listen(SocketId s, int backlog);
  // accept(): a new socket for the next established connection, and its peer.
  struct Accepted {
    SocketId socket;
    SocketAddress peer;
  };
  SockResult<Accepted> accept(SocketId listener);
  SockResult<void> shutdown(Instant now, SocketId s, ShutdownHow how);
  // SO_ERROR: the error a failed connect (or a reset, or a timeout) left,
  // reported once; on a live stream, the latest soft error (an ICMP
  // unreachable, RFC 1122 §4.2.3.9), cleared by reading it, as Linux.
  std::optional<SockError> take_error(SocketId s);

  SockResult<void> set_option(Instant now, SocketId s, SockOpt opt, int value);
  SockResult<void> set_option(SocketId s, SockOpt opt, int value) { return set_option(last_now_, s, opt, value); }
  SockResult<int> get_option(SocketId s, SockOpt opt) const;
  SockResult<SocketAddress> local_address(SocketId s) const;
  SockResult<SocketAddress> peer_address(SocketId s) const;

  Readiness readiness(SocketId s) const;
  // poll(2) without waiting: fills revents, returns how many entries are ready.
  std::size_t poll_sockets(std::span<PollEntry> entries) const;
  // Called (synchronously, from inside receive/poll/socket calls) whenever
  // a socket's readiness may have changed. Runtimes use it to wake waiters;
  // the listener must not call back into the stack.
  void set_readiness_listener(std::function<void(SocketId)> listener);

  UdpLayer& udp() { return *udp_; }
  const UdpLayer& udp() const { return *udp_; }
  TcpLayer& tcp() { return *tcp_; }
  const TcpLayer& tcp() const { return *tcp_; }
  std::optional<SocketType> type_of(SocketId s) const;

 private:
  struct Table;
  SockResult<SocketId> allocate(SocketType type);

  void saw(Instant now) { last_now_ = std::max(last_now_, now); }

  StackConfig config_;
  Instant last_now_;
  Host host_;
  std::unique_ptr<Table> table_;
  std::unique_ptr<UdpLayer> udp_;
  std::unique_ptr<TcpLayer> tcp_;
};

}  // namespace ws
