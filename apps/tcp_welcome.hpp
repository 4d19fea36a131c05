// Seed 003: the welcome server, one thread per connection — here one task
// per connection (Loop::spawn), so clients are served at the same time:
//
//   def tcplink(sock, addr):
//       print('Accept new connection from %s:%s...' % addr)
//       sock.send(b'Welcome!')
//       while True:
//           data = sock.recv(1024)
//           time.sleep(1)
//           if data == b'exit' or not data: break
//           sock.send(b'Hello, %s!' % data)
//       sock.close()
//       print('Connection from %s:%s closed.' % addr)
//
//   s.bind(('127.0.0.1', 9999)); s.listen(5); print('Waiting for connection...')
//   while True:
//       sock, addr = s.accept()
//       threading.Thread(target=tcplink, args=(sock, addr)).start()
//
//   client: print(s.recv(1024)); for name in ['Michael', 'Tracy', 'Sarah']:
//           s.send(name); print(s.recv(1024))
//           then s.send(b'exit'); s.close()
#pragma once

#include <string>
#include <vector>

#include "app/socket.hpp"
#include "apps/common.hpp"
#include "apps/tcp_upper.hpp"

namespace ws::apps {

struct WelcomeServerConfig {
  SocketAddress bind{Ipv4Address::any(), 9999};  // s.bind(('127.0.0.1', 9999))
  int backlog = 5;                               // s.listen(5)
  std::size_t bufsize = 1024;
  Duration think = Duration::seconds(1);  // time.sleep(1) after each recv
  // 0: accept for ever; else stop accepting after this many and return.
  // Connection tasks already spawned run to their end on their own (the
  // loop owns them), like the threads the notes start.
  int max_clients = 0;
};

// Returns once it stops accepting (never with max_clients = 0).
app::Task<void> welcome_server(app::Loop& loop, Stack& stack, WelcomeServerConfig config,
                               Print print);

struct WelcomeClientConfig {
  SocketAddress server{};
  std::vector<std::string> names{"Michael", "Tracy", "Sarah"};  // for data in [...]
  Duration typing = Duration::zero();                           // before each send
  std::size_t bufsize = 1024;
};

// answered counts the "Hello" replies; the greeting is not one.
struct WelcomeClientReport {
  TcpClientReport client;
  bool welcomed = false;  // "Welcome!" arrived first
  bool operator==(const WelcomeClientReport&) const = default;
};

app::Task<WelcomeClientReport> welcome_client(app::Loop& loop, Stack& stack,
                                              WelcomeClientConfig config, Print print);

}  // namespace ws::apps
