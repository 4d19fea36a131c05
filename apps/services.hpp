// Small network services for `wirestack serve`, written once against the
// coroutine socket API (so they run in the simulator and on a TAP alike):
//
// - echo (RFC 862), discard (RFC 863) and upper (seed 001's upper-case
//   echo, served concurrently) over TCP — one task per connection — and
//   over UDP on the same port;
// - a chat room over TCP: each line a client sends goes to every other
//   client, prefixed with its address; "bye" leaves (seed 004's chat, for
//   many clients at once).
//
// Every service bounds its connections (beyond `max_connections` a new
// one is closed at once, counted) and drops idle ones after `idle`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "app/socket.hpp"
#include "apps/common.hpp"

namespace ws::apps {

enum class EchoKind : std::uint8_t { Echo, Discard, Upper };

struct ServiceConfig {
  SocketAddress bind{Ipv4Address::any(), 7};
  int backlog = 128;
  std::size_t max_connections = 256;
  std::optional<Duration> idle = Duration::seconds(300);  // nullopt: never time out
  std::size_t bufsize = 65536;
};

struct ServiceStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;  // over max_connections: closed at once
  std::uint64_t active = 0;
  std::uint64_t closed = 0;   // ended by the client's FIN
  std::uint64_t errors = 0;   // ended by an error (reset, timeout)
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t datagrams = 0;
};

// TCP echo/discard/upper: accepts until cancelled; `stats` must outlive
// every connection task (they are spawned on the loop).
app::Task<SockResult<void>> stream_service(app::Loop& loop, Stack& stack, EchoKind kind, ServiceConfig config,
                                           ServiceStats& stats, Print log);
// UDP echo/discard/upper: answers each datagram (discard: none) until cancelled.
app::Task<SockResult<void>> datagram_service(app::Loop& loop, Stack& stack, EchoKind kind,
                                             ServiceConfig config, ServiceStats& stats, Print log);
// The chat room, until cancelled.
app::Task<SockResult<void>> chat_room(app::Loop& loop, Stack& stack, ServiceConfig config, ServiceStats& stats,
                                      Print log);

}  // namespace ws::apps
