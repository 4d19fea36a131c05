// pcap capture files (the classic libpcap format with nanosecond
// timestamps, magic 0xa1b23c4d, link type 1 = Ethernet). Timestamps come
// from Instant, so a simulated run records virtual time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

namespace ws {

class PcapWriter {
 public:
  static constexpr std::uint32_t kSnapLen = 262144;

  // Creates (truncates) the file and writes the global header. Frames
  // longer than `snaplen` are recorded truncated (their length is kept),
  // as `tcpdump -s`: long captures of bulk transfers stay small.
  static Result<PcapWriter, std::string> open(const std::string& path,
                                               std::uint32_t snaplen = kSnapLen);
  // A writer that keeps the file's bytes in memory (tests, determinism checks).
  static PcapWriter in_memory();

  PcapWriter(PcapWriter&& o) noexcept;
  PcapWriter& operator=(PcapWriter&& o) noexcept;
  ~PcapWriter();

  void write(Instant at, Bytes frame);
  void flush();
  std::size_t frames_written() const { return frames_; }
  // The bytes written so far (in-memory writers only).
  const std::vector<std::uint8_t>& memory() const { return memory_; }

 private:
  PcapWriter() = default;
  void put(const std::uint8_t* p, std::size_t n);
  void write_global_header();
  void close();

  std::FILE* file_ = nullptr;
  std::vector<std::uint8_t> memory_;
  std::size_t frames_ = 0;
  std::uint32_t snaplen_ = kSnapLen;
};

struct PcapRecord {
  Instant at;
  std::vector<std::uint8_t> frame;
};

// Parses a whole capture held in memory in PcapWriter's format (nanosecond
// magic, little-endian, Ethernet); an error string on anything else or on
// malformed input. Capture files of any origin are read with CaptureReader
// (link/capture_reader.hpp).
Result<std::vector<PcapRecord>, std::string> parse_pcap(Bytes file);

}  // namespace ws
