// Seed 001 §7–8: the TCP upper-case server with a connection loop (加入链接
// 循环) around a communication loop (加入通信循环), and its client.
//
//   server: bind(('127.0.0.1', 81)); listen(1)
//           while True:                               # connection loop
//               sock, addr = server.accept()
//               while True:                           # communication loop
//                   try:
//                       data = sock.recv(1024)
//                       if len(data) == 0: break      # the client closed (FIN)
//                       sock.send(data.upper())
//                   except Exception as e:
//                       print(e); break               # abrupt end (RST): ECONNRESET
//               sock.close()
//   client: connect; for each line typed until 'q': send(line); print(recv(1024)); close()
//
// One client is served at a time: while it is connected the next one's
// handshake completes in the listen backlog but nothing answers it — the
// busy line (占线) of seed 004 §8 — until the first leaves, gracefully or
// not; then the server accepts it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/socket.hpp"
#include "apps/common.hpp"

namespace ws::apps {

struct TcpUpperServerConfig {
  SocketAddress bind{Ipv4Address::any(), 81};  // server.bind(('127.0.0.1', 81))
  int backlog = 1;                             // server.listen(1)
  std::size_t bufsize = 1024;
  int max_clients = 0;  // 0: serve for ever (while True); else return after this many
  // SO_KEEPALIVE on each connection (off in the notes). Without it a
  // client that vanishes — its host gone, or its RST lost (an RST is never
  // resent) — leaves the server in recv for ever and the next client on a
  // busy line. Seed 004 二.6 (保活计时器): after `idle` of silence a probe,
  // then every `interval`; `probes` unanswered end the connection with
  // ETIMEDOUT. Whole seconds (TCP_KEEPIDLE/KEEPINTVL are in seconds).
  struct KeepAlive {
    int idle_s = 7200;  // the notes' 2 hours
    int interval_s = 75;
    int probes = 9;  // Linux's (the notes say 10)
  };
  std::optional<KeepAlive> keepalive{};
};

struct TcpUpperServerReport {
  int clients = 0;         // connections accepted
  int closed = 0;          // ended by the client's FIN: recv returned b''
  int errors = 0;          // ended by an error (ECONNRESET...)
  std::size_t echoed = 0;  // bytes sent back
  bool operator==(const TcpUpperServerReport&) const = default;
};

app::Task<TcpUpperServerReport> tcp_upper_server(app::Loop& loop, Stack& stack,
                                                 TcpUpperServerConfig config, Print print);

struct TcpUpperClientConfig {
  SocketAddress server{};
  std::vector<std::string> inputs{"sb"};  // what input() returns, in order; "q" quits
  Duration typing = Duration::zero();     // before each input: the user typing
  // Leave abruptly: SO_LINGER 0, then close() sends an RST instead of a FIN
  // (seed 004 §8 强制断开) — the server's recv fails with ECONNRESET.
  bool reset = false;
  std::size_t bufsize = 1024;
};

// What a TCP client did (the echo and welcome clients).
struct TcpClientReport {
  bool connected = false;
  int sent = 0;                      // lines sent
  int answered = 0;                  // replies received whole
  std::optional<SockError> error{};  // what ended it early
  bool operator==(const TcpClientReport&) const = default;
};

app::Task<TcpClientReport> tcp_upper_client(app::Loop& loop, Stack& stack,
                                            TcpUpperClientConfig config, Print print);

}  // namespace ws::apps
