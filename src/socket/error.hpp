// Socket errors as values (docs/principles.md "Errors as values"). Each maps to the errno name a
// BSD program would see, with the message strerror(3) would print.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.hpp"

namespace ws {

enum class SockError : std::uint8_t {
  WouldBlock,       // EAGAIN: nothing to read / no room to write now
  TimedOut,         // ETIMEDOUT: a receive timeout (settimeout) or connection timeout expired
  AddrInUse,        // EADDRINUSE
  AddrNotAvail,     // EADDRNOTAVAIL: bind to an address that is not ours
  ConnRefused,      // ECONNREFUSED: ICMP port unreachable (UDP) or RST (TCP)
  ConnReset,        // ECONNRESET
  HostUnreach,      // EHOSTUNREACH: ARP failure / ICMP host unreachable
  NetUnreach,       // ENETUNREACH: no route / ICMP net unreachable
  MsgSize,          // EMSGSIZE: datagram too large
  NoBufs,           // ENOBUFS: stack buffers exhausted
  Access,           // EACCES: broadcast without SO_BROADCAST
  DestAddrRequired, // EDESTADDRREQ: send() on an unconnected datagram socket
  NotConnected,     // ENOTCONN
  IsConnected,      // EISCONN
  AlreadyInProgress,// EALREADY
  InProgress,       // EINPROGRESS: nonblocking connect started
  Invalid,          // EINVAL: bad argument or state (bind twice, bad option value)
  BadDescriptor,    // EBADF: no such socket
  OpNotSupported,   // EOPNOTSUPP: operation not valid for this socket type
  TooManySockets,   // EMFILE: the socket table is full
  Pipe,             // EPIPE: send after shutdown(SHUT_WR)
  ConnAborted,      // ECONNABORTED
};

// "EAGAIN", "EADDRINUSE", ...
std::string_view errno_name(SockError e);
// "Resource temporarily unavailable", ...
std::string_view message(SockError e);

template <class T>
using SockResult = Result<T, SockError>;

inline Unexpected<SockError> sock_error(SockError e) { return Unexpected<SockError>{e}; }

}  // namespace ws
