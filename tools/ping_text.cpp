#include "ping_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ws::cli {

std::string ping_reply_line(const PingReply& r) {
  const double ms = static_cast<double>(r.rtt.total_nanos()) / 1e6;
  return fmt::format("{} bytes from {}: icmp_seq={} ttl={} time={:.3f} ms", r.bytes, r.from.to_string(), r.seq,
                     r.ttl, ms);
}

std::string ping_error_line(const PingError& e) {
  const char* what = e.type == IcmpType::TimeExceeded ? "Time to live exceeded"
                     : e.code == icmp_unreach::kHost  ? "Destination Host Unreachable"
                     : e.code == icmp_unreach::kNet   ? "Destination Net Unreachable"
                                                      : "Destination Unreachable";
  return fmt::format("From {} icmp_seq={} {}", e.from.to_string(), e.seq, what);
}

std::string ping_statistics(const std::string& host, int sent, const std::vector<double>& rtts_ms, int errors,
                            std::int64_t elapsed_ms) {
  const int received = static_cast<int>(rtts_ms.size());
  const double loss_pct = sent == 0 ? 100.0 : 100.0 * (sent - received) / sent;
  std::string out = fmt::format("\n--- {} ping statistics ---\n", host);
  out += fmt::format("{} packets transmitted, {} received, {}{:.0f}% packet loss, time {}ms\n", sent, received,
                     errors > 0 ? fmt::format("+{} errors, ", errors) : "", loss_pct, elapsed_ms);
  if (!rtts_ms.empty()) {
    const double min = *std::min_element(rtts_ms.begin(), rtts_ms.end());
    const double max = *std::max_element(rtts_ms.begin(), rtts_ms.end());
    double sum = 0, sq = 0;
    for (double r : rtts_ms) {
      sum += r;
      sq += r * r;
    }
    const double avg = sum / received;
    const double mdev = std::sqrt(std::max(0.0, sq / received - avg * avg));
    out += fmt::format("rtt min/avg/max/mdev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms\n", min, avg, max, mdev);
  }
  return out;
}

}  // namespace ws::cli
