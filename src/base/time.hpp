// Instant and Duration: time as a value (docs/principles.md "Time is a value").
// Nothing here reads a clock; drivers (simulator, real-time loop) create
// Instants from their own clocks and pass them in.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace ws {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration nanos(std::int64_t n) { return Duration(n); }
  static constexpr Duration micros(std::int64_t us) { return Duration(us * 1'000); }
  static constexpr Duration millis(std::int64_t ms) { return Duration(ms * 1'000'000); }
  static constexpr Duration seconds(std::int64_t s) { return Duration(s * 1'000'000'000); }
  static constexpr Duration zero() { return Duration(0); }
  static constexpr Duration max() { return Duration(INT64_MAX); }

  constexpr std::int64_t total_nanos() const { return ns_; }
  constexpr std::int64_t total_micros() const { return ns_ / 1'000; }
  constexpr std::int64_t total_millis() const { return ns_ / 1'000'000; }
  constexpr double as_seconds() const { return static_cast<double>(ns_) / 1e9; }

  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(std::int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(std::int64_t k) const { return Duration(ns_ / k); }
  constexpr Duration& operator+=(Duration o) {
    ns_ += o.ns_;
    return *this;
  }
  constexpr Duration& operator-=(Duration o) {
    ns_ -= o.ns_;
    return *this;
  }
  constexpr auto operator<=>(const Duration&) const = default;

  // "1.500ms", "2s", "350us": the shortest exact-enough human form.
  std::string to_string() const;

 private:
  constexpr explicit Duration(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

// A point in time: nanoseconds since an epoch chosen by the driver (the
// simulator starts at zero; the real-time runtime uses CLOCK_MONOTONIC).
class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant from_nanos(std::int64_t ns) { return Instant(ns); }
  static constexpr Instant zero() { return Instant(0); }
  // "Never": the deadline of a timer that is not armed.
  static constexpr Instant never() { return Instant(INT64_MAX); }

  constexpr std::int64_t nanos() const { return ns_; }
  constexpr Instant operator+(Duration d) const { return Instant(ns_ + d.total_nanos()); }
  constexpr Instant operator-(Duration d) const { return Instant(ns_ - d.total_nanos()); }
  constexpr Duration operator-(Instant o) const { return Duration::nanos(ns_ - o.ns_); }
  constexpr Instant& operator+=(Duration d) {
    ns_ += d.total_nanos();
    return *this;
  }
  constexpr auto operator<=>(const Instant&) const = default;

  std::string to_string() const;  // seconds with microseconds, "12.000345"

 private:
  constexpr explicit Instant(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

}  // namespace ws
