#include "apps/services.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace ws::apps {

namespace {

std::string transform(EchoKind kind, std::string data) {
  if (kind == EchoKind::Upper) return upper(data);
  return data;
}

// One accepted connection of echo/discard/upper.
app::Task<void> echo_connection(app::Socket sock, SocketAddress peer, EchoKind kind, ServiceConfig config,
                                ServiceStats& stats, Print log) {
  sock.settimeout(config.idle);
  bool clean = false;
  for (;;) {
    auto data = co_await sock.recv(config.bufsize);
    if (!data) {
      if (log) log(fmt::format("{}: {}", peer.to_string(), app::describe(data.error())));
      break;
    }
    if (data->empty()) {  // the client's FIN
      clean = true;
      break;
    }
    stats.bytes_in += data->size();
    if (kind == EchoKind::Discard) continue;
    auto sent = co_await sock.sendall(transform(kind, std::move(*data)));
    if (!sent) {
      if (log) log(fmt::format("{}: send: {}", peer.to_string(), app::describe(sent.error())));
      break;
    }
    stats.bytes_out += *sent;
  }
  clean ? ++stats.closed : ++stats.errors;
  --stats.active;
  (void)sock.close();
  if (log) log(fmt::format("{}: closed", peer.to_string()));
}

SockResult<app::Socket> listener(app::Loop& loop, Stack& stack, const ServiceConfig& config) {
  auto s = app::socket(loop, stack, SocketType::Stream);
  if (!s) return s;
  (void)s->set_reuseaddr();
  if (auto b = s->bind(config.bind); !b) return Unexpected<SockError>{b.error()};
  if (auto l = s->listen(config.backlog); !l) return Unexpected<SockError>{l.error()};
  return s;
}

// The chat room's members, by socket id; senders write to the others'
// sockets with nonblocking sends (a member whose buffer is full misses
// the line — counted — rather than stalling the room).
struct Room {
  std::map<SocketId, SocketAddress> members;
  std::uint64_t dropped_lines = 0;
};

void broadcast(app::Loop& loop, Stack& stack, Room& room, SocketId from, std::string_view line) {
  for (const auto& [id, addr] : room.members) {
    if (id == from) continue;
    auto r = stack.send_to(loop.now(), id, Bytes(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()));
    if (!r || *r < line.size()) ++room.dropped_lines;
  }
  loop.wake(stack);
}

app::Task<void> chat_member(app::Socket sock, SocketAddress peer, std::shared_ptr<Room> room,
                            ServiceConfig config, ServiceStats& stats, Print log) {
  sock.settimeout(config.idle);
  Stack& stack = sock.stack();
  app::Loop& loop = sock.loop();
  room->members.emplace(sock.id(), peer);
  broadcast(loop, stack, *room, sock.id(), fmt::format("* {} joined\n", peer.to_string()));
  (void)co_await sock.sendall(fmt::format("* welcome {}; {} here; say bye to leave\n", peer.to_string(),
                                          room->members.size()));
  std::string pending;
  bool clean = false;
  for (bool done = false; !done;) {
    auto data = co_await sock.recv(config.bufsize);
    if (!data || data->empty()) {
      clean = static_cast<bool>(data);
      break;
    }
    stats.bytes_in += data->size();
    pending += *data;
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line == "bye") {
        clean = done = true;
        (void)co_await sock.sendall("* bye\n");
        break;
      }
      broadcast(loop, stack, *room, sock.id(), fmt::format("{}: {}\n", peer.to_string(), line));
    }
    // What is left is a partial line; one longer than bufsize is dropped.
    if (pending.size() > config.bufsize) pending.clear();
  }
  room->members.erase(sock.id());
  broadcast(loop, stack, *room, sock.id(), fmt::format("* {} left\n", peer.to_string()));
  clean ? ++stats.closed : ++stats.errors;
  --stats.active;
  (void)sock.close();
  if (log) log(fmt::format("{}: left the chat", peer.to_string()));
}

// The accept loop every TCP service shares: bounded connections (beyond
// max_connections a new one is closed at once, counted), `start` spawns
// the task that serves one.
app::Task<SockResult<void>> serve_connections(app::Loop& loop, Stack& stack, ServiceConfig config,
                                              ServiceStats& stats, Print log, std::string_view joined,
                                              std::function<void(app::Socket, SocketAddress)> start) {
  auto l = listener(loop, stack, config);
  if (!l) co_return Unexpected<SockError>{l.error()};
  for (;;) {
    auto a = co_await l->accept();
    if (!a) {
      if (is_transient(a.error())) continue;
      co_return Unexpected<SockError>{a.error()};
    }
    if (stats.active >= config.max_connections) {
      ++stats.refused;
      (void)a->conn.close();
      continue;
    }
    ++stats.accepted;
    ++stats.active;
    if (log) log(fmt::format("{}: {}", a->addr.to_string(), joined));
    start(std::move(a->conn), a->addr);
  }
}

}  // namespace

app::Task<SockResult<void>> stream_service(app::Loop& loop, Stack& stack, EchoKind kind, ServiceConfig config,
                                           ServiceStats& stats, Print log) {
  return serve_connections(loop, stack, config, stats, log, "connected",
                           [&loop, kind, config, &stats, log](app::Socket conn, SocketAddress peer) {
                             loop.spawn(echo_connection(std::move(conn), peer, kind, config, stats, log));
                           });
}

app::Task<SockResult<void>> datagram_service(app::Loop& loop, Stack& stack, EchoKind kind,
                                             ServiceConfig config, ServiceStats& stats, Print log) {
  auto s = app::socket(loop, stack, SocketType::Datagram);
  if (!s) co_return Unexpected<SockError>{s.error()};
  (void)s->set_reuseaddr();
  if (auto b = s->bind(config.bind); !b) co_return Unexpected<SockError>{b.error()};
  for (;;) {
    auto msg = co_await s->recvfrom(config.bufsize);
    if (!msg) {
      if (is_transient(msg.error())) continue;
      co_return Unexpected<SockError>{msg.error()};
    }
    ++stats.datagrams;
    stats.bytes_in += msg->data.size();
    if (kind == EchoKind::Discard) continue;
    auto sent = co_await s->sendto(transform(kind, std::move(msg->data)), msg->addr);
    if (sent) {
      stats.bytes_out += *sent;
    } else if (log) {
      log(fmt::format("udp {}: sendto: {}", msg->addr.to_string(), app::describe(sent.error())));
    }
  }
}

app::Task<SockResult<void>> chat_room(app::Loop& loop, Stack& stack, ServiceConfig config, ServiceStats& stats,
                                      Print log) {
  auto room = std::make_shared<Room>();
  return serve_connections(loop, stack, config, stats, log, "joined the chat",
                           [&loop, room, config, &stats, log](app::Socket conn, SocketAddress peer) {
                             loop.spawn(chat_member(std::move(conn), peer, room, config, stats, log));
                           });
}

}  // namespace ws::apps
