#include "apps/udp_time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace ws::apps {

using app::socket;
using app::Task;

namespace {

// ISO C and POSIX strftime conversions (what glibc and musl both define).
constexpr std::string_view kConversions = "aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
// Conversions that take the E / O modifier (POSIX).
constexpr std::string_view kEConversions = "cCxXyY";
constexpr std::string_view kOConversions = "deHImMSuUVwWy";

std::optional<std::string> check_format(std::string_view f) {
  if (f.find('\0') != std::string_view::npos) return "NUL byte in format";
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') continue;
    const std::size_t start = i;
    if (++i == f.size()) return "format ends with a lone %";
    std::string_view allowed = kConversions;
    if (f[i] == 'E' || f[i] == 'O') {
      allowed = f[i] == 'E' ? kEConversions : kOConversions;
      if (++i == f.size()) return fmt::format("format ends with {}", f.substr(start));
    }
    if (allowed.find(f[i]) == std::string_view::npos) {
      return fmt::format("unsupported directive {}", f.substr(start, i - start + 1));
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::string, std::string> format_time(std::string_view format, std::int64_t unix_seconds) {
  if (format.size() > kMaxTimeFormat) {
    return Unexpected<std::string>{fmt::format("format longer than {} bytes", kMaxTimeFormat)};
  }
  if (auto bad = check_format(format)) return Unexpected<std::string>{*bad};
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr)
    return Unexpected<std::string>{std::string("time out of range")};
  // strftime returns 0 both for "did not fit" and for an empty result; a
  // sentinel byte at the end tells them apart.
  std::string f(format);
  f += '\x01';
  std::array<char, kMaxTimeReply + 1> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), f.c_str(), &tm);
  if (n == 0 || buf[n - 1] != '\x01') {
    return Unexpected<std::string>{fmt::format("result longer than {} bytes", kMaxTimeReply)};
  }
  return std::string(buf.data(), n - 1);
}

Task<void> udp_time_server(app::Loop& loop, Stack& stack, TimeServerConfig config, Print print) {
  // tcp_server = socket(AF_INET, SOCK_DGRAM)   (the notes' name, a UDP socket)
  auto server = socket(loop, stack, SocketType::Datagram);
  if (!server) {
    print(fmt::format("socket: {}", app::describe(server.error())));
    co_return;
  }
  // tcp_server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
  (void)server->set_reuseaddr(true);
  // tcp_server.bind(ip_port)
  if (auto r = server->bind(config.bind); !r) {
    print(fmt::format("bind {}: {}", config.bind.to_string(), app::describe(r.error())));
    co_return;
  }
  while (true) {
    // msg, addr = tcp_server.recvfrom(bufsize)
    auto msg = co_await server->recvfrom(config.bufsize);
    if (!msg) {
      print(fmt::format("recvfrom: {}", app::describe(msg.error())));
      if (is_transient(msg.error())) continue;
      co_return;
    }
    print(fmt::format("===> {}", py_bytes(msg->data)));  // print('===>', msg)
    // stru_time = time.localtime(): here the virtual clock, in UTC.
    const std::int64_t unix_now = config.epoch_unix + loop.now().nanos() / 1'000'000'000;
    // if not msg: time_fmt = '%Y-%m-%d %X'  else: time_fmt = msg.decode('utf-8')
    const std::string_view time_fmt =
        msg->data.empty() ? kDefaultTimeFormat : std::string_view(msg->data);
    // back_msg = strftime(time_fmt, stru_time)
    auto formatted = format_time(time_fmt, unix_now);
    const std::string back_msg = formatted ? *formatted : "error: " + formatted.error();
    print(back_msg);  // print(back_msg, type(back_msg))
    // tcp_server.sendto(back_msg.encode('utf-8'), addr)
    if (auto sent = co_await server->sendto(back_msg, msg->addr); !sent) {
      print(fmt::format("sendto: {}", app::describe(sent.error())));
    }
  }
}

Task<ClientReport> udp_time_client(app::Loop& loop, Stack& stack, TimeClientConfig config,
                                   Print print) {
  ClientReport report;
  // tcp_client = socket(AF_INET, SOCK_DGRAM)
  auto client = socket(loop, stack, SocketType::Datagram);
  if (!client) {
    print(fmt::format("socket: {}", app::describe(client.error())));
    co_return report;
  }
  client->settimeout(config.timeout);
  for (const std::string& input : config.inputs) {
    // msg = input('请输入时间格式(例%Y %m %d)>>: ').strip()
    constexpr std::string_view kSpace = " \t\n\r\v\f";  // what str.strip() removes (ASCII)
    std::string_view msg = input;
    msg.remove_prefix(std::min(msg.size(), msg.find_first_not_of(kSpace)));
    msg.remove_suffix(msg.size() - std::min(msg.size(), msg.find_last_not_of(kSpace) + 1));
    if (msg == "q") break;
    ++report.requests;
    for (int attempt = 0;; ++attempt) {
      // tcp_client.sendto(msg.encode('utf-8'), ip_port)
      print(fmt::format("sendto({}, {})", py_bytes(msg), py_addr(config.server)));
      if (auto sent = co_await client->sendto(msg, config.server); !sent) {
        print(fmt::format("sendto: {}", app::describe(sent.error())));
        ++report.failed;
        break;
      }
      // data = tcp_client.recv(bufsize)
      auto data = co_await client->recv(config.bufsize);
      if (data) {
        print(fmt::format("current date: {}",
                          *data));  // print('当前日期:', str(data, encoding='utf-8'))
        ++report.answered;
        break;
      }
      if (data.error() == SockError::TimedOut && attempt < config.retries) {
        print(fmt::format("recv: timed out; sending again ({}/{})", attempt + 1, config.retries));
        ++report.resends;
        continue;
      }
      print(fmt::format("recv: {}; giving up on {}", app::describe(data.error()), py_bytes(msg)));
      ++report.failed;
      break;
    }
  }
  (void)client->close();
  co_return report;
}

}  // namespace ws::apps
