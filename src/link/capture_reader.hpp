// Reading capture files through libpcap: classic pcap (either timestamp
// resolution, either byte order) and pcapng, Ethernet link type only, with
// an optional BPF filter in tcpdump's syntax. Frames keep their number in
// the file (1-based, counting every frame, selected or not), so filtered
// output can be compared with tcpdump's and tshark's frame numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"

// libpcap's handle types, defined in <pcap/pcap.h> and <pcap/bpf.h>; only
// capture_reader.cpp needs their definitions.
struct pcap;
struct bpf_program;

namespace ws {

struct CaptureRecord {
  std::uint64_t number = 0;  // position in the file, 1-based, every frame counted
  Instant at;                // the capture's timestamp, in nanoseconds
  std::vector<std::uint8_t> frame;  // the captured bytes (at most the snapshot length)
  std::uint32_t original_length = 0;  // the frame's length on the wire
};

class CaptureReader {
 public:
  // Opens `path`. A non-empty `filter` is compiled as a BPF program for
  // the file's link type; next() then yields only the frames it accepts.
  // Errors name the file or the filter together with libpcap's message.
  static Result<CaptureReader, std::string> open(const std::string& path, const std::string& filter = {});

  // The next selected frame, nothing at the end of the file, or an error
  // (a truncated or corrupt file).
  Result<std::optional<CaptureRecord>, std::string> next();

 private:
  struct ClosePcap {
    void operator()(pcap* p) const;
  };
  struct FreeProgram {
    void operator()(bpf_program* prog) const;
  };

  CaptureReader() = default;

  std::string path_;
  std::unique_ptr<pcap, ClosePcap> pcap_;
  std::unique_ptr<bpf_program, FreeProgram> filter_;  // null: every frame is selected
  std::uint64_t frames_read_ = 0;
};

}  // namespace ws
