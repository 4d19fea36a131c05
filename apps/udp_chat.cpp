#include "apps/udp_chat.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace ws::apps {

using app::Datagram;
using app::socket;
using app::Task;

namespace {

constexpr std::size_t kBufSize = 1024;  // BUFSIZE = 1024

// "KIND rest of it" → {"KIND", "rest of it"}.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  const auto sp = s.find(' ');
  if (sp == std::string_view::npos) return {s, {}};
  return {s.substr(0, sp), s.substr(sp + 1)};
}

// Is `word` one of the space-separated `words`?
bool is_one_of(std::string_view word, std::string_view words) {
  while (!words.empty()) {
    const auto [first, rest] = split_word(words);
    if (first == word) return true;
    words = rest;
  }
  return false;
}

// One client's state, shared by its coroutines. Lives in chat_client's
// frame, so it outlives every coroutine it starts.
class ChatClient {
 public:
  ChatClient(app::Loop& loop, app::Socket& sock, const ChatClientConfig& config, const Print& print,
             ChatReport& report)
      : loop_(loop), sock_(sock), config_(config), print_(print), report_(report) {}

  std::map<std::string, SocketAddress, std::less<>> qq_name_dic;

  // Sends `req` to `to` and waits for an answer from `to` whose first word
  // is one of `kinds` (space separated), resending after each timeout;
  // messages from other clients that arrive meanwhile are answered.
  // nullopt: no answer.
  Task<std::optional<std::string>> request(std::string req, SocketAddress to,
                                           std::string_view kinds) {
    for (int attempt = 0; attempt <= config_.retries; ++attempt) {
      if (attempt > 0) {
        print_(fmt::format("no answer from {}; sending again ({}/{})", to.to_string(), attempt,
                           config_.retries));
        ++report_.resends;
      }
      // udp_client_socket.sendto(msg.encode('utf-8'), qq_name_dic[qq_name])
      if (auto sent = co_await sock_.sendto(req, to); !sent) {
        print_(fmt::format("sendto {}: {}", to.to_string(), app::describe(sent.error())));
        co_return std::nullopt;
      }
      const Instant deadline = loop_.now() + config_.timeout;
      while (loop_.now() < deadline) {
        // back_msg, addr = udp_client_socket.recvfrom(BUFSIZE)
        sock_.settimeout(deadline - loop_.now());
        auto d = co_await sock_.recvfrom(kBufSize);
        if (!d) {
          if (d.error() == SockError::TimedOut) break;
          print_(fmt::format("recvfrom: {}", app::describe(d.error())));
          if (!is_transient(d.error())) co_return std::nullopt;
          continue;
        }
        if (d->addr == to && is_one_of(split_word(d->data).first, kinds)) {
          co_return std::move(d->data);
        }
        co_await answer(*d);
      }
    }
    co_return std::nullopt;
  }

  // Answers whatever arrives until `deadline` (the user is still typing).
  Task<void> serve_until(Instant deadline) {
    while (loop_.now() < deadline) {
      sock_.settimeout(deadline - loop_.now());
      auto d = co_await sock_.recvfrom(kBufSize);
      if (!d) {
        if (d.error() == SockError::TimedOut) co_return;
        print_(fmt::format("recvfrom: {}", app::describe(d.error())));
        if (!is_transient(d.error())) co_return;
        continue;
      }
      co_await answer(*d);
    }
  }

  // A datagram nobody was waiting for: a message to print and answer, or
  // a stale answer (to a request already resent) to ignore.
  Task<void> answer(const Datagram& d) {
    const auto [kind, rest] = split_word(d.data);
    const auto [from, text] = split_word(rest);
    if (kind != "MSG" || !valid_chat_name(from)) {
      print_(fmt::format("ignored {} from {}", py_bytes(d.data), d.addr.to_string()));
      co_return;
    }
    // print('来自[%s:%s]的一条消息:%s' % (addr[0], addr[1], qq_msg))
    print_(fmt::format("from {}: {}", from, text));
    ++report_.received;
    qq_name_dic.insert_or_assign(std::string(from), d.addr);  // now we know where to write back
    // back_msg = input('回复消息: ').strip()
    const std::string back_msg = config_.reply(from, text);
    print_(fmt::format("reply to {}: {}", from, back_msg));
    // udp_server_sock.sendto(back_msg.encode('utf-8'), addr)
    const std::string datagram = fmt::format("REPLY {} {}", config_.name, back_msg);
    if (auto sent = co_await sock_.sendto(datagram, d.addr); !sent) {
      print_(fmt::format("sendto {}: {}", d.addr.to_string(), app::describe(sent.error())));
    }
  }

 private:
  app::Loop& loop_;
  app::Socket& sock_;
  const ChatClientConfig& config_;
  const Print& print_;
  ChatReport& report_;
};

}  // namespace

bool valid_chat_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Task<void> chat_registry(app::Loop& loop, Stack& stack, ChatRegistryConfig config, Print print) {
  // udp_server_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
  auto server = socket(loop, stack, SocketType::Datagram);
  if (!server) {
    print(fmt::format("socket: {}", app::describe(server.error())));
    co_return;
  }
  // udp_server_sock.bind(ip_port): the one port every client knows
  if (auto r = server->bind(config.bind); !r) {
    print(fmt::format("bind {}: {}", config.bind.to_string(), app::describe(r.error())));
    co_return;
  }
  print(fmt::format("registry listening on {}", config.bind.to_string()));
  std::map<std::string, SocketAddress, std::less<>> names;
  while (true) {
    // qq_msg, addr = udp_server_sock.recvfrom(1024)
    auto msg = co_await server->recvfrom(kBufSize);
    if (!msg) {
      print(fmt::format("recvfrom: {}", app::describe(msg.error())));
      if (is_transient(msg.error())) continue;
      co_return;
    }
    const auto [cmd, arg] = split_word(msg->data);
    std::string back_msg;
    if (cmd == "REGISTER") {
      auto it = names.find(arg);
      if (!valid_chat_name(arg)) {
        back_msg = "ERROR bad name";
      } else if (it != names.end() && it->second != msg->addr) {
        back_msg = fmt::format("TAKEN {}", arg);
      } else if (it == names.end() && names.size() >= config.max_names) {
        back_msg = "ERROR registry full";
      } else {
        names.insert_or_assign(std::string(arg),
                               msg->addr);  // again from the same address: a resend
        back_msg = fmt::format("OK {}", arg);
      }
    } else if (cmd == "LOOKUP") {
      auto it = names.find(arg);
      back_msg = it == names.end() ? fmt::format("UNKNOWN {}", arg)
                                   : fmt::format("ADDR {} {}", arg, it->second.to_string());
    } else {
      back_msg = "ERROR unknown request";
    }
    print(fmt::format("{} from {}: {}", py_bytes(msg->data), msg->addr.to_string(), back_msg));
    if (auto sent = co_await server->sendto(back_msg, msg->addr); !sent) {
      print(fmt::format("sendto: {}", app::describe(sent.error())));
    }
  }
}

Task<ChatReport> chat_client(app::Loop& loop, Stack& stack, ChatClientConfig config, Print print) {
  ChatReport report;
  if (!valid_chat_name(config.name)) {
    print(fmt::format("bad name {}", py_bytes(config.name)));
    co_return report;
  }
  if (!config.reply) {
    config.reply = [name = config.name](std::string_view from, std::string_view) {
      return fmt::format("hi {}, {} here", from, name);
    };
  }
  // udp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
  auto sock = socket(loop, stack, SocketType::Datagram);
  if (!sock) {
    print(fmt::format("socket: {}", app::describe(sock.error())));
    co_return report;
  }
  ChatClient client(loop, *sock, config, print, report);

  auto reg = co_await client.request("REGISTER " + config.name, config.registry, "OK TAKEN ERROR");
  if (!reg || split_word(*reg).first != "OK") {
    print(reg ? fmt::format("registry refused: {}", *reg)
              : std::string("registry does not answer"));
    co_return report;
  }
  report.registered = true;
  print(fmt::format("registered as {}", config.name));

  for (const ChatLine& line : config.script) {
    co_await client.serve_until(loop.now() + line.after);
    // qq_name = input('请选择聊天对象: ').strip()
    const std::string& qq_name = line.to;
    // msg = input('请输入消息,回车发送,输入q结束和他的聊天: ').strip()
    const std::string& msg = line.text;
    if (msg == "q") continue;
    // if not msg or not qq_name or qq_name not in qq_name_dic: continue
    if (msg.empty() || qq_name.empty()) continue;
    if (!client.qq_name_dic.contains(qq_name)) {
      auto found = co_await client.request("LOOKUP " + qq_name, config.registry, "ADDR UNKNOWN");
      const auto [kind, rest] = split_word(found ? std::string_view(*found) : std::string_view());
      const auto addr = SocketAddress::parse(split_word(rest).second);
      if (kind != "ADDR" || !addr) {
        print(found ? fmt::format("no one is called {}", qq_name)
                    : std::string("registry does not answer"));
        ++report.failed;
        continue;
      }
      print(fmt::format("{} is at {}", qq_name, addr->to_string()));
      client.qq_name_dic.insert_or_assign(qq_name, *addr);
    }
    print(fmt::format("to {}: {}", qq_name, msg));
    const auto back = co_await client.request(fmt::format("MSG {} {}", config.name, msg),
                                              client.qq_name_dic.at(qq_name), "REPLY");
    if (!back) {
      print(fmt::format("no reply from {}; giving up", qq_name));
      ++report.failed;
      continue;
    }
    // print('来自[%s:%s]的一条消息:%s' % (addr[0], addr[1], back_msg))
    const auto [from, text] = split_word(split_word(*back).second);
    print(fmt::format("from {}: {}", from, text));
    ++report.sent;
  }
  co_await client.serve_until(loop.now() + config.linger);
  // udp_client_socket.close()
  (void)sock->close();
  co_return report;
}

}  // namespace ws::apps
