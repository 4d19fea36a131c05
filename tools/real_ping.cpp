// `wirestack ping`: ping(8) from wirestack over a TAP device, in real time.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/loop.hpp"
#include "real_net.hpp"

namespace ws::cli {

namespace {

void line(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

struct PingRun {
  int sent = 0;
  std::vector<double> rtts;
  int errors = 0;
  bool interrupted = false;
};

void drain(Host& host, PingRun& run, std::uint16_t ident) {
  for (const PingReply& r : host.take_ping_replies()) {
    if (r.ident != ident) continue;
    const double ms = static_cast<double>(r.rtt.total_nanos()) / 1e6;
    run.rtts.push_back(ms);
    line(fmt::format("{} bytes from {}: icmp_seq={} ttl={} time={:.3f} ms", r.bytes, r.from.to_string(), r.seq,
                     r.ttl, ms));
  }
  for (const PingError& e : host.take_ping_errors()) {
    if (e.ident != ident) continue;
    ++run.errors;
    const char* what = e.type == IcmpType::TimeExceeded ? "Time to live exceeded"
                       : e.code == icmp_unreach::kHost  ? "Destination Host Unreachable"
                       : e.code == icmp_unreach::kNet   ? "Destination Net Unreachable"
                                                        : "Destination Unreachable";
    line(fmt::format("From {} icmp_seq={} {}", e.from.to_string(), e.seq, what));
  }
}

app::Task<void> pinger(RealHost& rh, const PingOptions& o, Ipv4Address dst, std::uint16_t ident, PingRun& run) {
  app::Loop& loop = rh.loop();
  Host& host = rh.stack().host();
  const Duration interval = Duration::micros(static_cast<std::int64_t>(o.interval_s * 1e6));
  const Duration tick = Duration::millis(1);
  const Instant start = loop.now();
  for (int i = 0; o.count == 0 || i < o.count; ++i) {
    const auto seq = static_cast<std::uint16_t>(i + 1);
    auto r = host.send_ping(loop.now(), dst, ident, seq, o.size);
    loop.wake(rh.stack());
    if (!r) {
      line(fmt::format("ping: sendmsg: {}", to_string(r.error())));
    } else {
      ++run.sent;
    }
    if (o.count != 0 && i + 1 == o.count) break;
    const Instant next = start + interval * (i + 1);
    while (loop.now() < next) {
      co_await app::sleep_until(loop, std::min(next, loop.now() + tick));
      drain(host, run, ident);
    }
  }
  // The last reply: until every request is answered or -W passes.
  const Instant end = app::deadline_after(loop.now(), Duration::micros(static_cast<std::int64_t>(o.wait_s * 1e6)));
  while (loop.now() < end && static_cast<int>(run.rtts.size()) + run.errors < run.sent) {
    co_await app::sleep_until(loop, std::min(end, loop.now() + tick));
    drain(host, run, ident);
  }
  drain(host, run, ident);
}

}  // namespace

int run_ping(const PingOptions& o) {
  const auto dst = Ipv4Address::parse(o.host);
  if (!dst) {
    fmt::print(stderr, "wirestack ping: {}: not an IPv4 address (names are not resolved)\n", o.host);
    return 2;
  }
  if (o.count < 0 || o.interval_s <= 0 || o.wait_s < 0 || o.size > 65000) {
    fmt::print(stderr, "wirestack ping: invalid option (count >= 0, interval > 0, wait >= 0, size <= 65000)\n");
    return 2;
  }
  auto rh = RealHost::open(o.net);
  if (!rh) {
    fmt::print(stderr, "wirestack ping: {}\n", rh.error());
    return 2;
  }
  RealHost& h = **rh;
  PingRun run;
  const auto ident = static_cast<std::uint16_t>(::getpid());
  line(fmt::format("PING {} ({}) {}({}) bytes of data.", o.host, o.host, o.size, o.size + 28));
  const Instant start = h.loop().now();
  const app::TaskId id = h.loop().spawn(pinger(h, o, *dst, ident, run));
  h.on_interrupt([&](int) {
    run.interrupted = true;
    h.loop().stop();
  });
  h.loop().run_until_done(id);
  drain(h.stack().host(), run, ident);
  const auto elapsed = (h.loop().now() - start).total_millis();

  const int received = static_cast<int>(run.rtts.size());
  const double loss_pct = run.sent == 0 ? 100.0 : 100.0 * (run.sent - received) / run.sent;
  std::string summary = fmt::format("\n--- {} ping statistics ---\n", o.host);
  summary += fmt::format("{} packets transmitted, {} received, {}{:.0f}% packet loss, time {}ms\n", run.sent,
                         received, run.errors > 0 ? fmt::format("+{} errors, ", run.errors) : "", loss_pct,
                         elapsed);
  if (!run.rtts.empty()) {
    const double min = *std::min_element(run.rtts.begin(), run.rtts.end());
    const double max = *std::max_element(run.rtts.begin(), run.rtts.end());
    double sum = 0, sq = 0;
    for (double r : run.rtts) {
      sum += r;
      sq += r * r;
    }
    const double avg = sum / received;
    const double mdev = std::sqrt(std::max(0.0, sq / received - avg * avg));
    summary += fmt::format("rtt min/avg/max/mdev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms\n", min, avg, max, mdev);
  }
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  return received > 0 ? 0 : 1;  // ping(8): 1 when no reply came back
}

}  // namespace ws::cli
