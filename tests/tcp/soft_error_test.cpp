// ICMP errors on TCP connections, packet by packet (RFC 1122 §4.2.3.9,
// RFC 5461, RFC 5927): on a synchronized connection every unreachable is
// a soft error — the connection lives on, SO_ERROR reports it once, and a
// connection that then times out reports it instead of ETIMEDOUT (as
// Linux). While connecting, an error ends the attempt; a forged one whose
// quoted sequence number is not in flight is ignored in every state.
#include "wire_peer.hpp"

namespace ws::testing {
namespace {

class SoftErrors : public WirePeerTest {};

TEST_F(SoftErrors, HostUnreachableOnAnEstablishedConnectionIsSoft) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  icmp(IcmpType::DestUnreachable, icmp_unreach::kHost, first[0].datagram);
  EXPECT_TRUE(take().empty()) << "nothing sent in answer" << trace();
  EXPECT_EQ(conn().state(), tcp::State::Established);
  EXPECT_FALSE(ws.readiness(sock).error) << "a soft error is no POLLERR (as Linux)";
  EXPECT_EQ(stats().icmp_errors, 1u);
  EXPECT_EQ(ws.take_error(sock), SockError::HostUnreach) << "SO_ERROR reports it";
  EXPECT_EQ(ws.take_error(sock), std::nullopt) << "once";
  // The path works again: data flows on.
  peer_ack(iss + 1 + 3 * 1460);
  EXPECT_FALSE(take().empty()) << trace();
  EXPECT_EQ(conn().state(), tcp::State::Established);
}

TEST_F(SoftErrors, EachKindMapsToItsErrno) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  const struct {
    IcmpType type;
    std::uint8_t code;
    SockError want;
  } cases[] = {
      {IcmpType::DestUnreachable, icmp_unreach::kNet, SockError::NetUnreach},
      {IcmpType::DestUnreachable, icmp_unreach::kHost, SockError::HostUnreach},
      // Hard errors for RFC 1122, soft once synchronized (RFC 5461, RFC 5927 §5.2).
      {IcmpType::DestUnreachable, icmp_unreach::kPort, SockError::ConnRefused},
      {IcmpType::DestUnreachable, icmp_unreach::kProtocol, SockError::ConnRefused},
      {IcmpType::DestUnreachable, icmp_unreach::kAdminProhibited, SockError::HostUnreach},
      {IcmpType::TimeExceeded, icmp_time_exceeded::kTtl, SockError::HostUnreach},
  };
  for (const auto& c : cases) {
    icmp(c.type, c.code, first[1].datagram);
    EXPECT_EQ(ws.take_error(sock), c.want) << "code " << int{c.code};
    EXPECT_EQ(conn().state(), tcp::State::Established);
  }
  EXPECT_TRUE(take().empty());
  EXPECT_EQ(stats().icmp_errors, std::size(cases));
}

TEST_F(SoftErrors, TheLatestSoftErrorIsTheOneReported) {
  establish();
  auto first = send(20000);
  icmp(IcmpType::DestUnreachable, icmp_unreach::kNet, first[0].datagram);
  icmp(IcmpType::DestUnreachable, icmp_unreach::kHost, first[0].datagram);
  EXPECT_EQ(ws.take_error(sock), SockError::HostUnreach);
  EXPECT_EQ(ws.take_error(sock), std::nullopt);
}

TEST_F(SoftErrors, AForgedErrorOutsideTheFlightIsIgnored) {
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  icmp(IcmpType::DestUnreachable, icmp_unreach::kPort, with_seq(first[0].datagram, iss + 1 + 3 * 1460));
  icmp(IcmpType::DestUnreachable, icmp_unreach::kHost, with_ports(first[0].datagram, local_port, 9));
  EXPECT_EQ(stats().icmp_out_of_window, 1u);
  EXPECT_EQ(stats().icmp_no_connection, 1u);
  EXPECT_EQ(stats().icmp_errors, 0u);
  EXPECT_EQ(ws.take_error(sock), std::nullopt);
}

TEST_F(SoftErrors, WhileConnectingAnErrorAboutOurSynEndsTheAttempt) {
  sock = *ws.socket(SocketType::Stream);
  ASSERT_EQ(ws.connect(now, sock, {kPeerAddr, kPeerPort}).error(), SockError::InProgress);
  auto syn = take();
  ASSERT_EQ(syn.size(), 1u);
  iss = syn[0].seq();
  // A forgery quoting another sequence number: the handshake goes on.
  icmp(IcmpType::DestUnreachable, icmp_unreach::kHost, with_seq(syn[0].datagram, iss + 1));
  EXPECT_EQ(conn().state(), tcp::State::SynSent);
  EXPECT_EQ(stats().icmp_out_of_window, 1u);
  EXPECT_EQ(ws.take_error(sock), std::nullopt);
  // The router's real answer about our SYN: connect() fails with it.
  icmp(IcmpType::DestUnreachable, icmp_unreach::kHost, syn[0].datagram);
  EXPECT_EQ(conn().state(), tcp::State::Closed);
  EXPECT_EQ(ws.take_error(sock), SockError::HostUnreach);
}

TEST_F(SoftErrors, ATimeoutReportsTheSoftErrorInsteadOfEtimedout) {
  ws.tcp().defaults().max_retransmits = 3;
  establish();
  auto first = send(20000);
  ASSERT_EQ(first.size(), 3u);
  icmp(IcmpType::DestUnreachable, icmp_unreach::kHost, first[0].datagram);
  advance(Duration::seconds(120));  // 3 retransmissions, nothing acknowledged
  EXPECT_EQ(conn().state(), tcp::State::Closed) << trace();
  EXPECT_EQ(ws.take_error(sock), SockError::HostUnreach) << "RFC 1122 §4.2.3.9, as Linux";
  auto r = ws.send_to(now, sock, std::vector<std::uint8_t>(10));
  EXPECT_EQ(r.error(), SockError::Pipe) << "reported once";
}

TEST_F(SoftErrors, WithoutASoftErrorATimeoutIsEtimedout) {
  ws.tcp().defaults().max_retransmits = 3;
  establish();
  ASSERT_EQ(send(20000).size(), 3u);
  advance(Duration::seconds(120));
  EXPECT_EQ(conn().state(), tcp::State::Closed) << trace();
  EXPECT_EQ(ws.take_error(sock), SockError::TimedOut);
}

TEST_F(SoftErrors, ASoftErrorReadBeforeTheTimeoutIsNotReportedAgain) {
  ws.tcp().defaults().max_retransmits = 3;
  establish();
  auto first = send(20000);
  icmp(IcmpType::DestUnreachable, icmp_unreach::kNet, first[0].datagram);
  EXPECT_EQ(ws.take_error(sock), SockError::NetUnreach);
  advance(Duration::seconds(120));
  EXPECT_EQ(ws.take_error(sock), SockError::TimedOut) << "SO_ERROR cleared it, as Linux's sk_err_soft";
}

}  // namespace
}  // namespace ws::testing
