// Seed 001 §9: the UDP upper-case server and its client.
//
//   server: recvfrom(1024), print the data and the address, sendto(data.upper(), addr)
//   client: sendto(b'sb', server); data = recv(1024); print(data)
//
// The client sends each of `inputs` in turn, as seed 001 §8.2's client
// sends each line it reads; "q" ends it there. Unlike the notes it sets a
// receive timeout and resends after one (UDP may lose either datagram,
// seed 004 §三) — set `timeout` to nullopt for the notes' wait-forever —
// and skips replies that do not answer the current input (a late reply to
// an attempt it already repeated).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/socket.hpp"
#include "apps/common.hpp"

namespace ws::apps {

struct UpperServerConfig {
  SocketAddress bind{Ipv4Address::any(), 82};  // server.bind(('127.0.0.1', 82))
  std::size_t bufsize = 1024;
};

// Runs until cancelled (or its socket fails for good).
app::Task<void> udp_upper_server(app::Loop& loop, Stack& stack, UpperServerConfig config,
                                 Print print);

struct UpperClientConfig {
  SocketAddress server{};
  std::vector<std::string> inputs{"sb"};  // what input() would have returned; "q" quits
  std::optional<Duration> timeout = Duration::seconds(1);  // per attempt; nullopt: wait forever
  int retries = 3;                                         // resends after a timeout
  std::size_t bufsize = 1024;
};

struct ClientReport {
  int requests = 0;  // inputs sent (not counting resends)
  int answered = 0;  // replies received
  int resends = 0;   // sendto repeated after a timeout
  int failed = 0;    // inputs given up on (timeouts exhausted, or an error)
  int stale = 0;     // replies skipped as answers to an earlier attempt
  bool operator==(const ClientReport&) const = default;
};

app::Task<ClientReport> udp_upper_client(app::Loop& loop, Stack& stack, UpperClientConfig config,
                                         Print print);

}  // namespace ws::apps
