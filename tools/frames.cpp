// `wirestack frames`: the wire layer by hand — the frames of a first contact
// between two hosts on one Ethernet, built with wire/ and decoded back:
// ARP (seed 001 §2.3), an ICMP echo, and TCP's three-way handshake with the
// numbers of seed 000 (client ISN 1000, server ISN 8000, server MSS 1024).
#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "base/packet_buffer.hpp"
#include "commands.hpp"
#include "link/pcap.hpp"
#include "wire/arp.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace ws::cli {

namespace {

struct Endpoint {
  std::string_view name;
  MacAddress mac;
  Ipv4Address ip;
};

const Endpoint kClient{"client", *MacAddress::parse("02:00:00:00:00:01"), Ipv4Address(192, 0, 2, 1)};
const Endpoint kServer{"server", *MacAddress::parse("02:00:00:00:00:02"), Ipv4Address(192, 0, 2, 2)};

// Builds a frame the way the stack will: payload first, then each layer
// prepends its header into the buffer's headroom.
class FrameBuilder {
 public:
  std::vector<std::uint8_t> arp(const Endpoint& from, MacAddress to_mac, const ArpPacket& a) {
    buf_.reset();
    a.emit(MutBytes(buf_.append(ArpPacket::buffer_len()), ArpPacket::buffer_len()));
    return finish(from.mac, to_mac, ethertype::kArp);
  }

  std::vector<std::uint8_t> icmp(const Endpoint& from, const Endpoint& to, IcmpMessage m) {
    buf_.reset();
    buf_.append(m.body);
    m.body = buf_.bytes();
    std::uint8_t* start = buf_.prepend(8);  // before size(): prepend grows it
    m.emit(MutBytes(start, buf_.size()));
    return ip(from, to, ipproto::kIcmp);
  }

  std::vector<std::uint8_t> tcp(const Endpoint& from, const Endpoint& to, TcpSegment s) {
    buf_.reset();
    buf_.append(s.payload);
    s.payload = buf_.bytes();
    std::uint8_t* start = buf_.prepend(s.header_len());
    s.emit(MutBytes(start, buf_.size()), from.ip, to.ip);
    return ip(from, to, ipproto::kTcp);
  }

 private:
  std::vector<std::uint8_t> ip(const Endpoint& from, const Endpoint& to, std::uint8_t proto) {
    Ipv4Header h;
    h.ident = ident_++;
    h.dont_frag = true;
    h.protocol = proto;
    h.src = from.ip;
    h.dst = to.ip;
    h.payload_len = static_cast<std::uint16_t>(buf_.size());
    h.emit(MutBytes(buf_.prepend(h.header_len()), h.header_len()));
    return finish(from.mac, to.mac, ethertype::kIpv4);
  }

  std::vector<std::uint8_t> finish(MacAddress src, MacAddress dst, std::uint16_t type) {
    EthernetHeader{dst, src, type}.emit(MutBytes(buf_.prepend(EthernetHeader::header_len()), 14));
    return {buf_.data(), buf_.data() + buf_.size()};
  }

  PacketBuffer buf_{2048};
  std::uint16_t ident_ = 1;
};

}  // namespace

int run_frames(const FramesOptions& opts) {
  auto pcap = PcapWriter::open(opts.pcap_path);
  if (!pcap) {
    fmt::print(stderr, "wirestack frames: {}\n", pcap.error());
    return 1;
  }
  FrameBuilder fb;
  Instant now = Instant::zero();
  int number = 0;
  auto show = [&](const Endpoint& from, const std::vector<std::uint8_t>& frame) {
    pcap->write(now, frame);
    fmt::print("{:>2} {:>9} {:<6} {}\n", ++number, now.to_string(), from.name, describe_frame(frame, true));
    now += Duration::micros(150);
  };
  auto phase = [](std::string_view text) { fmt::print("\n-- {}\n", text); };

  fmt::print("client {} {}  <->  server {} {}  on 192.0.2.0/24\n", kClient.ip.to_string(),
             kClient.mac.to_string(), kServer.ip.to_string(), kServer.mac.to_string());

  phase("ARP: 192.0.2.2 & 255.255.255.0 == 192.0.2.1 & 255.255.255.0, so the server is on-link;"
        " ask for its MAC");
  show(kClient, fb.arp(kClient, MacAddress::broadcast(),
                       {ArpOp::Request, kClient.mac, kClient.ip, MacAddress(), kServer.ip}));
  show(kServer, fb.arp(kServer, kClient.mac,
                       {ArpOp::Reply, kServer.mac, kServer.ip, kClient.mac, kClient.ip}));

  phase("ICMP echo: the client pings the server, which echoes the data back");
  const std::uint8_t ping_data[] = {'w', 'i', 'r', 'e', 's', 't', 'a', 'c', 'k', '!'};
  show(kClient, fb.icmp(kClient, kServer, IcmpMessage::echo_request(0x5753, 1, ping_data)));
  show(kServer, fb.icmp(kServer, kClient, IcmpMessage::echo_reply(0x5753, 1, ping_data)));

  phase("TCP three-way handshake (seed 000): ISNs 1000 and 8000, each side announces its MSS");
  TcpSegment syn;
  syn.src_port = 49152;
  syn.dst_port = 8000;
  syn.seq = SeqNum(1000);
  syn.flags.bits = TcpFlags::kSyn;
  syn.window = 64240;
  syn.options.mss = 1460;
  syn.options.sack_permitted = true;
  syn.options.timestamps = TcpTimestamps{1, 0};
  syn.options.window_scale = 7;
  show(kClient, fb.tcp(kClient, kServer, syn));

  TcpSegment syn_ack;
  syn_ack.src_port = 8000;
  syn_ack.dst_port = 49152;
  syn_ack.seq = SeqNum(8000);
  syn_ack.ack = SeqNum(1001);
  syn_ack.flags.bits = TcpFlags::kSyn | TcpFlags::kAck;
  syn_ack.window = 65160;
  syn_ack.options.mss = 1024;
  show(kServer, fb.tcp(kServer, kClient, syn_ack));

  TcpSegment ack;
  ack.src_port = 49152;
  ack.dst_port = 8000;
  ack.seq = SeqNum(1001);
  ack.ack = SeqNum(8001);
  ack.flags.bits = TcpFlags::kAck;
  ack.window = 502;
  show(kClient, fb.tcp(kClient, kServer, ack));

  pcap->flush();
  fmt::print("\n{} frames written to {} (open it with `tshark -r {}` or Wireshark)\n",
             pcap->frames_written(), opts.pcap_path, opts.pcap_path);
  return 0;
}

}  // namespace ws::cli
