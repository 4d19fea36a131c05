#include "sim/frame.hpp"

#include <algorithm>

namespace ws::sim {

Frame::Frame(Bytes bytes)
    : buffer_(new PacketBuffer(bytes.size(), /*headroom=*/0), PoolReturn{nullptr}) {
  buffer_->append(bytes);
}

bool operator==(const Frame& f, const std::vector<std::uint8_t>& v) {
  const Bytes b = f.bytes();
  return std::equal(b.begin(), b.end(), v.begin(), v.end());
}

}  // namespace ws::sim
