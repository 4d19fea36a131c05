// What the seed programs share: a print() that goes where the caller wants
// (the CLI prints it with the virtual time, tests collect it), and the
// small Python conveniences the notes lean on (bytes.upper(), the repr of
// bytes and of an address tuple).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "app/socket.hpp"

namespace ws::apps {

// The programs' print(): one line per call, without the newline.
using Print = std::function<void(std::string_view line)>;

// bytes.upper(): ASCII letters only, like Python's bytes (not str) method.
std::string upper(std::string_view data);
// Python's repr of bytes: b'sb', b'it\'s', b'\x00\xff'.
std::string py_bytes(std::string_view data);
// Python's repr of an address tuple: ('192.0.2.10', 49152).
std::string py_addr(const SocketAddress& addr);
// print(sock) of a connected stream socket (seed 001 §7.1 prints the one
// accept() returns), as Python 3.8–3.10 shows it; the socket id is the fd:
// <socket.socket fd=3, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM,
// proto=0, laddr=('192.0.2.20', 81), raddr=('192.0.2.10', 49152)>
std::string py_socket(const app::Socket& sock);

// Errors a receive loop survives (another datagram may come); anything
// else (EBADF, EINVAL, EAGAIN of a nonblocking socket...) ends the loop
// instead of spinning on it.
bool is_transient(SockError e);

}  // namespace ws::apps
