// Host: looking into its own queues for a datagram that has not left yet.
// A transport asks before it sends a copy of something (TCP before a
// retransmission, RFC 6298 §5): a copy of a datagram that is still waiting
// here would only wait behind it and leave right after it.
//
// The queues a datagram can wait in between send_ipv4() and the driver:
//   - the ARP queue of its next hop, while that address is being resolved
//     (RFC 1122 §2.3.2.2), for up to max_requests × retry_interval;
//   - the transmit queue, until the driver pops the frame.
// The loopback queue is not among them for this purpose: every poll()
// empties it before the transports' timers run (Stack::poll), so no
// timeout can find a datagram there.
#include "ip/host.hpp"
#include "wire/ethernet.hpp"

namespace ws {

bool Host::datagram_queued(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                           const std::function<bool(Bytes payload)>& match) const {
  const auto is_it = [&](Bytes packet) {
    auto ip = Ipv4View::check(packet);
    // A later fragment carries no transport header to match.
    if (!ip || ip->frag_offset() != 0) return false;
    return ip->src() == src && ip->dst() == dst && ip->protocol() == protocol &&
           match(ip->payload());
  };
  if (auto route = routes_.lookup(dst)) {
    if (arp_cache(route->iface).any_pending(route->next_hop(dst), is_it)) return true;
  }
  for (const TxFrame& f : tx_queue_) {
    auto eth = EthernetView::check(f.frame->bytes());
    if (eth && eth->ethertype() == ethertype::kIpv4 && is_it(eth->payload())) return true;
  }
  return false;
}

}  // namespace ws
