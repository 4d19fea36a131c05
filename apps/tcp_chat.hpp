// Seed 004 §7–8: a TCP chat between two hosts, taking turns, until one
// of them says "bye".
//
//   server: sk.bind(('127.0.0.1', 8090)); sk.listen()
//           while True:                          # §8: the next client after a bye
//               conn, addr = sk.accept()
//               while True:
//                   ret = conn.recv(1024).decode('utf-8'); print(ret)
//                   if ret == 'bye': break
//                   msg = input('服务端>>'); conn.send(msg.encode('utf-8'))
//                   if msg == 'bye': break
//               conn.close()
//   client: sk.connect(('127.0.0.1', 8090))
//           while True:
//               msg = input('客户端>>>'); sk.send(msg.encode('utf-8'))
//               if msg == 'bye': break
//               ret = sk.recv(1024).decode('utf-8'); print(ret)
//               if ret == 'bye': break
//           sk.close()
//
// What each side "types" comes from a script, one line per turn, after
// `typing`. When a script runs out the side says "bye" (its user is done);
// an empty line is skipped (it would send nothing and both sides would
// then wait in recv for ever). The transcript shows a typed line with its
// prompt ("server>> hi", "client>>> hello") and a received one as printed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/socket.hpp"
#include "apps/common.hpp"

namespace ws::apps {

inline constexpr std::string_view kChatBye = "bye";

struct TcpChatServerConfig {
  SocketAddress bind{Ipv4Address::any(), 8090};  // sk.bind(('127.0.0.1', 8090))
  int backlog = 128;                             // sk.listen(): Python's default
  std::vector<std::string> script{};             // typed at '服务端>>', in order
  Duration typing = Duration::millis(500);       // before each line
  // §7 talks to one client and ends; §8 accepts the next one after a bye
  // (the script goes on where it was). 0: for ever.
  int max_clients = 1;
  std::size_t bufsize = 1024;
};

struct TcpChatClientConfig {
  SocketAddress server{};
  std::vector<std::string> script{};  // typed at '客户端>>>', in order
  Duration typing = Duration::millis(500);
  std::size_t bufsize = 1024;
};

struct TcpChatReport {
  int conversations = 0;   // connections (the client: 1 once connected)
  int sent = 0;            // lines sent, "bye" included
  int received = 0;        // lines received, "bye" included
  bool said_bye = false;   // this side ended the last conversation
  bool heard_bye = false;  // the other side did
  std::optional<SockError> error{};
  bool operator==(const TcpChatReport&) const = default;
};

app::Task<TcpChatReport> tcp_chat_server(app::Loop& loop, Stack& stack, TcpChatServerConfig config,
                                         Print print);
app::Task<TcpChatReport> tcp_chat_client(app::Loop& loop, Stack& stack, TcpChatClientConfig config,
                                         Print print);

}  // namespace ws::apps
