// UDP (RFC 768, RFC 1122 §4.1) for the socket table: port bindings with
// ephemeral allocation and SO_REUSEADDR, connected-socket filtering,
// bounded receive queues (SO_RCVBUF; UDP has no flow control, so a full
// queue drops — seed 004 §四), ICMP port unreachable for closed ports and
// ICMP errors surfaced on connected sockets (ECONNREFUSED, EHOSTUNREACH).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "ip/host.hpp"
#include "socket/address.hpp"
#include "socket/error.hpp"

namespace ws {

using SocketId = std::uint32_t;

struct UdpStats {
  std::uint64_t datagrams_received = 0;  // delivered to at least one socket
  std::uint64_t datagrams_sent = 0;
  std::uint64_t bad_checksum = 0;        // dropped: checksum did not verify
  std::uint64_t malformed = 0;           // dropped: bad length fields
  std::uint64_t no_port = 0;             // no socket: ICMP port unreachable (unless broadcast)
  std::uint64_t rcvbuf_drops = 0;        // dropped: the socket's receive queue was full
  std::uint64_t filtered = 0;            // dropped: a connected socket's port, another sender
  std::uint64_t icmp_errors = 0;         // ICMP errors recorded on connected sockets
};

class UdpLayer {
 public:
  // Ephemeral ports (RFC 6335 §6: the dynamic range).
  static constexpr std::uint16_t kEphemeralFirst = 49152;
  static constexpr std::uint16_t kEphemeralLast = 65535;
  // 65535 - 20 (IPv4 header) - 8 (UDP header).
  static constexpr std::size_t kMaxPayload = 65507;

  struct Limits {
    std::size_t default_rcvbuf;
    std::size_t default_sndbuf;
    std::size_t max_buffer;
  };
  UdpLayer(Host& host, Limits limits, std::function<void(SocketId)> notify);

  // Socket lifetime and calls (the Stack checks the id's type first).
  void open(SocketId id);
  void close(SocketId id);
  SockResult<void> bind(SocketId id, SocketAddress local);
  SockResult<void> connect(SocketId id, SocketAddress peer);
  SockResult<std::size_t> send_to(Instant now, SocketId id, Bytes data, std::optional<SocketAddress> dst);
  struct Received {
    std::size_t len;
    SocketAddress from;
    bool truncated;
  };
  SockResult<Received> recv_from(SocketId id, MutBytes buffer);

  void set_reuse_addr(SocketId id, bool on) { sock(id).reuse_addr = on; }
  void set_broadcast(SocketId id, bool on) { sock(id).broadcast = on; }
  void set_rcvbuf(SocketId id, std::size_t bytes);
  void set_sndbuf(SocketId id, std::size_t bytes);
  bool reuse_addr(SocketId id) const { return sock(id).reuse_addr; }
  bool broadcast(SocketId id) const { return sock(id).broadcast; }
  std::size_t rcvbuf(SocketId id) const { return sock(id).rcvbuf; }
  std::size_t sndbuf(SocketId id) const { return sock(id).sndbuf; }
  std::optional<SocketAddress> local_address(SocketId id) const;
  std::optional<SocketAddress> peer_address(SocketId id) const { return sock(id).peer; }
  bool readable(SocketId id) const;
  bool has_error(SocketId id) const { return sock(id).pending_error.has_value(); }
  // Datagrams the socket dropped because its queue was full.
  std::uint64_t socket_drops(SocketId id) const { return sock(id).drops; }
  std::size_t queued_bytes(SocketId id) const { return sock(id).queued_bytes; }

  const UdpStats& stats() const { return stats_; }

 private:
  struct Datagram {
    SocketAddress from;
    std::vector<std::uint8_t> data;
  };
  struct Socket {
    std::optional<SocketAddress> local;  // bound address (ip may be any)
    std::optional<SocketAddress> peer;   // connected peer
    bool reuse_addr = false;
    bool broadcast = false;
    std::size_t rcvbuf = 0;
    std::size_t sndbuf = 0;
    std::deque<Datagram> queue;
    std::size_t queued_bytes = 0;
    std::optional<SockError> pending_error;  // reported by the next call, then cleared
    std::uint64_t drops = 0;
  };

  Socket& sock(SocketId id) { return sockets_.at(id); }
  const Socket& sock(SocketId id) const { return sockets_.at(id); }
  void on_datagram(Instant now, const Ipv4Header& h, Bytes payload, Bytes datagram, const RxInfo& rx);
  void on_icmp_error(const IcmpMessage& m, const QuotedDatagram& q);
  bool port_conflict(SocketId id, SocketAddress local, bool reuse) const;
  std::optional<std::uint16_t> ephemeral_port();
  void enqueue(SocketId id, Socket& s, SocketAddress from, Bytes payload);
  std::optional<SockError> take_error(Socket& s);

  Host& host_;
  Limits limits_;
  std::function<void(SocketId)> notify_;
  std::unordered_map<SocketId, Socket> sockets_;
  // port -> sockets bound to it, in bind order (ordered: deterministic iteration)
  std::map<std::uint16_t, std::vector<SocketId>> bindings_;
  std::uint16_t next_ephemeral_;
  UdpStats stats_;
};

}  // namespace ws
