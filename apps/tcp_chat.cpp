#include "apps/tcp_chat.hpp"

#include <fmt/format.h>

namespace ws::apps {

using app::socket;
using app::Task;

namespace {

// One side of the conversation: its connected socket, its script and its
// prompt. The notes' two loops differ only in who speaks first.
class ChatSide {
 public:
  ChatSide(app::Socket& sock, const std::vector<std::string>& script, std::size_t& next_line,
           Duration typing, std::size_t bufsize, std::string_view prompt, const Print& print,
           TcpChatReport& report)
      : sock_(sock),
        script_(script),
        next_line_(next_line),
        typing_(typing),
        bufsize_(bufsize),
        prompt_(prompt),
        print_(print),
        report_(report) {}

  // msg = input(prompt); send(msg). False when the conversation is over:
  // we said bye, or the send failed.
  Task<bool> say() {
    if (typing_ > Duration::zero()) co_await app::sleep(sock_.loop(), typing_);
    std::string msg;
    while (msg.empty()) {
      if (next_line_ >= script_.size()) {
        msg = kChatBye;  // nothing more to type: say goodbye rather than leave
        break;
      }
      msg = script_[next_line_++];  // empty lines are skipped
    }
    print_(fmt::format("{} {}", prompt_, msg));
    if (auto sent = co_await sock_.sendall(msg); !sent) {
      print_(fmt::format("send: {}", app::describe(sent.error())));
      report_.error = sent.error();
      co_return false;
    }
    ++report_.sent;
    if (msg == kChatBye) {  // if msg == 'bye': break
      report_.said_bye = true;
      co_return false;
    }
    co_return true;
  }

  // ret = recv(1024); print(ret). One recv per line: the two sides take
  // turns, so at most one line is ever in flight (seed 004 §三 一收一发).
  // False when the conversation is over: the other side said bye, closed
  // or failed.
  Task<bool> hear() {
    auto ret = co_await sock_.recv(bufsize_);
    if (!ret) {
      print_(fmt::format("recv: {}", app::describe(ret.error())));
      report_.error = ret.error();
      co_return false;
    }
    if (ret->empty()) {
      print_("the other side closed the connection");
      co_return false;
    }
    print_(*ret);
    ++report_.received;
    if (*ret == kChatBye) {  // if ret == 'bye': break
      report_.heard_bye = true;
      co_return false;
    }
    co_return true;
  }

 private:
  app::Socket& sock_;
  const std::vector<std::string>& script_;
  std::size_t& next_line_;
  Duration typing_;
  std::size_t bufsize_;
  std::string_view prompt_;
  const Print& print_;
  TcpChatReport& report_;
};

}  // namespace

Task<TcpChatReport> tcp_chat_server(app::Loop& loop, Stack& stack, TcpChatServerConfig config,
                                    Print print) {
  TcpChatReport report;
  // sk = socket.socket()
  auto sk = socket(loop, stack, SocketType::Stream);
  if (!sk) {
    print(fmt::format("socket: {}", app::describe(sk.error())));
    report.error = sk.error();
    co_return report;
  }
  // sk.bind(('127.0.0.1', 8090))
  if (auto r = sk->bind(config.bind); !r) {
    print(fmt::format("bind {}: {}", config.bind.to_string(), app::describe(r.error())));
    report.error = r.error();
    co_return report;
  }
  // sk.listen()
  if (auto r = sk->listen(config.backlog); !r) {
    print(fmt::format("listen: {}", app::describe(r.error())));
    report.error = r.error();
    co_return report;
  }
  std::size_t next_line = 0;
  while (config.max_clients == 0 || report.conversations < config.max_clients) {
    // conn, addr = sk.accept(): waits for a client
    auto accepted = co_await sk->accept();
    if (!accepted) {
      print(fmt::format("accept: {}", app::describe(accepted.error())));
      if (is_transient(accepted.error()) || accepted.error() == SockError::ConnAborted) continue;
      break;
    }
    ++report.conversations;
    report.said_bye = report.heard_bye = false;
    report.error.reset();
    print(fmt::format("{} connected", py_addr(accepted->addr)));
    ChatSide me(accepted->conn, config.script, next_line, config.typing, config.bufsize, "server>>",
                print, report);
    // The client speaks first: hear, then answer, until a bye.
    while (true) {
      if (!co_await me.hear()) break;
      if (!co_await me.say()) break;
    }
    (void)accepted->conn.close();  // conn.close()
  }
  (void)sk->close();  // sk.close()
  co_return report;
}

Task<TcpChatReport> tcp_chat_client(app::Loop& loop, Stack& stack, TcpChatClientConfig config,
                                    Print print) {
  TcpChatReport report;
  // sk = socket.socket()
  auto sk = socket(loop, stack, SocketType::Stream);
  if (!sk) {
    print(fmt::format("socket: {}", app::describe(sk.error())));
    report.error = sk.error();
    co_return report;
  }
  // sk.connect(('127.0.0.1', 8090))
  if (auto r = co_await sk->connect(config.server); !r) {
    print(fmt::format("connect {}: {}", config.server.to_string(), app::describe(r.error())));
    report.error = r.error();
    co_return report;
  }
  report.conversations = 1;
  std::size_t next_line = 0;
  ChatSide me(*sk, config.script, next_line, config.typing, config.bufsize, "client>>>", print,
              report);
  while (true) {
    if (!co_await me.say()) break;
    if (!co_await me.hear()) break;
  }
  (void)sk->close();  // sk.close()
  co_return report;
}

}  // namespace ws::apps
