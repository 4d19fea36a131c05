#include "apps/common.hpp"

#include <fmt/format.h>

namespace ws::apps {

std::string upper(std::string_view data) {
  std::string out(data);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string py_bytes(std::string_view data) {
  // Python picks the quote that needs no escaping; single quotes otherwise.
  const bool dq =
      data.find('\'') != std::string_view::npos && data.find('"') == std::string_view::npos;
  const char quote = dq ? '"' : '\'';
  std::string out = "b";
  out += quote;
  for (const char ch : data) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

std::string py_addr(const SocketAddress& addr) {
  return fmt::format("('{}', {})", addr.ip.to_string(), addr.port);
}

std::string py_socket(const app::Socket& sock) {
  std::string out = fmt::format(
      "<socket.socket fd={}, family=AddressFamily.AF_INET, type={}, proto=0", sock.id(),
      sock.stack().type_of(sock.id()) == SocketType::Datagram ? "SocketKind.SOCK_DGRAM"
                                                              : "SocketKind.SOCK_STREAM");
  // Python shows raddr only for a connected socket.
  if (auto local = sock.getsockname()) out += ", laddr=" + py_addr(*local);
  if (auto peer = sock.getpeername()) out += ", raddr=" + py_addr(*peer);
  return out + ">";
}

bool is_transient(SockError e) {
  switch (e) {
    case SockError::TimedOut:
    case SockError::ConnRefused:
    case SockError::ConnReset:
    case SockError::HostUnreach:
    case SockError::NetUnreach:
    case SockError::MsgSize:
    case SockError::NoBufs: return true;
    case SockError::WouldBlock:  // retrying at once would spin without waiting
    case SockError::AddrInUse:
    case SockError::AddrNotAvail:
    case SockError::Access:
    case SockError::DestAddrRequired:
    case SockError::NotConnected:
    case SockError::IsConnected:
    case SockError::AlreadyInProgress:
    case SockError::InProgress:
    case SockError::Invalid:
    case SockError::BadDescriptor:
    case SockError::OpNotSupported:
    case SockError::TooManySockets:
    case SockError::Pipe:
    case SockError::ConnAborted: return false;
  }
  return false;
}

}  // namespace ws::apps
