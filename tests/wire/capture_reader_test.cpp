// CaptureReader: capture files read through libpcap (pcap and pcapng),
// BPF filters, frame numbers that count every frame of the file.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fixtures/linux_frames.hpp"
#include "generators.hpp"
#include "link/capture_reader.hpp"
#include "link/pcap.hpp"

namespace ws {
namespace {

const std::string kFixture = std::string(WS_SOURCE_DIR) + "/tests/fixtures/linux_frames.pcap";

std::string output_path(const std::string& name) { return std::string(WS_TEST_OUTPUT) + "/" + name; }

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

// Every record the reader yields, or the first error.
Result<std::vector<CaptureRecord>, std::string> read_all(const std::string& path, const std::string& filter = {}) {
  auto reader = CaptureReader::open(path, filter);
  if (!reader) return Unexpected{reader.error()};
  std::vector<CaptureRecord> out;
  for (;;) {
    auto rec = reader->next();
    if (!rec) return Unexpected{rec.error()};
    if (!*rec) return out;
    out.push_back(std::move(**rec));
  }
}

std::vector<std::uint64_t> numbers(const std::string& path, const std::string& filter) {
  auto recs = read_all(path, filter);
  EXPECT_TRUE(recs.ok()) << filter << ": " << recs.error();
  std::vector<std::uint64_t> out;
  if (recs) {
    for (const auto& r : *recs) out.push_back(r.number);
  }
  return out;
}

testing::Frame frame_of(Bytes b) { return testing::Frame(b.begin(), b.end()); }

TEST(CaptureReader, ReadsTheKernelCapture) {
  // dumpcap's classic pcap with microsecond timestamps (tshark -r shows 14 frames).
  auto recs = read_all(kFixture);
  ASSERT_TRUE(recs.ok()) << recs.error();
  ASSERT_EQ(recs->size(), 14u);
  for (std::size_t i = 0; i < recs->size(); ++i) EXPECT_EQ((*recs)[i].number, i + 1);
  EXPECT_EQ((*recs)[0].frame, frame_of(fixtures::kArpRequest));
  EXPECT_EQ((*recs)[0].original_length, 42u);
  EXPECT_EQ((*recs)[2].frame, frame_of(fixtures::kIcmpEchoRequest));
  EXPECT_EQ((*recs)[2].original_length, 98u);
  EXPECT_EQ((*recs)[8].frame, frame_of(fixtures::kTcpData));
  EXPECT_EQ((*recs)[11].frame, frame_of(fixtures::kIcmpPortUnreachable));
  // Microseconds scaled to nanoseconds: 1795249328.480436 and, 13 µs later, frame 2.
  EXPECT_EQ((*recs)[0].at.nanos(), 1'795'249'328'480'436'000);
  EXPECT_EQ((*recs)[1].at - (*recs)[0].at, Duration::micros(13));
}

TEST(CaptureReader, FilterKeepsTheFramesNumbersInTheFile) {
  using N = std::vector<std::uint64_t>;
  EXPECT_EQ(numbers(kFixture, "arp"), (N{1, 2}));
  EXPECT_EQ(numbers(kFixture, "icmp"), (N{3, 4, 12}));
  EXPECT_EQ(numbers(kFixture, "udp"), (N{5, 11}));
  EXPECT_EQ(numbers(kFixture, "tcp port 8000"), (N{6, 7, 8, 9, 10, 13, 14}));
  EXPECT_EQ(numbers(kFixture, "tcp[tcpflags] & tcp-syn != 0"), (N{6, 7}));
  EXPECT_EQ(numbers(kFixture, "tcp[tcpflags] & tcp-fin != 0"), (N{13}));
  // The ICMP error (12) quotes a datagram to port 9999, but BPF looks at its own header only.
  EXPECT_EQ(numbers(kFixture, "udp port 9999"), (N{11}));
  EXPECT_EQ(numbers(kFixture, "src host 192.0.2.2 and tcp"), (N{7, 10, 14}));
  // BPF's "host" also matches ARP's sender and target addresses.
  EXPECT_EQ(numbers(kFixture, "src host 192.0.2.2 and not ip"), (N{2}));
  EXPECT_EQ(numbers(kFixture, "ether src 02:00:00:00:00:02"), (N{2, 4, 7, 10, 12, 14}));
  EXPECT_EQ(numbers(kFixture, "udp port 53"), N{});
}

TEST(CaptureReader, FilteredRecordsCarryTheirFrames) {
  auto recs = read_all(kFixture, "tcp[tcpflags] & tcp-push != 0");
  ASSERT_TRUE(recs.ok()) << recs.error();
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].number, 9u);
  EXPECT_EQ((*recs)[0].frame, frame_of(fixtures::kTcpData));
}

TEST(CaptureReader, BadFilterIsAnErrorWithLibpcapsReason) {
  auto r = CaptureReader::open(kFixture, "tcp port");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("bad filter \"tcp port\""), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("syntax error"), std::string::npos) << r.error();

  auto port = CaptureReader::open(kFixture, "port 70000");
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().find("70000"), std::string::npos) << port.error();
}

TEST(CaptureReader, MissingFileIsAnError) {
  auto r = CaptureReader::open("/nonexistent/x.pcap");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "/nonexistent/x.pcap: No such file or directory");
}

TEST(CaptureReader, UnknownFormatIsAnErrorNamingTheFile) {
  const std::string path = output_path("capture_reader_not_a_capture.txt");
  write_file(path, std::vector<std::uint8_t>(64, 'x'));
  auto r = CaptureReader::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind(path + ": ", 0), 0u) << r.error();
  EXPECT_NE(r.error().find("unknown file format"), std::string::npos) << r.error();
}

TEST(CaptureReader, LinkTypeOtherThanEthernetIsAnError) {
  auto w = PcapWriter::in_memory();
  w.write(Instant::zero(), Bytes(fixtures::kIcmpEchoRequest).subspan(14));
  auto bytes = w.memory();
  bytes[20] = 101;  // the global header's link type: LINKTYPE_RAW (bare IPv4)
  const std::string path = output_path("capture_reader_raw_ip.pcap");
  write_file(path, bytes);
  auto r = CaptureReader::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("is not Ethernet"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("RAW"), std::string::npos) << r.error();
}

TEST(CaptureReader, TruncatedFileIsAnErrorAfterTheWholeFrames) {
  auto w = PcapWriter::in_memory();
  w.write(Instant::zero(), fixtures::kArpRequest);
  w.write(Instant::zero() + Duration::millis(1), fixtures::kTcpSyn);
  auto bytes = w.memory();
  bytes.resize(bytes.size() - 5);
  const std::string path = output_path("capture_reader_truncated.pcap");
  write_file(path, bytes);
  auto reader = CaptureReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error();
  auto first = reader->next();
  ASSERT_TRUE(first.ok()) << first.error();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->frame, frame_of(fixtures::kArpRequest));
  auto second = reader->next();
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("truncated"), std::string::npos) << second.error();
}

TEST(CaptureReader, ReadsPcapWriterFilesWithNanosecondsAndSnapLength) {
  // A 60-byte snapshot length: the 98-byte echo request keeps its length on the wire.
  const std::string path = output_path("capture_reader_snaplen.pcap");
  {
    auto w = PcapWriter::open(path, 60);
    ASSERT_TRUE(w.ok()) << w.error();
    w->write(Instant::from_nanos(1'700'000'000'123'456'789), fixtures::kArpRequest);
    w->write(Instant::from_nanos(1'700'000'000'123'456'790), fixtures::kIcmpEchoRequest);
  }
  auto recs = read_all(path);
  ASSERT_TRUE(recs.ok()) << recs.error();
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[0].at.nanos(), 1'700'000'000'123'456'789);
  EXPECT_EQ((*recs)[1].at.nanos(), 1'700'000'000'123'456'790);
  EXPECT_EQ((*recs)[0].original_length, 42u);
  EXPECT_EQ((*recs)[1].frame, frame_of(Bytes(fixtures::kIcmpEchoRequest).first(60)));
  EXPECT_EQ((*recs)[1].original_length, 98u);
}

// A little-endian pcapng file built by hand: a section header block, one
// Ethernet interface with nanosecond timestamps (if_tsresol 9), and one
// enhanced packet block per frame.
class PcapngBuilder {
 public:
  PcapngBuilder() {
    block(0x0a0d0d0a, [](std::vector<std::uint8_t>& b) {
      put32(b, 0x1a2b3c4d);  // byte-order magic
      put16(b, 1);           // version 1.0
      put16(b, 0);
      put32(b, 0xffffffff);  // section length: not given
      put32(b, 0xffffffff);
    });
    block(0x00000001, [](std::vector<std::uint8_t>& b) {
      put16(b, 1);  // LINKTYPE_ETHERNET
      put16(b, 0);
      put32(b, 262144);  // snapshot length
      put16(b, 9);       // option if_tsresol: 10^-9 s
      put16(b, 1);
      b.insert(b.end(), {9, 0, 0, 0});  // the value, padded to 32 bits
      put32(b, 0);                      // opt_endofopt
    });
  }

  void packet(std::uint64_t nanos, Bytes frame) {
    block(0x00000006, [&](std::vector<std::uint8_t>& b) {
      put32(b, 0);  // interface 0
      put32(b, static_cast<std::uint32_t>(nanos >> 32));
      put32(b, static_cast<std::uint32_t>(nanos));
      put32(b, static_cast<std::uint32_t>(frame.size()));
      put32(b, static_cast<std::uint32_t>(frame.size()));
      b.insert(b.end(), frame.begin(), frame.end());
      while (b.size() % 4 != 0) b.push_back(0);
    });
  }

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  static void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  static void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v));
    put16(b, static_cast<std::uint16_t>(v >> 16));
  }
  // Type, total length, body, total length again.
  template <class Body>
  void block(std::uint32_t type, Body body) {
    std::vector<std::uint8_t> b;
    body(b);
    const auto total = static_cast<std::uint32_t>(b.size() + 12);
    put32(bytes_, type);
    put32(bytes_, total);
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    put32(bytes_, total);
  }

  std::vector<std::uint8_t> bytes_;
};

TEST(CaptureReader, ReadsPcapng) {
  PcapngBuilder ng;
  ng.packet(1'700'000'000'000'000'001, fixtures::kArpRequest);
  ng.packet(1'700'000'000'000'000'002, fixtures::kUdpDatagram);
  ng.packet(1'700'000'000'000'000'003, fixtures::kTcpSyn);
  const std::string path = output_path("capture_reader.pcapng");
  write_file(path, ng.bytes());

  auto recs = read_all(path);
  ASSERT_TRUE(recs.ok()) << recs.error();
  ASSERT_EQ(recs->size(), 3u);
  EXPECT_EQ((*recs)[0].at.nanos(), 1'700'000'000'000'000'001);
  EXPECT_EQ((*recs)[1].frame, frame_of(fixtures::kUdpDatagram));
  EXPECT_EQ((*recs)[2].frame, frame_of(fixtures::kTcpSyn));
  EXPECT_EQ((*recs)[2].original_length, sizeof fixtures::kTcpSyn);
  EXPECT_EQ(numbers(path, "tcp or arp"), (std::vector<std::uint64_t>{1, 3}));
}

}  // namespace
}  // namespace ws
