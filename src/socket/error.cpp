#include "socket/error.hpp"

namespace ws {

std::string_view errno_name(SockError e) {
  switch (e) {
    case SockError::WouldBlock: return "EAGAIN";
    case SockError::TimedOut: return "ETIMEDOUT";
    case SockError::AddrInUse: return "EADDRINUSE";
    case SockError::AddrNotAvail: return "EADDRNOTAVAIL";
    case SockError::ConnRefused: return "ECONNREFUSED";
    case SockError::ConnReset: return "ECONNRESET";
    case SockError::HostUnreach: return "EHOSTUNREACH";
    case SockError::NetUnreach: return "ENETUNREACH";
    case SockError::MsgSize: return "EMSGSIZE";
    case SockError::NoBufs: return "ENOBUFS";
    case SockError::Access: return "EACCES";
    case SockError::DestAddrRequired: return "EDESTADDRREQ";
    case SockError::NotConnected: return "ENOTCONN";
    case SockError::IsConnected: return "EISCONN";
    case SockError::AlreadyInProgress: return "EALREADY";
    case SockError::InProgress: return "EINPROGRESS";
    case SockError::Invalid: return "EINVAL";
    case SockError::BadDescriptor: return "EBADF";
    case SockError::OpNotSupported: return "EOPNOTSUPP";
    case SockError::TooManySockets: return "EMFILE";
    case SockError::Pipe: return "EPIPE";
    case SockError::ConnAborted: return "ECONNABORTED";
  }
  return "E?";
}

std::string_view message(SockError e) {
  switch (e) {
    case SockError::WouldBlock: return "Resource temporarily unavailable";
    case SockError::TimedOut: return "Connection timed out";
    case SockError::AddrInUse: return "Address already in use";
    case SockError::AddrNotAvail: return "Cannot assign requested address";
    case SockError::ConnRefused: return "Connection refused";
    case SockError::ConnReset: return "Connection reset by peer";
    case SockError::HostUnreach: return "No route to host";
    case SockError::NetUnreach: return "Network is unreachable";
    case SockError::MsgSize: return "Message too long";
    case SockError::NoBufs: return "No buffer space available";
    case SockError::Access: return "Permission denied";
    case SockError::DestAddrRequired: return "Destination address required";
    case SockError::NotConnected: return "Transport endpoint is not connected";
    case SockError::IsConnected: return "Transport endpoint is already connected";
    case SockError::AlreadyInProgress: return "Operation already in progress";
    case SockError::InProgress: return "Operation now in progress";
    case SockError::Invalid: return "Invalid argument";
    case SockError::BadDescriptor: return "Bad file descriptor";
    case SockError::OpNotSupported: return "Operation not supported";
    case SockError::TooManySockets: return "Too many open files";
    case SockError::Pipe: return "Broken pipe";
    case SockError::ConnAborted: return "Software caused connection abort";
  }
  return "Unknown error";
}

}  // namespace ws
