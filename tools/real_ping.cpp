// `wirestack ping`: ping(8) from wirestack over a TAP device, in real time.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "app/loop.hpp"
#include "ping_text.hpp"
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
    run.rtts.push_back(static_cast<double>(r.rtt.total_nanos()) / 1e6);
    line(ping_reply_line(r));
  }
  for (const PingError& e : host.take_ping_errors()) {
    if (e.ident != ident) continue;
    ++run.errors;
    line(ping_error_line(e));
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
  if (o.count < 0 || o.interval_s < 0.001 || o.wait_s < 0 || o.size > 65000) {
    fmt::print(stderr, "wirestack ping: invalid option (count >= 0, interval >= 0.001, wait >= 0, size <= 65000)\n");
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
  if (!h.device_error().empty()) fmt::print(stderr, "wirestack ping: {}\n", h.device_error());
  drain(h.stack().host(), run, ident);
  const auto elapsed = (h.loop().now() - start).total_millis();

  const std::string summary = ping_statistics(o.host, run.sent, run.rtts, run.errors, elapsed);
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  return run.rtts.empty() ? 1 : 0;  // ping(8): 1 when no reply came back
}

}  // namespace ws::cli
