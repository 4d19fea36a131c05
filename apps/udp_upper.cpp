#include "apps/udp_upper.hpp"

#include <fmt/format.h>

namespace ws::apps {

using app::socket;
using app::Task;

namespace {

// recv(bufsize) that fails with TimedOut at `deadline` (none: wait forever).
Task<SockResult<std::string>> recv_before(app::Socket& sock, std::size_t bufsize,
                                          std::optional<Instant> deadline) {
  if (deadline) {
    const Duration left = *deadline - sock.loop().now();
    if (left <= Duration::zero()) co_return Unexpected<SockError>{SockError::TimedOut};
    sock.settimeout(left);
  }
  co_return co_await sock.recv(bufsize);
}

}  // namespace

Task<void> udp_upper_server(app::Loop& loop, Stack& stack, UpperServerConfig config, Print print) {
  // server = socket.socket(type=socket.SOCK_DGRAM)
  auto server = socket(loop, stack, SocketType::Datagram);
  if (!server) {
    print(fmt::format("socket: {}", app::describe(server.error())));
    co_return;
  }
  // server.bind(('127.0.0.1', 82))
  if (auto r = server->bind(config.bind); !r) {
    print(fmt::format("bind {}: {}", config.bind.to_string(), app::describe(r.error())));
    co_return;
  }
  // No listen, no accept: datagrams come straight in.
  print("waiting for clients to send data:");
  while (true) {
    // data, addr = server.recvfrom(1024)
    auto msg = co_await server->recvfrom(config.bufsize);
    if (!msg) {
      print(fmt::format("recvfrom: {}", app::describe(msg.error())));
      if (is_transient(msg.error())) continue;
      co_return;
    }
    print(py_bytes(msg->data));  // print(data)
    print(py_addr(msg->addr));   // print(addr)
    // server.sendto(data.upper(), addr)
    const std::string reply = upper(msg->data);
    print(fmt::format("sendto({}, {})", py_bytes(reply), py_addr(msg->addr)));
    if (auto sent = co_await server->sendto(reply, msg->addr); !sent) {
      print(fmt::format("sendto: {}", app::describe(sent.error())));
    }
  }
}

Task<ClientReport> udp_upper_client(app::Loop& loop, Stack& stack, UpperClientConfig config,
                                    Print print) {
  ClientReport report;
  // client = socket.socket(type=socket.SOCK_DGRAM)
  auto client = socket(loop, stack, SocketType::Datagram);
  if (!client) {
    print(fmt::format("socket: {}", app::describe(client.error())));
    co_return report;
  }
  client->settimeout(config.timeout);
  for (const std::string& input_data : config.inputs) {
    if (input_data == "q") break;  // seed 001 §8.2: 'q' quits
    ++report.requests;
    for (int attempt = 0;; ++attempt) {
      // client.sendto(b'sb', ('127.0.0.1', 82))
      print(fmt::format("sendto({}, {})", py_bytes(input_data), py_addr(config.server)));
      if (auto sent = co_await client->sendto(input_data, config.server); !sent) {
        print(fmt::format("sendto: {}", app::describe(sent.error())));
        ++report.failed;
        break;
      }
      // data = client.recv(1024)
      // A late reply to an earlier attempt (the request was only slow, or
      // went out twice) is not the answer to this one: skip it, within
      // the same timeout. The notes' client would print it as the answer.
      const std::optional<Instant> deadline =
          config.timeout ? std::optional(loop.now() + *config.timeout) : std::nullopt;
      auto data = co_await recv_before(*client, config.bufsize, deadline);
      while (data && *data != upper(input_data)) {
        print(fmt::format("ignored a stale reply {}", py_bytes(*data)));
        ++report.stale;
        data = co_await recv_before(*client, config.bufsize, deadline);
      }
      if (data) {
        print(py_bytes(*data));  // print(data)
        ++report.answered;
        break;
      }
      if (data.error() == SockError::TimedOut && attempt < config.retries) {
        print(fmt::format("recv: timed out; sending again ({}/{})", attempt + 1, config.retries));
        ++report.resends;
        continue;
      }
      print(fmt::format("recv: {}; giving up on {}", app::describe(data.error()),
                        py_bytes(input_data)));
      ++report.failed;
      break;
    }
  }
  // client.close()
  (void)client->close();
  co_return report;
}

}  // namespace ws::apps
