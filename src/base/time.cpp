#include "base/time.hpp"

#include <fmt/format.h>

namespace ws {

std::string Duration::to_string() const {
  const std::int64_t n = ns_ < 0 ? -ns_ : ns_;
  const char* sign = ns_ < 0 ? "-" : "";
  if (n % 1'000'000'000 == 0) return fmt::format("{}{}s", sign, n / 1'000'000'000);
  if (n >= 1'000'000'000) return fmt::format("{}{:.3f}s", sign, static_cast<double>(n) / 1e9);
  if (n >= 1'000'000) {
    if (n % 1'000'000 == 0) return fmt::format("{}{}ms", sign, n / 1'000'000);
    return fmt::format("{}{:.3f}ms", sign, static_cast<double>(n) / 1e6);
  }
  if (n >= 1'000) {
    if (n % 1'000 == 0) return fmt::format("{}{}us", sign, n / 1'000);
    return fmt::format("{}{:.3f}us", sign, static_cast<double>(n) / 1e3);
  }
  return fmt::format("{}{}ns", sign, n);
}

std::string Instant::to_string() const {
  const std::int64_t n = ns_ < 0 ? -ns_ : ns_;
  return fmt::format("{}{}.{:06}", ns_ < 0 ? "-" : "", n / 1'000'000'000, (n % 1'000'000'000) / 1'000);
}

}  // namespace ws
