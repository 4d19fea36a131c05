// A frame on the simulated network: one Ethernet frame's bytes, owned by a
// PacketRef and moved from hop to hop (host → link → switch → link → host)
// instead of being copied into a new vector at each one (docs/principles.md
// "Fast by construction": no allocation per packet in the steady state).
//
// A frame sent by a host keeps the host's pooled buffer (HostNode::drain
// moves TxFrame::frame in): it returns to that host's BufferPool when the
// Frame is destroyed, so every Frame must be destroyed before the node that
// owns its pool (Simulation::~Simulation sees to it). A frame built from
// bytes — by a test, or by clone() for a duplicate fault or a switch flood,
// the only two places the simulator copies — owns an unpooled buffer.
//
// Move-only: a copy is always an explicit clone(). A moved-from or
// default-constructed Frame is empty (no buffer, size 0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/packet_buffer.hpp"

namespace ws::sim {

class Frame {
 public:
  Frame() = default;
  // Takes the sender's buffer; no copy.
  explicit Frame(PacketRef buffer) : buffer_(std::move(buffer)) {}
  // An unpooled copy of `bytes` (headroom 0).
  explicit Frame(Bytes bytes);
  explicit Frame(const std::vector<std::uint8_t>& bytes) : Frame(Bytes(bytes)) {}

  Frame(Frame&&) noexcept = default;
  Frame& operator=(Frame&&) noexcept = default;
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  ~Frame() = default;

  Bytes bytes() const { return buffer_ ? Bytes(buffer_->bytes()) : Bytes(); }
  MutBytes mut_bytes() { return buffer_ ? buffer_->bytes() : MutBytes(); }
  std::size_t size() const { return buffer_ ? buffer_->size() : 0; }
  bool empty() const { return size() == 0; }
  // Implicit, so a Frame reads like the Bytes it holds (parsers, captures).
  operator Bytes() const { return bytes(); }

  // An unpooled copy of the bytes.
  Frame clone() const { return Frame(bytes()); }

  // The buffer itself (tests check that a frame was moved, not copied).
  const PacketBuffer* buffer() const { return buffer_.get(); }

  friend bool operator==(const Frame& f, const std::vector<std::uint8_t>& v);

 private:
  PacketRef buffer_{nullptr, PoolReturn{nullptr}};
};

}  // namespace ws::sim
