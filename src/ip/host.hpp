// Host: one instance of the stack (docs/principles.md "Sans-I/O core"). It owns its
// interfaces, routing table, ARP cache, reassembly buffers, ICMP state and
// timers, and is driven from outside only:
//
//   host.receive(now, iface, frame);     // a frame arrived on an interface
//   host.poll(now);                      // run timers that are due
//   while (auto tx = host.pop_transmit()) device[tx->iface].send(tx->frame);
//   next wake-up = host.poll_at();
//
// Nothing here reads a clock or touches a device, and no state is shared
// between hosts, so any number of them live in one process (the simulator).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/address.hpp"
#include "base/checksum.hpp"
#include "base/log.hpp"
#include "base/packet_buffer.hpp"
#include "base/ring_deque.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "ip/arp_cache.hpp"
#include "ip/fragments.hpp"
#include "ip/route_table.hpp"
#include "ip/stats.hpp"
#include "wire/arp.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"

namespace ws {

struct InterfaceConfig {
  std::string name = "eth0";
  MacAddress mac;
  std::uint16_t mtu = 1500;  // IP MTU: the largest IPv4 datagram sent unfragmented
  // Checksum offload on transmit: TCP and UDP leave their checksums
  // partial (PacketBuffer::partial_checksum) and the driver has the device
  // complete them (runtime/tap.hpp, virtio-net headers). Only a driver
  // that does so may set it.
  bool tx_checksum_offload = false;
};

struct HostConfig {
  std::string name = "host";
  std::uint64_t seed = 1;
  bool forwarding = false;       // a router forwards datagrams not addressed to it
  std::uint8_t default_ttl = 64;
  std::size_t tx_queue_limit = 1024;  // frames awaiting the driver; beyond: dropped, counted
  // Packet buffers in use: the tx queue, ARP pending — and on the simulator
  // every frame this host sent that has not arrived yet, since a frame
  // travels in its sender's buffer (sim/frame.hpp). One bulk connection
  // keeps up to a 4 MiB window in flight (StackConfig::max_buffer), about
  // 2900 full frames, so 4096 would bind with two of them; 65536 is one
  // simulated link's own bound per direction (LinkConfig::in_flight_limit),
  // so on a host with one interface the pool does not bind before its link.
  // Buffers are allocated on first use (about 1.7 KB each); the limit
  // reserves one free-list pointer per buffer (512 KiB).
  std::size_t buffer_pool_limit = 1 << 16;
  // The larger size classes (Host::kFrameClasses): frames up to a 9000-byte
  // MTU (9.2 KB buffers, at most 37 MiB) and up to 65535 (64 KiB buffers,
  // at most 64 MiB), also allocated on first use.
  std::size_t jumbo_buffer_limit = 4096;
  std::size_t large_buffer_limit = 1024;
  // Datagrams to our own addresses and 127.0.0.0/8 awaiting poll(): a 4 MiB
  // window of 64 KiB segments is 64 of them.
  std::size_t loopback_limit = 256;
  ArpConfig arp;
  ReassemblyConfig reassembly;
  // ICMP errors: at most `icmp_error_burst` back to back, refilled one per
  // `icmp_error_interval` (a token bucket, RFC 1812 §4.3.2.8).
  std::uint32_t icmp_error_burst = 10;
  Duration icmp_error_interval = Duration::millis(100);
};

struct TxFrame {
  IfIndex iface;
  PacketRef frame;  // a whole Ethernet frame
};

// What the interface a datagram came in by vouches for.
struct RxInfo {
  // The transport checksum need not be verified: the datagram never left
  // this host (loopback), and its sender may have left the checksum
  // partial (docs/architecture.md "Loopback").
  bool checksum_verified = false;
};

// A transport protocol's hook for datagrams and ICMP errors addressed to it
// (UDP and TCP register here in later layers).
struct ProtocolHandler {
  // payload: the transport bytes of a whole (reassembled) datagram;
  // datagram: header and payload, for quoting in an ICMP error.
  std::function<void(Instant, const Ipv4Header&, Bytes payload, Bytes datagram, const RxInfo&)> on_datagram;
  // An ICMP error whose quoted datagram carried this protocol.
  std::function<void(Instant, const IcmpMessage&, const QuotedDatagram&)> on_icmp_error;
};

// Why a local send failed.
enum class SendError : std::uint8_t {
  NoRoute,         // no route to the destination (EHOSTUNREACH/ENETUNREACH)
  MessageTooLong,  // DF set and larger than the path MTU, or > 65535 bytes
  NoBuffers,       // the buffer pool is exhausted
  NoSourceAddress, // the outgoing interface has no IPv4 address
};
std::string_view to_string(SendError e);

struct PingReply {
  Ipv4Address from;
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  std::uint8_t ttl = 0;
  std::size_t bytes = 0;  // ICMP message length
  Duration rtt;
};

// An ICMP error seen by the ping client (e.g. host unreachable from ARP
// failure, TTL exceeded from a router).
struct PingError {
  Ipv4Address from;
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  IcmpType type = IcmpType::DestUnreachable;
  std::uint8_t code = 0;
  Instant at;  // when the error reached us
};

class Host {
 public:
  explicit Host(HostConfig config = {});
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const std::string& name() const { return config_.name; }
  Logger& logger() { return log_; }

  // --- configuration ---------------------------------------------------
  IfIndex add_interface(const InterfaceConfig& cfg);
  // Adds an address with its prefix; installs the connected route and
  // announces it with a gratuitous ARP request (RFC 5227 §3).
  void add_address(Instant now, IfIndex iface, Ipv4Cidr addr);
  // Static route; a default gateway is the route 0.0.0.0/0.
  void add_route(Ipv4Cidr destination, std::optional<Ipv4Address> gateway, IfIndex iface,
                 std::uint32_t metric = 0);
  void set_default_gateway(Ipv4Address gateway, IfIndex iface) {
    add_route(Ipv4Cidr(Ipv4Address::any(), 0), gateway, iface);
  }
  void set_forwarding(bool on) { config_.forwarding = on; }
  void register_protocol(std::uint8_t protocol, ProtocolHandler handler);

  std::size_t interface_count() const;
  MacAddress mac(IfIndex iface) const;
  std::uint16_t mtu(IfIndex iface) const;
  const std::vector<Ipv4Cidr>& addresses(IfIndex iface) const;
  bool is_local_address(Ipv4Address a) const;
  const RouteTable& routes() const { return routes_; }
  const ArpCache& arp_cache(IfIndex iface) const;

  // --- driver interface ------------------------------------------------
  // `rx`: what the device vouches for (a virtio-net header's checksum flags).
  void receive(Instant now, IfIndex iface, Bytes frame, const RxInfo& rx = {});
  void poll(Instant now);
  Instant poll_at() const;
  std::optional<TxFrame> pop_transmit();
  std::size_t pending_transmit() const { return tx_queue_.size(); }

  // --- sending (used by ICMP here, UDP/TCP later) ------------------------
  // Routes, fragments if needed (unless dont_frag) and queues `payload`
  // as one IPv4 datagram. src = any picks the outgoing interface's address.
  // `ecn`: the ECN field's codepoint (RFC 3168 §5), chosen by the transport.
  Result<void, SendError> send_ipv4(Instant now, Ipv4Address src, Ipv4Address dst,
                                    std::uint8_t protocol, Bytes payload, bool dont_frag = false,
                                    std::optional<std::uint8_t> ttl = std::nullopt, std::uint8_t ecn = 0);
  // The one-copy send path (docs/architecture.md "Data path"): a transport
  // takes a pooled buffer for its `len` bytes, writes its header and
  // payload into it (the headroom in front is for IPv4 and Ethernet), and
  // hands it over. Null (counted in no_buffers) when the buffer class that
  // holds `len` is exhausted, or when len > kMaxTransportLen.
  static constexpr std::size_t kMaxTransportLen = 0xffff - Ipv4View::kMinHeaderLen;
  PacketRef transport_buffer(std::size_t len);
  // send_ipv4() for a segment built in a transport_buffer(): no copy when
  // it fits the MTU or stays on this host (fragmentation copies).
  Result<void, SendError> send_transport(Instant now, Ipv4Address src, Ipv4Address dst,
                                         std::uint8_t protocol, PacketRef segment, bool dont_frag = false,
                                         std::optional<std::uint8_t> ttl = std::nullopt,
                                         std::uint8_t ecn = 0);
  // The source address this host would use towards dst: for one of its
  // own addresses that address, for 127.0.0.0/8 127.0.0.1 (as Linux's lo).
  std::optional<Ipv4Address> source_address_for(Ipv4Address dst) const;
  // The MTU of the interface a datagram to dst leaves by: kLoopbackMtu for
  // our own addresses and 127.0.0.0/8; none without a route.
  std::optional<std::uint16_t> mtu_towards(Ipv4Address dst) const;
  // The loopback interface: 127.0.0.0/8 and every local address, MTU 65535
  // as Linux's lo (docs/architecture.md "Loopback").
  static constexpr std::uint16_t kLoopbackMtu = 0xffff;
  // How a transport checksums a datagram to dst: left partial when it
  // stays on this host (its receiver gets RxInfo::checksum_verified).
  // Also partial towards an interface with tx_checksum_offload.
  ChecksumMode checksum_mode_to(Ipv4Address dst) const;
  // Whether a datagram src → dst of `protocol` that satisfies `match` is
  // still waiting in this host: in the ARP queue of dst's next hop, or in
  // the transmit queue for the driver (host_queues.cpp). `match` sees the
  // transport bytes of unfragmented datagrams and first fragments.
  // Bounded: at most ArpConfig::max_pending + tx_queue_limit datagrams.
  bool datagram_queued(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                       const std::function<bool(Bytes payload)>& match) const;

  // --- ping client (ICMP echo, RFC 792) -----------------------------------
  Result<void, SendError> send_ping(Instant now, Ipv4Address dst, std::uint16_t ident,
                                    std::uint16_t seq, std::size_t data_len = 56,
                                    std::optional<std::uint8_t> ttl = std::nullopt);
  std::vector<PingReply> take_ping_replies();
  std::vector<PingError> take_ping_errors();

  // An ICMP error about `offending_datagram` (header + at least 8 bytes),
  // subject to the RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7 suppression rules
  // and the rate limit; about our own datagram it goes to the local sender.
  // Transports use it for port unreachable.
  void send_icmp_error(Instant now, Bytes offending_datagram, IcmpType type, std::uint8_t code,
                       std::uint16_t mtu = 0);

  // The host's seeded generator (ephemeral ports, ISN keys...).
  Rng& rng() { return rng_; }
  const HostStats& stats() const { return stats_; }
  // The buffers behind this host's frames (in use: outstanding()).
  const PacketPools& buffer_pool() const { return pools_; }

 private:
  struct Interface;
  static constexpr std::size_t kMaxPingsInFlight = 1024;

  // ingress
  void receive_arp(Instant now, IfIndex iface, Bytes packet);
  void receive_ipv4(Instant now, IfIndex iface, Bytes packet, const RxInfo& rx);
  void deliver_local(Instant now, const Ipv4Header& h, Bytes datagram, Bytes payload,
                     bool to_broadcast, const RxInfo& rx = {});
  void receive_reassembled(Instant now, Bytes datagram);
  void forward(Instant now, IfIndex in_iface, const Ipv4Header& h, Bytes datagram);
  void receive_icmp(Instant now, const Ipv4Header& h, Bytes payload, bool to_broadcast);
  // Hands an ICMP error about one of our own datagrams to its sender: the
  // ping client or the protocol that sent the quoted datagram.
  void deliver_icmp_error(Instant now, Ipv4Address from, const IcmpMessage& m);

  // egress
  // A datagram ready to leave: its header (ident taken), where it goes,
  // and whether it stays here (to one of our own addresses).
  struct Outgoing {
    Ipv4Header h;
    IfIndex iface = 0;
    Ipv4Address hop;
    std::size_t mtu = 0;
    bool local = false;
  };
  Result<Outgoing, SendError> prepare_send(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                                           std::size_t payload_len, bool dont_frag,
                                           std::optional<std::uint8_t> ttl, std::uint8_t ecn);
  // A prepared datagram whose payload is already in `packet`: header in front, out it goes.
  void send_prepared(Instant now, const Outgoing& o, PacketRef packet);
  // Fragmentation: the path that copies.
  Result<void, SendError> send_fragmented(Instant now, const Outgoing& o, Bytes payload);
  // To ourselves: header in front, into the loopback queue for poll().
  Result<void, SendError> send_looped(Instant now, const Outgoing& o, PacketRef packet);
  // Sends a complete IPv4 datagram (header included) towards `next_hop`
  // out of `iface`, fragmenting to the MTU when allowed.
  void output_datagram(Instant now, IfIndex iface, Ipv4Address next_hop, Bytes datagram);
  void transmit_ipv4(Instant now, IfIndex iface, Ipv4Address next_hop, PacketRef packet);
  void send_arp(IfIndex iface, ArpOp op, MacAddress dst_mac, MacAddress target_mac,
                Ipv4Address sender_ip, Ipv4Address target_ip);
  void send_arp_request(IfIndex iface, Ipv4Address target, MacAddress dst_mac);
  bool is_broadcast_on(IfIndex iface, Ipv4Address a) const;
  // A buffer for `bytes` behind the headroom, from the smallest class that holds them.
  PacketRef acquire(std::size_t bytes = 0);
  void enqueue_frame(IfIndex iface, PacketRef frame);
  void push_ethernet(IfIndex iface, MacAddress dst, std::uint16_t type, PacketRef packet);
  void arp_resolution_failed(Instant now, IfIndex iface, Ipv4Address ip,
                             std::vector<PacketRef> packets);

  bool icmp_error_allowed(Instant now);

  HostConfig config_;
  Logger log_;
  Rng rng_;
  PacketPools pools_;
  std::vector<std::unique_ptr<Interface>> ifaces_;
  RouteTable routes_;
  Reassembler reassembler_;
  RingDeque<TxFrame> tx_queue_;  // bounded by tx_queue_limit
  struct Looped {
    Instant at;
    PacketRef datagram;  // a whole IPv4 datagram
  };
  RingDeque<Looped> loopback_;  // datagrams we sent to ourselves, bounded by loopback_limit
  std::vector<ProtocolHandler> handlers_;  // indexed by protocol number (256)
  std::uint16_t next_ident_;
  // ICMP error token bucket
  double icmp_tokens_;
  Instant icmp_tokens_at_;
  // ping client: send times by (ident, seq)
  struct PingSent {
    std::uint16_t ident;
    std::uint16_t seq;
    Instant sent_at;
  };
  std::deque<PingSent> pings_in_flight_;
  std::vector<PingReply> ping_replies_;
  std::vector<PingError> ping_errors_;
  HostStats stats_;
};

}  // namespace ws
