// The learner's pictures: the conversation model built from a capture
// (states inferred from real Linux segments), retransmission causes, the
// decoded fields, the diagram's structure and the page's escaping. How the
// pictures render is checked in headless Chromium (svg_layout_check.sh,
// page_check.sh).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "link/capture_reader.hpp"
#include "view/conversation.hpp"
#include "view/diagram.hpp"
#include "view/dissect.hpp"
#include "view/page.hpp"

namespace ws::view {
namespace {

std::vector<CaptureFrame> fixture() {
  auto reader = CaptureReader::open(std::string(WS_SOURCE_DIR) + "/tests/fixtures/linux_frames.pcap");
  EXPECT_TRUE(reader.ok());
  std::vector<CaptureFrame> out;
  while (reader.ok()) {
    auto r = reader->next();
    if (!r.ok() || !*r) break;
    out.push_back(CaptureFrame{(*r)->at, (*r)->frame, static_cast<std::size_t>((*r)->number)});
  }
  EXPECT_EQ(out.size(), 14u);
  return out;
}

std::vector<std::string> state_steps(const Conversation& c) {
  std::vector<std::string> out;
  for (const auto& s : c.steps) {
    if (s.kind == StepKind::State) out.push_back(c.names[s.side] + " " + s.text);
  }
  return out;
}

TEST(ViewCapture, InfersEachSidesStatesFromLinuxSegments) {
  auto c = from_capture(fixture());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->addresses[0], "192.0.2.1");  // the SYN's sender is on the left
  EXPECT_EQ(c->addresses[1], "192.0.2.2");
  EXPECT_TRUE(c->states_inferred);
  EXPECT_EQ(state_steps(*c), (std::vector<std::string>{
                                 "client CLOSED → SYN-SENT",
                                 "server LISTEN → SYN-RECEIVED",
                                 "client SYN-SENT → ESTABLISHED",
                                 "server SYN-RECEIVED → ESTABLISHED",
                                 "client ESTABLISHED → FIN-WAIT-1",
                                 "server ESTABLISHED → CLOSE-WAIT",
                                 "client FIN-WAIT-1 → FIN-WAIT-2",
                             }));
  EXPECT_EQ(c->segment_count(), 7u);  // frames 6-10, 13, 14
}

TEST(ViewCapture, KeepsTheFileFrameNumbersAndThePhases) {
  auto c = from_capture(fixture());
  ASSERT_TRUE(c.ok());
  std::vector<std::size_t> tcp_numbers;
  Phase last = Phase::None;
  for (const auto& s : c->steps) {
    if (s.kind != StepKind::Frame) continue;
    if (s.frame.tcp) tcp_numbers.push_back(s.frame.file_number);
    EXPECT_GE(s.phase, last);  // phases only move forward
    last = s.phase;
  }
  EXPECT_EQ(tcp_numbers, (std::vector<std::size_t>{6, 7, 8, 9, 10, 13, 14}));
  EXPECT_EQ(last, Phase::Close);
}

TEST(ViewCapture, NoTcpIsAnError) {
  auto frames = fixture();
  frames.resize(5);  // ARP, ICMP, UDP only
  auto c = from_capture(frames);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error(), "the capture holds no TCP segment");
}

// A segment with a copy of frame `proto` (a TCP frame of the fixture)
// re-labelled: `seq`/`ack`/`flags`/payload length as given.
Step segment_step(int side, std::uint64_t order, std::uint32_t seq, std::uint32_t ack, std::size_t len,
                  std::uint8_t flags) {
  Step s;
  s.at = Instant::from_nanos(static_cast<std::int64_t>(order) * 1000000);
  s.order = order;
  s.side = side;
  TcpInfo t;
  t.seg.seq = SeqNum(seq);
  t.seg.ack = SeqNum(ack);
  t.seg.flags.bits = flags;
  t.len = len;
  s.frame.tcp = t;
  s.frame.arrival_order = order;
  return s;
}

TEST(ViewAnnotate, RetransmissionCauseFollowsTheDuplicateAcks) {
  // RFC 5681 §3.2: the third duplicate ACK since the first copy makes it
  // a fast retransmit; a copy with fewer before it came from the timer.
  Conversation c;
  std::uint64_t o = 0;
  c.steps.push_back(segment_step(0, o++, 1000, 1, 100, TcpFlags::kAck));  // #1
  c.steps.push_back(segment_step(0, o++, 1100, 1, 100, TcpFlags::kAck));  // #2
  for (int i = 0; i < 3; ++i) c.steps.push_back(segment_step(1, o++, 1, 1000, 0, TcpFlags::kAck));
  c.steps.push_back(segment_step(0, o++, 1000, 1, 100, TcpFlags::kAck));  // fast
  c.steps.push_back(segment_step(0, o++, 1100, 1, 100, TcpFlags::kAck));  // timer: no dup ACK for 1100
  c.annotate();
  EXPECT_EQ(c.steps[5].frame.retransmission, "3 dup ACKs");
  EXPECT_EQ(c.steps[6].frame.retransmission, "timeout");
  EXPECT_EQ(c.steps[0].frame.retransmission, "");
  EXPECT_EQ(c.steps[5].frame.number, 6);
  EXPECT_EQ(c.steps[0].phase, Phase::Data);
}

TEST(ViewAnnotate, LostDuplicateAcksDoNotCount) {
  Conversation c;
  std::uint64_t o = 0;
  c.steps.push_back(segment_step(0, o++, 1000, 1, 100, TcpFlags::kAck));
  for (int i = 0; i < 3; ++i) {
    c.steps.push_back(segment_step(1, o++, 1, 1000, 0, TcpFlags::kAck));
    c.steps.back().frame.delivered = i != 1;  // one of the three never arrived
  }
  c.steps.push_back(segment_step(0, o++, 1000, 1, 100, TcpFlags::kAck));
  c.annotate();
  EXPECT_EQ(c.steps[4].frame.retransmission, "timeout");
}

TEST(ViewDissect, SynAckFieldsLayerByLayer) {
  auto frames = fixture();
  ASSERT_GE(frames.size(), 7u);
  const auto layers = dissect(frames[6].bytes);  // frame 7: Linux's SYN-ACK
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0].name, "Ethernet II");
  EXPECT_EQ(layers[1].name, "IPv4");
  EXPECT_EQ(layers[2].name, "TCP");
  auto field = [&](const Layer& l, const std::string& name) {
    std::string all;
    for (const auto& [k, v] : l.fields) {
      if (k == name) all += (all.empty() ? "" : "|") + v;
    }
    return all;
  };
  EXPECT_EQ(field(layers[1], "source"), "192.0.2.2");
  EXPECT_EQ(field(layers[1], "header checksum").substr(6), " (correct)");
  EXPECT_EQ(field(layers[2], "source port"), "8000");
  EXPECT_EQ(field(layers[2], "flags"), "0x12 SYN+ACK (S.)");
  EXPECT_EQ(field(layers[2], "option"), "mss 1460|wscale 10|sackOK|TS val 4220635498 ecr 474903991");
  EXPECT_NE(field(layers[2], "checksum").find("(correct)"), std::string::npos);
}

TEST(ViewDissect, TruncatedFramesAreDescribedNotTrusted) {
  const std::vector<std::uint8_t> junk{0x02, 0x00, 0x00};
  const auto layers = dissect(junk);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].fields[0].first, "error");
  auto frames = fixture();
  std::vector<std::uint8_t> cut(frames[6].bytes.begin(), frames[6].bytes.begin() + 40);  // inside the IPv4 header
  const auto l2 = dissect(cut);
  ASSERT_EQ(l2.size(), 2u);
  EXPECT_EQ(l2[1].fields[0].first, "error");
}

TEST(ViewDissect, HexDumpLines) {
  const std::vector<std::uint8_t> b{'G', 'E', 'T', ' ', 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                    0x0a, 0x0b, 0xff};
  EXPECT_EQ(hex_dump(b),
            "0000  47 45 54 20 00 01 02 03  04 05 06 07 08 09 0a 0b  GET ............\n"
            "0010  ff                                                .\n");
}

TEST(ViewDiagram, EveryStepIsDrawnAndTheCanvasHoldsTheLongestLabel) {
  auto c = from_capture(fixture());
  ASSERT_TRUE(c.ok());
  c->title = "wirestack view linux_frames.pcap";
  DiagramLayout layout;
  const std::string svg = render_svg(*c, &layout);
  for (std::size_t i = 0; i < c->steps.size(); ++i) {
    EXPECT_NE(svg.find("id=\"step-" + std::to_string(i) + "\""), std::string::npos) << i;
  }
  double longest = 0;
  for (const auto& s : c->steps) longest = std::max(longest, text_width(s.frame.summary));
  EXPECT_GT(layout.width, longest + 200);  // the label and both notes columns
  EXPECT_NE(svg.find("three-way handshake (三次握手)"), std::string::npos);
  EXPECT_NE(svg.find("&lt;mss 1460,wscale 10,sackOK,TS val 474903991 ecr 0&gt;"), std::string::npos);
}

TEST(ViewDiagram, WideCharactersCountDouble) {
  EXPECT_DOUBLE_EQ(text_width("三次握手"), 2 * text_width("abcd"));
  EXPECT_DOUBLE_EQ(text_width("→"), text_width("a"));
}

TEST(ViewPage, DataCannotCloseTheScriptElement) {
  EXPECT_EQ(json_string("</script>\"\\\n"), "\"\\u003c/script\\u003e\\\"\\\\\\n\"");
  auto c = from_capture(fixture());
  ASSERT_TRUE(c.ok());
  c->title = "</script><b>";
  const std::string page = render_page(*c);
  EXPECT_EQ(page.find("</script><b>"), std::string::npos);
  EXPECT_NE(page.find("&lt;/script&gt;&lt;b&gt;"), std::string::npos);
}

}  // namespace
}  // namespace ws::view
