// pcap writing and parsing; PcapCapture.* also leaves a capture in the
// test output directory for the tshark check (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include "fixtures/linux_frames.hpp"
#include "generators.hpp"
#include "link/capture_reader.hpp"
#include "link/pcap.hpp"
#include "wire/describe.hpp"

namespace ws {
namespace {

std::vector<testing::Frame> sample_frames() {
  std::vector<testing::Frame> frames;
  for (Bytes f : {Bytes(fixtures::kArpRequest), Bytes(fixtures::kArpReply), Bytes(fixtures::kIcmpEchoRequest),
                  Bytes(fixtures::kIcmpEchoReply), Bytes(fixtures::kUdpDatagram), Bytes(fixtures::kTcpSyn),
                  Bytes(fixtures::kTcpSynAck), Bytes(fixtures::kTcpAck), Bytes(fixtures::kTcpData),
                  Bytes(fixtures::kIcmpPortUnreachable)}) {
    frames.emplace_back(f.begin(), f.end());
  }
  Rng r(42);
  for (int i = 0; i < 200; ++i) frames.push_back(testing::random_frame(r, i % 4));
  return frames;
}

TEST(PcapCapture, WritesFixturesAndRandomFramesForTshark) {
  const std::string path = std::string(WS_TEST_OUTPUT) + "/wire_roundtrip.pcap";
  const auto frames = sample_frames();
  {
    auto w = PcapWriter::open(path);
    ASSERT_TRUE(w.ok()) << w.error();
    Instant t = Instant::from_nanos(1'700'000'000'123'456'789);
    for (const auto& f : frames) {
      w->write(t, f);
      t += Duration::micros(7);
    }
    EXPECT_EQ(w->frames_written(), frames.size());
  }
  // Read back through libpcap: the file is what other tools expect.
  auto reader = CaptureReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error();
  std::vector<CaptureRecord> back;
  for (;;) {
    auto rec = reader->next();
    ASSERT_TRUE(rec.ok()) << rec.error();
    if (!*rec) break;
    back.push_back(std::move(**rec));
  }
  ASSERT_EQ(back.size(), frames.size());
  EXPECT_EQ(back[0].at.nanos(), 1'700'000'000'123'456'789);
  EXPECT_EQ(back[1].at - back[0].at, Duration::micros(7));
  for (std::size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(back[i].frame, frames[i]) << i;
}

TEST(Pcap, InMemoryBytesMatchTheFileFormat) {
  auto w = PcapWriter::in_memory();
  w.write(Instant::from_nanos(1'500'000'001), fixtures::kArpRequest);
  const auto& m = w.memory();
  ASSERT_EQ(m.size(), 24u + 16u + 42u);
  EXPECT_EQ(m[0], 0x4d);  // 0xa1b23c4d little-endian: nanosecond timestamps
  EXPECT_EQ(m[3], 0xa1);
  EXPECT_EQ(m[20], 1);  // link type Ethernet
  EXPECT_EQ(m[24], 1);  // seconds
  EXPECT_EQ(m[28], 1);  // nanoseconds
  auto back = parse_pcap(m);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[0].at.nanos(), 1'500'000'001);
}

TEST(Pcap, MalformedFilesAreErrors) {
  EXPECT_FALSE(parse_pcap(Bytes()).ok());
  auto w = PcapWriter::in_memory();
  w.write(Instant::zero(), fixtures::kTcpSyn);
  auto m = w.memory();
  m.pop_back();
  auto r = parse_pcap(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "pcap: truncated record");
  m[0] = 0;
  EXPECT_EQ(parse_pcap(m).error(), "pcap: bad magic");
}

TEST(Describe, OneLinePerFrameLikeTcpdump) {
  EXPECT_EQ(describe_frame(fixtures::kArpRequest), "ARP, Request who-has 192.0.2.2 tell 192.0.2.1");
  EXPECT_EQ(describe_frame(fixtures::kArpReply, true),
            "02:00:00:00:00:02 > 02:00:00:00:00:01, ARP, Reply 192.0.2.2 is-at 02:00:00:00:00:02");
  EXPECT_EQ(describe_frame(fixtures::kTcpSyn),
            "IP 192.0.2.1.40232 > 192.0.2.2.8000: Flags [S], seq 3764964416, win 64240, options "
            "[mss 1460,sackOK,TS val 474903991 ecr 0,wscale 10], length 0");
  EXPECT_EQ(describe_frame(fixtures::kTcpData),
            "IP 192.0.2.1.40232 > 192.0.2.2.8000: Flags [P.], seq 3764964417, ack 1929207881, win 63, "
            "options [TS val 474904491 ecr 4220635498], length 5");
  EXPECT_EQ(describe_frame(fixtures::kUdpDatagram), "IP 192.0.2.1.46085 > 192.0.2.2.9000: UDP, length 6");
  EXPECT_EQ(describe_frame(fixtures::kIcmpEchoRequest),
            "IP 192.0.2.1 > 192.0.2.2: ICMP echo request, id 3566, seq 1, length 64");
  EXPECT_EQ(describe_frame(fixtures::kIcmpPortUnreachable),
            "IP 192.0.2.2 > 192.0.2.1: ICMP 192.0.2.2 udp port 9999 unreachable");
  EXPECT_EQ(describe_frame(Bytes(fixtures::kTcpSyn, 10)), "Ethernet bad: TruncatedHeader");
  EXPECT_EQ(describe_frame(Bytes(fixtures::kTcpSyn, 40)), "IP bad: TruncatedPayload");
}

}  // namespace
}  // namespace ws
