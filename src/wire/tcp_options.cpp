#include "wire/tcp_options.hpp"

#include <cassert>

namespace ws {

WireResult<TcpOptions> TcpOptions::parse(Bytes options) {
  TcpOptions o;
  std::size_t i = 0;
  const std::size_t n = options.size();
  while (i < n) {
    const std::uint8_t kind = options[i];
    if (kind == tcp_option::kEol) break;  // the rest is padding
    if (kind == tcp_option::kNop) {
      ++i;
      continue;
    }
    // Every other option is kind, length, data (RFC 9293 §3.2): the length
    // counts both leading bytes and must stay inside the option space.
    if (i + 1 >= n) return wire_error(WireError::BadOptionLength);
    const std::size_t len = options[i + 1];
    if (len < 2 || i + len > n) return wire_error(WireError::BadOptionLength);
    const std::uint8_t* p = options.data() + i + 2;
    switch (kind) {
      case tcp_option::kMss:
        if (len != 4) return wire_error(WireError::BadOptionLength);
        o.mss = load_be16(p);
        break;
      case tcp_option::kWindowScale:
        if (len != 3) return wire_error(WireError::BadOptionLength);
        o.window_scale = p[0];
        break;
      case tcp_option::kSackPermitted:
        if (len != 2) return wire_error(WireError::BadOptionLength);
        o.sack_permitted = true;
        break;
      case tcp_option::kSack: {
        const std::size_t blocks = (len - 2) / 8;
        if ((len - 2) % 8 != 0 || blocks == 0 || blocks > kMaxSackBlocks) {
          return wire_error(WireError::BadOptionLength);
        }
        for (std::size_t b = 0; b < blocks; ++b) {
          o.sack_blocks[b] = SackBlock{SeqNum(load_be32(p + b * 8)), SeqNum(load_be32(p + b * 8 + 4))};
        }
        o.sack_count = static_cast<std::uint8_t>(blocks);
        break;
      }
      case tcp_option::kTimestamps:
        if (len != 10) return wire_error(WireError::BadOptionLength);
        o.timestamps = TcpTimestamps{load_be32(p), load_be32(p + 4)};
        break;
      default:
        break;  // unknown option: skipped by its length (RFC 9293 §3.2, RFC 1122 §4.2.2.5)
    }
    i += len;
  }
  return o;
}

std::size_t TcpOptions::encoded_len() const {
  std::size_t len = 0;
  if (mss) len += 4;
  if (timestamps) len += 12;  // SACK-permitted + TS, or NOP NOP TS
  else if (sack_permitted) len += 4;  // NOP NOP SACK-permitted
  if (window_scale) len += 4;         // NOP WS
  if (sack_count > 0) len += 4 + 8 * std::size_t{sack_count};  // NOP NOP SACK
  return len;
}

void TcpOptions::emit(MutBytes out) const {
  assert(out.size() >= encoded_len() && encoded_len() <= kMaxLen);
  std::uint8_t* p = out.data();
  if (mss) {
    p[0] = tcp_option::kMss;
    p[1] = 4;
    store_be16(p + 2, *mss);
    p += 4;
  }
  if (timestamps) {
    if (sack_permitted) {
      p[0] = tcp_option::kSackPermitted;
      p[1] = 2;
    } else {
      p[0] = p[1] = tcp_option::kNop;
    }
    p[2] = tcp_option::kTimestamps;
    p[3] = 10;
    store_be32(p + 4, timestamps->tsval);
    store_be32(p + 8, timestamps->tsecr);
    p += 12;
  } else if (sack_permitted) {
    p[0] = p[1] = tcp_option::kNop;
    p[2] = tcp_option::kSackPermitted;
    p[3] = 2;
    p += 4;
  }
  if (window_scale) {
    p[0] = tcp_option::kNop;
    p[1] = tcp_option::kWindowScale;
    p[2] = 3;
    p[3] = *window_scale;
    p += 4;
  }
  if (sack_count > 0) {
    p[0] = p[1] = tcp_option::kNop;
    p[2] = tcp_option::kSack;
    p[3] = static_cast<std::uint8_t>(2 + 8 * sack_count);
    p += 4;
    for (std::size_t b = 0; b < sack_count; ++b) {
      store_be32(p, sack_blocks[b].left.raw());
      store_be32(p + 4, sack_blocks[b].right.raw());
      p += 8;
    }
  }
}

bool TcpOptions::operator==(const TcpOptions& o) const {
  if (mss != o.mss || window_scale != o.window_scale || sack_permitted != o.sack_permitted ||
      timestamps != o.timestamps || sack_count != o.sack_count) {
    return false;
  }
  for (std::size_t b = 0; b < sack_count; ++b) {
    if (!(sack_blocks[b] == o.sack_blocks[b])) return false;
  }
  return true;
}

}  // namespace ws
