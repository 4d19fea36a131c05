#include "link/pcap.hpp"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <utility>

namespace ws {

namespace {

constexpr std::uint32_t kMagicNanos = 0xa1b23c4d;
constexpr std::uint32_t kLinkTypeEthernet = 1;

// The format is written in the writer's byte order; we always write little-endian.
void le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

std::uint32_t read_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

}  // namespace

Result<PcapWriter, std::string> PcapWriter::open(const std::string& path, std::uint32_t snaplen) {
  if (snaplen < 14 || snaplen > kSnapLen) {
    return Unexpected{std::string("pcap snapshot length must be 14..") + std::to_string(kSnapLen)};
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Unexpected{path + ": " + std::strerror(errno)};
  PcapWriter w;
  w.file_ = f;
  w.snaplen_ = snaplen;
  w.write_global_header();
  return w;
}

PcapWriter PcapWriter::in_memory() {
  PcapWriter w;
  w.write_global_header();
  return w;
}

void PcapWriter::write_global_header() {
  std::uint8_t h[24];
  le32(h, kMagicNanos);
  le16(h + 4, 2);  // format version 2.4
  le16(h + 6, 4);
  le32(h + 8, 0);   // thiszone
  le32(h + 12, 0);  // sigfigs
  le32(h + 16, snaplen_);
  le32(h + 20, kLinkTypeEthernet);
  put(h, sizeof h);
}

PcapWriter::PcapWriter(PcapWriter&& o) noexcept
    : file_(std::exchange(o.file_, nullptr)), memory_(std::move(o.memory_)), frames_(o.frames_), snaplen_(o.snaplen_) {}

PcapWriter& PcapWriter::operator=(PcapWriter&& o) noexcept {
  if (this != &o) {
    close();
    file_ = std::exchange(o.file_, nullptr);
    memory_ = std::move(o.memory_);
    frames_ = o.frames_;
    snaplen_ = o.snaplen_;
  }
  return *this;
}

PcapWriter::~PcapWriter() { close(); }

void PcapWriter::close() {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
}

void PcapWriter::put(const std::uint8_t* p, std::size_t n) {
  if (file_ != nullptr) {
    std::fwrite(p, 1, n, file_);
  } else {
    memory_.insert(memory_.end(), p, p + n);
  }
}

void PcapWriter::write(Instant at, Bytes frame) {
  const std::int64_t ns = at.nanos() < 0 ? 0 : at.nanos();
  const auto caplen = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), snaplen_));
  std::uint8_t h[16];
  le32(h, static_cast<std::uint32_t>(ns / 1'000'000'000));
  le32(h + 4, static_cast<std::uint32_t>(ns % 1'000'000'000));
  le32(h + 8, caplen);
  le32(h + 12, static_cast<std::uint32_t>(frame.size()));
  put(h, sizeof h);
  put(frame.data(), caplen);
  ++frames_;
}

void PcapWriter::flush() {
  if (file_ != nullptr) std::fflush(file_);
}

Result<std::vector<PcapRecord>, std::string> parse_pcap(Bytes file) {
  if (file.size() < 24) return Unexpected<std::string>{"pcap: truncated global header"};
  if (read_le32(file.data()) != kMagicNanos) return Unexpected<std::string>{"pcap: bad magic"};
  if (read_le32(file.data() + 20) != kLinkTypeEthernet) {
    return Unexpected<std::string>{"pcap: link type is not Ethernet"};
  }
  std::vector<PcapRecord> out;
  std::size_t pos = 24;
  while (pos < file.size()) {
    if (file.size() - pos < 16) return Unexpected<std::string>{"pcap: truncated record header"};
    const std::uint8_t* h = file.data() + pos;
    const std::int64_t sec = read_le32(h);
    const std::int64_t nsec = read_le32(h + 4);
    const std::uint32_t caplen = read_le32(h + 8);
    pos += 16;
    if (caplen > file.size() - pos) return Unexpected<std::string>{"pcap: truncated record"};
    PcapRecord r;
    r.at = Instant::from_nanos(sec * 1'000'000'000 + nsec);
    r.frame.assign(file.data() + pos, file.data() + pos + caplen);
    out.push_back(std::move(r));
    pos += caplen;
  }
  return out;
}

}  // namespace ws
