// Leveled logging without hidden global state (docs/principles.md "Logging without hidden state"): each Host or
// driver owns a Logger; several stacks in one process log independently.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ws {

enum class LogLevel : std::uint8_t { Trace, Debug, Info, Warn, Error, Off };

std::string_view to_string(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view name);

class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view)>;

  // Default: level Warn, lines to stderr.
  Logger();
  Logger(LogLevel level, Sink sink) : level_(level), sink_(std::move(sink)) {}

  LogLevel level() const { return level_; }
  void set_level(LogLevel level) { level_ = level; }
  void set_sink(Sink sink) { sink_ = std::move(sink); }
  bool enabled(LogLevel level) const { return level >= level_ && level_ != LogLevel::Off; }

  // Formatting happens only when the level is enabled.
  template <class... Args>
  void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
    if (!enabled(level)) return;
    write(level, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void debug(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Debug, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Info, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Warn, f, std::forward<Args>(args)...);
  }

 private:
  void write(LogLevel level, std::string_view msg) const;
  LogLevel level_;
  Sink sink_;
};

}  // namespace ws
