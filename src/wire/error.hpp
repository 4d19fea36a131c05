// Why a parser rejected its input. Every parser in wire/ returns one of
// these instead of throwing or reading out of bounds.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.hpp"

namespace ws {

enum class WireError : std::uint8_t {
  TruncatedHeader,     // fewer bytes than the fixed header
  TruncatedPayload,    // a length field claims more bytes than are present
  BadVersion,          // IPv4 version is not 4
  BadHeaderLength,     // IPv4 IHL < 5 or beyond the packet
  BadTotalLength,      // IPv4 total length < header length
  BadLength,           // UDP length field inconsistent with the datagram
  BadChecksum,         // checksum does not verify
  BadDataOffset,       // TCP data offset < 5 or beyond the segment
  BadOptionLength,     // a TCP option's length field is invalid or overruns
  BadOption,           // a known TCP option has the wrong size or contents
  BadFlags,            // an impossible TCP flag combination (e.g. SYN+RST)
  UnsupportedHardware, // ARP for something other than IPv4 over Ethernet
  BadOperation,        // ARP operation not request/reply
  UnsupportedType,     // ICMP type/code this stack does not decode
  Fragmented,          // a fragment where a whole datagram is required
};

std::string_view to_string(WireError e);

template <class T>
using WireResult = Result<T, WireError>;

// Shorthand for `return wire_error(WireError::X);` in parsers.
inline Unexpected<WireError> wire_error(WireError e) { return Unexpected<WireError>{e}; }

}  // namespace ws
