#include "base/log.hpp"

#include <cstdio>

namespace ws {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return "trace";
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    case LogLevel::Off: return "off";
  }
  return "?";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (auto l : {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error,
                 LogLevel::Off}) {
    if (to_string(l) == name) return l;
  }
  return std::nullopt;
}

Logger::Logger()
    : level_(LogLevel::Warn), sink_([](LogLevel l, std::string_view m) {
        std::fprintf(stderr, "[%.*s] %.*s\n", static_cast<int>(to_string(l).size()),
                     to_string(l).data(), static_cast<int>(m.size()), m.data());
      }) {}

void Logger::write(LogLevel level, std::string_view msg) const {
  if (sink_) sink_(level, msg);
}

}  // namespace ws
