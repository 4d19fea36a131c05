// RFC 7323 §2 window scaling, packet by packet: offered in our SYN,
// answered in our SYN-ACK only to an offer, used only when both SYNs carry
// it, never applied to a SYN's own window; the advertised field counts
// units of 2^shift bytes and the peer's windows are scaled by its shift.
#include <gtest/gtest.h>

#include "connection_harness.hpp"

namespace ws::tcp {
namespace {

using namespace ws::tcp::testing;

std::vector<std::uint8_t> payload(std::size_t n) { return std::vector<std::uint8_t>(n, 'w'); }

ConnectionConfig scaling(std::size_t rcvbuf = 212992) {
  ConnectionConfig c;
  c.window_scale = true;
  c.rcvbuf = rcvbuf;
  return c;
}

class WindowScale : public ConnectionTest {};

TEST_F(WindowScale, ActiveOpenOffersTheSmallestShiftCoveringTheBuffer) {
  make(scaling());
  conn->open_active(now);
  const Sent syn = one();
  EXPECT_SEG(syn, Want(TcpFlags::kSyn).seq(1000).win(65535).mss(1460));  // a SYN's window is never scaled
  ASSERT_TRUE(syn.seg.options.window_scale.has_value()) << trace();
  EXPECT_EQ(*syn.seg.options.window_scale, 2) << "65535 << 2 = 262140 is the first to cover 212992";
}

TEST_F(WindowScale, BothSynsCarryItSoBothDirectionsScale) {
  make(scaling());
  conn->open_active(now);
  take();
  // The SYN-ACK's own window (1000) is taken as is; its shift is 7.
  in(Seg(8000, TcpFlags::kSyn).ack(1001).mss(1460).wscale(7).win(1000));
  ASSERT_EQ(conn->state(), State::Established) << trace();
  EXPECT_TRUE(conn->window_scaling());
  EXPECT_EQ(conn->snd_wscale(), 7);
  EXPECT_EQ(conn->rcv_wscale(), 2);
  EXPECT_EQ(conn->snd_wnd(), 1000u);
  // Our ACK advertises the whole free buffer in units of 4 bytes.
  EXPECT_SEG(one(), Want(TcpFlags::kAck).seq(1001).ack(8001).win(212992 / 4));
  // Later windows are scaled: 100 << 7 = 12800 bytes.
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(100));
  EXPECT_EQ(conn->snd_wnd(), 12800u) << trace();
}

TEST_F(WindowScale, TheSenderStaysInsideTheScaledWindow) {
  ConnectionConfig c = scaling();
  c.nodelay = true;  // the last 400 bytes go at once, not held by Nagle
  make(c);
  conn->open_active(now);
  take();
  in(Seg(8000, TcpFlags::kSyn).ack(1001).mss(1000).wscale(4).win(65535));
  take();
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(150));  // 150 << 4 = 2400 bytes
  ASSERT_EQ(conn->snd_wnd(), 2400u);
  ASSERT_EQ(conn->send(now, payload(10000)), 10000u);
  std::size_t in_flight = 0;
  for (const Sent& s : take()) in_flight += s.data.size();
  // Two full segments; the 400 bytes left of the window wait (sender SWS
  // avoidance, RFC 9293 §3.8.6.2.1: less than half the largest window).
  EXPECT_EQ(in_flight, 2000u) << trace();
  // The peer takes them and scales the same field again: 2400 more bytes.
  in(Seg(8001, TcpFlags::kAck).ack(3001).win(150));
  in_flight = 0;
  for (const Sent& s : take()) in_flight += s.data.size();
  EXPECT_EQ(in_flight, 2000u) << trace();
  EXPECT_EQ(conn->snd_wnd(), 2400u);
}

TEST_F(WindowScale, APeerWithoutTheOptionMeansNoScalingEitherWay) {
  make(scaling());
  conn->open_active(now);
  take();
  in(Seg(8000, TcpFlags::kSyn).ack(1001).mss(1460).win(5000));
  ASSERT_EQ(conn->state(), State::Established) << trace();
  EXPECT_FALSE(conn->window_scaling());
  EXPECT_EQ(conn->rcv_wscale(), 0);
  EXPECT_SEG(one(), Want(TcpFlags::kAck).seq(1001).ack(8001).win(65535)) << "capped, unscaled";
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(100));
  EXPECT_EQ(conn->snd_wnd(), 100u);
}

TEST_F(WindowScale, PassiveOpenAnswersAnOfferAndOnlyAnOffer) {
  make(scaling(1 << 20));
  conn->open_passive(now, Seg(8000, TcpFlags::kSyn).mss(1460).wscale(3));
  Sent synack = one();
  ASSERT_TRUE(synack.seg.options.window_scale.has_value()) << trace();
  EXPECT_EQ(*synack.seg.options.window_scale, 5) << "65535 << 5 covers 1 MiB";
  EXPECT_EQ(synack.seg.window, 65535);
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(10));
  ASSERT_EQ(conn->state(), State::Established) << trace();
  EXPECT_EQ(conn->snd_wnd(), 80u) << "the handshake's ACK is scaled: 10 << 3";

  make(scaling(1 << 20));
  conn->open_passive(now, Seg(8000, TcpFlags::kSyn).mss(1460));
  synack = one();
  EXPECT_FALSE(synack.seg.options.window_scale.has_value()) << "no offer, no answer (RFC 7323 §2.2)";
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(10));
  EXPECT_EQ(conn->snd_wnd(), 10u);
  EXPECT_FALSE(conn->window_scaling());
}

TEST_F(WindowScale, OffByDefault) {
  make();
  conn->open_active(now);
  EXPECT_FALSE(one().seg.options.window_scale.has_value());
  make();
  conn->open_passive(now, Seg(8000, TcpFlags::kSyn).mss(1460).wscale(7));
  EXPECT_FALSE(one().seg.options.window_scale.has_value());
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(10));
  EXPECT_EQ(conn->snd_wnd(), 10u) << "the peer's offer alone turns nothing on";
}

TEST_F(WindowScale, AShiftAbove14IsUsedAs14) {
  make(scaling());
  conn->open_active(now);
  take();
  in(Seg(8000, TcpFlags::kSyn).ack(1001).mss(1460).wscale(20));
  EXPECT_EQ(conn->snd_wscale(), 14);
  in(Seg(8001, TcpFlags::kAck).ack(1001).win(1));
  EXPECT_EQ(conn->snd_wnd(), 1u << 14);
}

TEST_F(WindowScale, DataInsideTheScaledWindowIsAccepted) {
  // A window beyond 65535 bytes: segments up to RCV.NXT + 212992 are in it.
  make(scaling());
  conn->open_active(now);
  take();
  in(Seg(8000, TcpFlags::kSyn).ack(1001).mss(1460).wscale(0));
  take();
  in(Seg(8001 + 100000, TcpFlags::kAck).ack(1001).data(std::string(1000, 'z')));  // out of order, in window
  const auto stats = conn->stats();
  EXPECT_EQ(stats.unacceptable_segments, 0u) << trace();
}

}  // namespace
}  // namespace ws::tcp
