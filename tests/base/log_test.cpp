// Tests for the leveled Logger: filtering, level names, and lazy formatting.
#include "base/log.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ws {
namespace {

constexpr LogLevel kAllLevels[] = {LogLevel::Trace, LogLevel::Debug, LogLevel::Info,
                                   LogLevel::Warn,  LogLevel::Error, LogLevel::Off};

struct Captured {
  LogLevel level;
  std::string message;
  bool operator==(const Captured&) const = default;
};

// A logger whose sink appends to a vector.
struct Capture {
  std::vector<Captured> lines;
  Logger logger;
  explicit Capture(LogLevel level)
      : logger(level, [this](LogLevel l, std::string_view m) { lines.push_back({l, std::string(m)}); }) {}
};

// A type whose formatting is observable: each format call counts.
struct Counted {
  int* formats;
};

}  // namespace
}  // namespace ws

template <>
struct fmt::formatter<ws::Counted> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Ctx>
  auto format(const ws::Counted& c, Ctx& ctx) const {
    ++*c.formats;
    return fmt::format_to(ctx.out(), "counted");
  }
};

namespace ws {
namespace {

TEST(Log, LevelNamesRoundTrip) {
  for (const LogLevel l : kAllLevels) {
    const auto parsed = parse_log_level(to_string(l));
    ASSERT_TRUE(parsed.has_value()) << to_string(l);
    EXPECT_EQ(*parsed, l);
  }
  EXPECT_EQ(to_string(LogLevel::Trace), "trace");
  EXPECT_EQ(to_string(LogLevel::Debug), "debug");
  EXPECT_EQ(to_string(LogLevel::Info), "info");
  EXPECT_EQ(to_string(LogLevel::Warn), "warn");
  EXPECT_EQ(to_string(LogLevel::Error), "error");
  EXPECT_EQ(to_string(LogLevel::Off), "off");
}

TEST(Log, ParseRejectsUnknownNames) {
  for (const char* name : {"", "warning", "inf", "info ", " info", "fatal", "all", "3"}) {
    EXPECT_FALSE(parse_log_level(name).has_value()) << '"' << name << '"';
  }
}

TEST(Log, LevelsAreOrdered) {
  EXPECT_LT(LogLevel::Trace, LogLevel::Debug);
  EXPECT_LT(LogLevel::Debug, LogLevel::Info);
  EXPECT_LT(LogLevel::Info, LogLevel::Warn);
  EXPECT_LT(LogLevel::Warn, LogLevel::Error);
  EXPECT_LT(LogLevel::Error, LogLevel::Off);
}

TEST(Log, FiltersBelowTheLevel) {
  Capture c(LogLevel::Info);
  c.logger.debug("hidden {}", 1);
  c.logger.log(LogLevel::Trace, "hidden {}", 2);
  c.logger.info("shown {}", 3);
  c.logger.warn("shown {} {}", 4, "four");
  c.logger.log(LogLevel::Error, "shown {:#x}", 5);
  const std::vector<Captured> expected = {
      {LogLevel::Info, "shown 3"},
      {LogLevel::Warn, "shown 4 four"},
      {LogLevel::Error, "shown 0x5"},
  };
  EXPECT_EQ(c.lines, expected);
}

TEST(Log, EnabledMatrix) {
  for (const LogLevel threshold : kAllLevels) {
    const Logger logger(threshold, nullptr);
    for (const LogLevel msg : {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn,
                               LogLevel::Error}) {
      const bool expected = threshold != LogLevel::Off && msg >= threshold;
      EXPECT_EQ(logger.enabled(msg), expected)
          << "threshold " << to_string(threshold) << " message " << to_string(msg);
    }
  }
}

TEST(Log, TraceShowsEverythingOffShowsNothing) {
  Capture all(LogLevel::Trace);
  all.logger.log(LogLevel::Trace, "t");
  all.logger.debug("d");
  all.logger.info("i");
  all.logger.warn("w");
  all.logger.log(LogLevel::Error, "e");
  ASSERT_EQ(all.lines.size(), 5u);
  EXPECT_EQ(all.lines[0], (Captured{LogLevel::Trace, "t"}));
  EXPECT_EQ(all.lines[4], (Captured{LogLevel::Error, "e"}));

  Capture none(LogLevel::Off);
  none.logger.log(LogLevel::Trace, "t");
  none.logger.info("i");
  none.logger.warn("w");
  none.logger.log(LogLevel::Error, "e");
  EXPECT_TRUE(none.lines.empty());
}

TEST(Log, SetLevelTakesEffect) {
  Capture c(LogLevel::Error);
  c.logger.warn("dropped");
  EXPECT_TRUE(c.lines.empty());
  c.logger.set_level(LogLevel::Debug);
  EXPECT_EQ(c.logger.level(), LogLevel::Debug);
  c.logger.debug("kept");
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].message, "kept");
  c.logger.set_level(LogLevel::Off);
  c.logger.log(LogLevel::Error, "dropped");
  EXPECT_EQ(c.lines.size(), 1u);
}

TEST(Log, SetSinkRedirects) {
  Capture c(LogLevel::Info);
  std::vector<std::string> other;
  c.logger.info("first");
  c.logger.set_sink([&other](LogLevel, std::string_view m) { other.emplace_back(m); });
  c.logger.info("second");
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].message, "first");
  EXPECT_EQ(other, (std::vector<std::string>{"second"}));
}

TEST(Log, NullSinkIsHarmless) {
  Logger logger(LogLevel::Trace, nullptr);
  logger.warn("nowhere {}", 1);  // must not crash
  SUCCEED();
}

TEST(Log, DefaultLoggerIsAtWarn) {
  const Logger logger;
  EXPECT_EQ(logger.level(), LogLevel::Warn);
  EXPECT_FALSE(logger.enabled(LogLevel::Info));
  EXPECT_TRUE(logger.enabled(LogLevel::Warn));
}

TEST(Log, FormattingIsSkippedWhenDisabled) {
  int formats = 0;
  Capture c(LogLevel::Warn);
  c.logger.debug("{}", Counted{&formats});
  c.logger.info("{} {}", Counted{&formats}, Counted{&formats});
  c.logger.log(LogLevel::Trace, "{}", Counted{&formats});
  EXPECT_EQ(formats, 0);
  EXPECT_TRUE(c.lines.empty());

  c.logger.warn("{} and {}", Counted{&formats}, Counted{&formats});
  EXPECT_EQ(formats, 2);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0], (Captured{LogLevel::Warn, "counted and counted"}));
}

TEST(Log, SeparateLoggersAreIndependent) {
  Capture a(LogLevel::Debug);
  Capture b(LogLevel::Error);
  a.logger.info("a");
  b.logger.info("b");
  EXPECT_EQ(a.lines.size(), 1u);
  EXPECT_TRUE(b.lines.empty());
}

}  // namespace
}  // namespace ws
