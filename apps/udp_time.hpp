// Seed 004 §11: a UDP time server. A request is a strftime format ("%Y"),
// empty meaning "%Y-%m-%d %X"; the reply is the time in that format.
//
// Time is the loop's, so in the simulator it is the virtual clock:
// virtual time 0 is `epoch_unix` (default 2026-01-01 00:00:00 UTC) and the
// server formats epoch_unix + whole seconds of Loop::now() with gmtime_r
// and strftime — a conversion, not a clock read. The notes use
// localtime(); UTC keeps runs identical on every machine. strftime runs in
// the process's locale, "C" unless the program called setlocale().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/socket.hpp"
#include "apps/common.hpp"
#include "apps/udp_upper.hpp"
#include "base/result.hpp"

namespace ws::apps {

inline constexpr std::int64_t kDefaultEpochUnix = 1767225600;  // 2026-01-01T00:00:00Z
inline constexpr std::string_view kDefaultTimeFormat = "%Y-%m-%d %X";
inline constexpr std::size_t kMaxTimeFormat = 256;  // longer requests are refused
inline constexpr std::size_t kMaxTimeReply = 1024;  // the client's recv(1024)

// strftime(format, gmtime(unix_seconds)), or why not ("format too long",
// "unsupported directive %Q", "result longer than 1024 bytes"). Only the
// C/POSIX conversions (with optional E/O modifier) are accepted: anything
// else is undefined behaviour for strftime, and the format comes off the
// network.
Result<std::string, std::string> format_time(std::string_view format, std::int64_t unix_seconds);

struct TimeServerConfig {
  SocketAddress bind{Ipv4Address::any(), 9000};  // ip_port = ('127.0.0.1', 9000)
  std::int64_t epoch_unix = kDefaultEpochUnix;   // what virtual time 0 is
  std::size_t bufsize = 1024;
};

// Runs until cancelled. Bad formats get a reply starting "error: ".
app::Task<void> udp_time_server(app::Loop& loop, Stack& stack, TimeServerConfig config,
                                Print print);

struct TimeClientConfig {
  SocketAddress server{};
  std::vector<std::string> inputs{""};  // formats typed at the prompt (stripped); "q" quits
  std::optional<Duration> timeout = Duration::seconds(1);
  int retries = 3;
  std::size_t bufsize = 1024;
};

app::Task<ClientReport> udp_time_client(app::Loop& loop, Stack& stack, TimeClientConfig config,
                                        Print print);

}  // namespace ws::apps
