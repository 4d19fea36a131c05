// `wirestack serve APP`: a service on a TAP device until SIGINT/SIGTERM.
// Prints exactly one line on stdout, "listening on ADDR:PORT", once the
// service is bound; per-connection lines go to stderr (-q: none). On a
// signal it closes its connections (FINs, answered) and exits 0.
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <ctime>

#include "apps/http.hpp"
#include "apps/services.hpp"
#include "apps/udp_time.hpp"
#include "real_net.hpp"

namespace ws::cli {

namespace {

std::uint16_t default_port(const std::string& app) {
  if (app == "echo") return 7;         // RFC 862
  if (app == "discard") return 9;      // RFC 863
  if (app == "upper") return 81;       // seed 001's TCP upper-case server
  if (app == "time") return 9000;      // seed 004's UDP time server
  if (app == "chat") return 8090;      // seed 004's chat
  return 80;                           // http
}

}  // namespace

int run_serve(const ServeOptions& o) {
  static const char* const kApps[] = {"echo", "discard", "upper", "time", "chat", "http"};
  if (std::find(std::begin(kApps), std::end(kApps), o.app) == std::end(kApps)) {
    fmt::print(stderr, "wirestack serve: unknown app '{}' (echo, discard, upper, time, chat, http DIR)\n", o.app);
    return 2;
  }
  if (o.app == "http" && o.dir.empty()) {
    fmt::print(stderr, "wirestack serve http: the directory to serve is required (wirestack serve http DIR)\n");
    return 2;
  }
  if (o.app != "http" && !o.dir.empty()) {
    fmt::print(stderr, "wirestack serve {}: unexpected argument '{}'\n", o.app, o.dir);
    return 2;
  }
  auto rh = RealHost::open(o.net);
  if (!rh) {
    fmt::print(stderr, "wirestack serve: {}\n", rh.error());
    return 2;
  }
  RealHost& h = **rh;
  auto& loop = h.loop();
  Stack& stack = h.stack();
  const std::uint16_t port = o.port != 0 ? o.port : default_port(o.app);
  const SocketAddress bind{Ipv4Address::any(), port};
  apps::Print log;
  if (!o.quiet) {
    log = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  }

  apps::ServiceConfig sc;
  sc.bind = bind;
  apps::ServiceStats stats;
  auto http_stats = std::make_shared<apps::HttpServerStats>();
  std::optional<apps::HttpServerExit> http_exit;
  std::vector<app::TaskId> tasks;
  std::vector<std::optional<SockResult<void>>> results(2);
  auto start = [&](app::Task<SockResult<void>> t, std::size_t slot) {
    tasks.push_back(loop.spawn(app::store_result(std::move(t), results[slot])));
  };
  if (o.app == "echo" || o.app == "discard" || o.app == "upper") {
    const auto kind = o.app == "echo" ? apps::EchoKind::Echo
                      : o.app == "discard" ? apps::EchoKind::Discard
                                           : apps::EchoKind::Upper;
    start(apps::stream_service(loop, stack, kind, sc, stats, log), 0);
    start(apps::datagram_service(loop, stack, kind, sc, stats, log), 1);
  } else if (o.app == "chat") {
    start(apps::chat_room(loop, stack, sc, stats, log), 0);
  } else if (o.app == "time") {
    apps::TimeServerConfig tc;
    tc.bind = bind;
    // The loop's time 0 as a calendar time: the one clock read of the
    // time server, here in the runtime layer.
    tc.epoch_unix = static_cast<std::int64_t>(std::time(nullptr)) - loop.now().nanos() / 1'000'000'000;
    tasks.push_back(loop.spawn(apps::udp_time_server(loop, stack, tc, log ? log : [](std::string_view) {})));
  } else {
    apps::HttpServerConfig hc;
    hc.port = port;
    hc.root = o.dir;
    hc.stats = http_stats;
    hc.log = log;
    tasks.push_back(loop.spawn(app::store_result(apps::http_server(loop, stack, hc), http_exit)));
  }
  // Signals are taken before anything is announced: a script that sends
  // SIGTERM right after "listening on" gets the graceful exit.
  int signo = 0;
  h.on_interrupt([&](int s) {
    signo = s;
    loop.stop();
  });
  // The services bind in their first step; a task that has already ended
  // could not (EADDRINUSE, a bad root directory...).
  loop.run_for(Duration::millis(5));
  if (signo != 0) {
    h.close_gracefully(Duration::seconds(2));
    return 0;
  }
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!loop.running(tasks[i])) {
      const auto& r = results[std::min(i, results.size() - 1)];
      std::string why = "the service ended at start";
      if (http_exit) why = http_exit->reason;
      else if (r && !*r) why = "bind " + bind.to_string() + ": " + app::describe(r->error());
      fmt::print(stderr, "wirestack serve {}: {}\n", o.app, why);
      return 1;
    }
  }
  std::printf("listening on %s:%u\n", h.address().address().to_string().c_str(), port);
  std::fflush(stdout);

  // Serve until a signal; a service that ends by itself (its socket
  // failed for good) or a failed device stops it too.
  for (const app::TaskId id : tasks) {
    loop.spawn([](runtime::RealtimeLoop& l, app::TaskId watched) -> app::Task<void> {
      while (l.running(watched)) co_await app::sleep(l, Duration::millis(200));
      l.stop();
    }(loop, id));
  }
  loop.run();
  if (!h.device_error().empty()) {
    fmt::print(stderr, "wirestack serve {}: {}\n", o.app, h.device_error());
    return 1;
  }
  if (signo == 0) {
    fmt::print(stderr, "wirestack serve {}: the service stopped\n", o.app);
    h.close_gracefully(Duration::seconds(2));
    return 1;
  }
  h.close_gracefully(Duration::seconds(2));
  if (!o.quiet) {
    fmt::print(stderr, "wirestack serve {}: {} ({}); connections {} accepted, {} refused\n", o.app,
               signo == SIGTERM ? "SIGTERM" : "SIGINT", "connections closed", stats.accepted + http_stats->connections_accepted,
               stats.refused + http_stats->connections_refused);
  }
  return 0;
}

}  // namespace ws::cli
