// A conversation between two hosts as a learner reads it: the frames on
// the wire, each side's TCP state changes and socket calls, in time order.
// One model behind every picture of it: the demo's text, the SVG sequence
// diagram (diagram.hpp) and the step-through page (page.hpp).
//
// Two sources fill it. The simulator knows everything (which frames were
// lost, the real states, the socket calls): `wirestack demo` adds those
// steps itself. A capture file knows only frames: from_capture() takes the
// two hosts of the first TCP connection in it and infers each side's state
// from the segments (RFC 9293 §3.3.2, figure 5), marking the states as
// inferred.
//
// Numbering, labels, retransmission causes and the phases of the seed notes
// (三次握手, 数据传输, 四次挥手) are worked out once, by annotate().
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "wire/tcp.hpp"

namespace ws::view {

enum class StepKind : std::uint8_t {
  Frame,  // a frame one side sent (lost or delivered)
  State,  // a TCP state change of one side
  Call,   // a socket call of one side's application
};

// The phases of the seed notes, in order.
enum class Phase : std::uint8_t { None, Handshake, Data, Close };
std::string_view phase_title(Phase p);  // "three-way handshake (三次握手)", ...

// A TCP segment as decoded from a frame (payload dropped, length kept).
struct TcpInfo {
  TcpSegment seg;  // seg.payload is empty; see len
  std::size_t len = 0;
  std::uint8_t ttl = 0;
};

struct FrameStep {
  std::vector<std::uint8_t> bytes;  // the whole Ethernet frame
  std::size_t file_number = 0;      // 1-based frame number in the capture (0: not from a file)
  bool delivered = true;            // false: lost on the way (only the simulator knows)
  std::uint8_t ttl_at_arrival = 0;  // TTL when delivered across a router (0: not known)
  // The frame's other end is a node between the two sides (a router
  // answering or asking ARP): drawn from `side` to the middle, or, when
  // `from_middle`, from the middle to `side`.
  bool middle = false;
  bool from_middle = false;
  // When the receiver got it, in the same order as Step::order: which
  // duplicate ACKs a sender had seen before it retransmitted.
  std::uint64_t arrival_order = 0;
  std::optional<TcpInfo> tcp;       // set for TCP segments of the conversation
  // Filled by annotate():
  int number = 0;                    // "#n": TCP segments only, from 1
  std::string retransmission;        // "", "timeout" or "3 dup ACKs"
  std::string summary;               // one line: "SYN seq=1000 win=65535 len=0 <mss 1460>" / ARP line
};

struct Step {
  Instant at;
  std::uint64_t order = 0;  // the order things happened in (ties in `at` included)
  StepKind kind = StepKind::Frame;
  int side = 0;      // the sender (frames) or the side it happened on: 0 left, 1 right
  std::string text;  // State: "SYN-SENT → ESTABLISHED"; Call: "connect(192.0.2.20:8000)"
  FrameStep frame;   // kind == Frame
  Phase phase = Phase::None;  // annotate(): the phase this step falls in
};

struct Conversation {
  std::string title;                   // the command that made it
  std::array<std::string, 2> names{"client", "server"};
  std::array<std::string, 2> addresses;  // "192.0.2.10", shown under the names
  std::string path;                    // "client — switch — server"
  bool states_inferred = false;        // states come from the segments, not the stacks
  std::vector<Step> steps;

  // Numbers the TCP segments, labels every frame, finds retransmissions
  // and their cause (RFC 5681 §3.2: three duplicate ACKs since the first
  // copy mean fast retransmit; otherwise the timer expired) and the phases.
  void annotate();
  std::size_t segment_count() const;
};

// "SYN", "SYN+ACK", "PSH+ACK", "FIN+ACK", "RST+ACK": the notes' style.
std::string flag_names(TcpFlags f);
// The options a SYN carries, as the notes write them: "<mss 1460>",
// "<mss 1460,wscale 7,sackOK,TS>"; empty when there are none.
std::string option_text(const TcpOptions& o);
// TCP inside an Ethernet/IPv4 frame, or nullopt.
std::optional<TcpInfo> decode_tcp(Bytes frame);

struct CaptureFrame {
  Instant at;
  std::vector<std::uint8_t> bytes;
  std::size_t number = 0;  // 1-based frame number in the file
};

// The first TCP connection's two hosts (the SYN's sender on the left), the
// frames between them and their ARP, and states inferred from the segments.
// An error when the capture holds no TCP segment.
Result<Conversation, std::string> from_capture(const std::vector<CaptureFrame>& frames);

}  // namespace ws::view
