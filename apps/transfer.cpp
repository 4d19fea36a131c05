#include "apps/transfer.hpp"

#include <fmt/format.h>

#include <vector>

#include "app/sim_loop.hpp"
#include "app/socket.hpp"
#include "base/rng.hpp"
#include "base/sha256.hpp"
#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::apps {

namespace {

constexpr std::uint16_t kPort = 5001;
constexpr std::size_t kChunk = 16384;

struct Side {
  std::optional<SockError> error;
};

// Writes `bytes` pseudo-random bytes (a stream of its own seed), hashing them.
app::Task<void> writer(app::Socket& s, std::uint64_t bytes, std::uint64_t seed, StreamResult& r, Side& side) {
  Rng rng(seed);
  Sha256 sha;
  std::vector<std::uint8_t> chunk(kChunk);
  std::uint64_t left = bytes;
  while (left > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
    rng.fill(std::span(chunk.data(), n));
    sha.update(Bytes(chunk.data(), n));
    auto w = co_await s.sendall(std::string_view(reinterpret_cast<const char*>(chunk.data()), n));
    if (!w) {
      side.error = w.error();
      co_return;
    }
    r.sent += n;
    left -= n;
  }
  r.sent_sha256 = sha.hex();
  (void)s.shutdown(ShutdownHow::Write);  // FIN after all of it
}

// Reads until end of stream, hashing; sets `done` at the end (it runs as a
// task of its own, beside the writer on the same socket).
app::Task<void> reader(app::Loop& loop, Instant start, app::Socket& s, StreamResult& r, Side& side,
                       std::uint64_t& progress, bool& done) {
  Sha256 sha;
  std::vector<std::uint8_t> buf(65536);
  for (;;) {
    auto n = co_await s.recv_into(buf);
    if (!n) {
      side.error = n.error();
      done = true;
      co_return;
    }
    if (*n == 0) break;
    sha.update(Bytes(buf.data(), *n));
    r.received += *n;
    r.last_byte_at = loop.now() - start;
    progress += *n;
  }
  r.received_sha256 = sha.hex();
  done = true;
}

// Until `flag` is set (a task running beside this one finished).
app::Task<void> wait_for(app::Loop& loop, const bool& flag) {
  while (!flag) co_await app::sleep(loop, Duration::millis(1));
}

struct Run {
  const TransferConfig& cfg;
  app::Loop& loop;
  Stack& client;
  Stack& server;
  Ipv4Address server_ip;
  StreamResult up, down;
  Side client_side, server_side;
  std::uint64_t progress = 0;
  bool client_done = false, server_done = false;
  Instant start;  // when the run began

  bool sends_up() const { return cfg.direction != TransferDirection::Down; }
  // Buffers, and keepalive so that a side left waiting when its peer gave
  // up (ETIMEDOUT, no RST on the wire) ends too, instead of waiting forever.
  void configure(app::Socket& s) const {
    (void)s.set_rcvbuf(static_cast<int>(cfg.buffer));
    (void)s.set_sndbuf(static_cast<int>(cfg.buffer));
    // Not when neither side may give up (user timeout 0): a receiver whose
    // sender is in a long RTO backoff would end the connection itself.
    const bool never_give_up = cfg.user_timeout && *cfg.user_timeout == Duration{};
    (void)s.setsockopt(SockOpt::KeepAlive, never_give_up ? 0 : 1);
    (void)s.setsockopt(SockOpt::KeepIdle, 60);
    (void)s.setsockopt(SockOpt::KeepIntvl, 10);
    (void)s.setsockopt(SockOpt::KeepCnt, 6);
  }
  bool sends_down() const { return cfg.direction != TransferDirection::Up; }

  app::Task<void> server_task() {
    auto l = app::socket(loop, server, SocketType::Stream);
    if (!l) co_return;
    configure(*l);
    (void)l->bind({Ipv4Address::any(), kPort});
    (void)l->listen(1);
    auto a = co_await l->accept();
    if (!a) {
      server_side.error = a.error();
      co_return;
    }
    bool read_done = false;
    if (sends_up()) loop.spawn(reader(loop, start, a->conn, up, server_side, progress, read_done));
    if (sends_down()) co_await writer(a->conn, cfg.bytes, cfg.seed * 2 + 1, down, server_side);
    if (sends_up()) {
      co_await wait_for(loop, read_done);
    } else {
      co_await drain(a->conn, server_side);
    }
    (void)a->conn.close();
    server_done = true;
  }

  app::Task<void> client_task() {
    auto s = app::socket(loop, client, SocketType::Stream);
    if (!s) co_return;
    configure(*s);
    if (auto c = co_await s->connect({server_ip, kPort}); !c) {
      client_side.error = c.error();
      co_return;
    }
    bool read_done = false;
    if (sends_down()) loop.spawn(reader(loop, start, *s, down, client_side, progress, read_done));
    if (sends_up()) co_await writer(*s, cfg.bytes, cfg.seed * 2, up, client_side);
    if (sends_down()) {
      co_await wait_for(loop, read_done);
    } else {
      co_await drain(*s, client_side);
    }
    (void)s->close();
    client_done = true;
  }

  // The side that only sends waits for the other's FIN before closing, so
  // close() never meets unread data (which would reset the connection).
  static app::Task<void> drain(app::Socket& s, Side& side) {
    for (;;) {
      auto d = co_await s.recv(4096);
      if (!d) {
        side.error = d.error();
        co_return;
      }
      if (d->empty()) co_return;
    }
  }
};

}  // namespace

double TransferResult::goodput_to_last_byte() const {
  const Duration last = std::max(up ? up->last_byte_at : Duration{}, down ? down->last_byte_at : Duration{});
  const double secs = last.as_seconds();
  if (secs <= 0) return 0;
  const double bytes = static_cast<double>((up ? up->received : 0) + (down ? down->received : 0));
  return bytes / secs;
}

double TransferResult::goodput() const {
  const double secs = virtual_time.as_seconds();
  if (secs <= 0) return 0;
  const double bytes = static_cast<double>((up ? up->received : 0) + (down ? down->received : 0));
  return bytes / secs;
}

TransferResult run_transfer(const TransferConfig& cfg, const std::function<void(const TransferProgress&)>& progress) {
  sim::Simulation simulation(cfg.seed);
  sim::HostNode* client = nullptr;
  sim::HostNode* server = nullptr;
  Ipv4Address server_ip;
  sim::LinkConfig ideal;
  ideal.mtu = cfg.link.mtu;
  if (cfg.across_router) {
    auto t = sim::build_routed(simulation, ideal);
    client = &t.client;
    server = &t.server;
    server_ip = sim::kRoutedServerAddr;
  } else {
    auto t = sim::build_lan(simulation, ideal);
    client = &t.client;
    server = &t.server;
    server_ip = sim::kLanServerAddr;
  }
  simulation.link_at(*client, 0)->set_config(cfg.link);
  if (cfg.capture != nullptr) simulation.add_capture(*client, 0, *cfg.capture);
  if (cfg.server_capture != nullptr) simulation.add_capture(*server, 0, *cfg.server_capture);
  for (sim::HostNode* h : {client, server}) {
    tcp::ConnectionConfig& d = h->stack().tcp().defaults();
    if (cfg.sack) d.sack = *cfg.sack;
    if (cfg.timestamps) d.timestamps = *cfg.timestamps;
    if (cfg.pacing) d.pacing = *cfg.pacing;
    if (cfg.cc) d.cc = *cfg.cc;
    if (cfg.ecn) d.ecn = *cfg.ecn;
    if (cfg.user_timeout) {
      d.user_timeout = *cfg.user_timeout;
      if (*cfg.user_timeout == Duration{}) d.max_retransmits = 0;  // never give up
    }
  }
  app::SimLoop loop(simulation);
  loop.serve(*client);
  loop.serve(*server);
  const Instant start = simulation.now();
  Run run{cfg, loop, client->stack(), server->stack(), server_ip, {}, {}, {}, {}, 0, false, false, start};
  const auto s_id = loop.spawn(run.server_task());
  const auto c_id = loop.spawn(run.client_task());
  const Instant limit = start + cfg.time_limit;
  const std::uint64_t total = cfg.bytes * (cfg.direction == TransferDirection::Both ? 2 : 1);
  while (simulation.now() < limit && !(run.client_done && run.server_done) &&
         !(run.client_side.error && run.server_side.error)) {
    const Instant step_end = std::min(limit, simulation.now() + Duration::seconds(1));
    if (loop.run_until_all_done({s_id, c_id}, step_end)) break;
    simulation.run_until(step_end);  // nothing due before then: move the clock on
    if (progress) progress(TransferProgress{run.progress, total, simulation.now()});
    if (run.client_side.error || run.server_side.error) {
      // One side failed: let the other notice (RST, timeout) before stopping.
      const Instant grace = std::min(limit, simulation.now() + Duration::seconds(300));
      if (!loop.run_until_all_done({s_id, c_id}, grace)) simulation.run_until(grace);
      break;
    }
  }
  TransferResult r;
  r.virtual_time = simulation.now() - start;
  if (run.sends_up()) r.up = run.up;
  if (run.sends_down()) r.down = run.down;
  r.client_error = run.client_side.error;
  r.server_error = run.server_side.error;
  const auto totals_c = client->stack().tcp().connection_totals();
  const auto totals_s = server->stack().tcp().connection_totals();
  r.retransmitted_segments = totals_c.retransmitted_segments + totals_s.retransmitted_segments;
  r.rto_expiries = totals_c.rto_expiries + totals_s.rto_expiries;
  r.client_stats = totals_c;
  r.server_stats = totals_s;
  const bool streams_ok = (!r.up || r.up->complete()) && (!r.down || r.down->complete());
  r.ok = streams_ok && !r.client_error && !r.server_error;
  if (!r.ok) {
    if (r.client_error || r.server_error) {
      const SockError e = r.client_error ? *r.client_error : *r.server_error;
      r.reason = fmt::format("{} ({}) after {} retransmissions", errno_name(e), r.client_error ? "client" : "server",
                             r.retransmitted_segments);
    } else if (simulation.now() >= limit) {
      r.reason = fmt::format("not finished within the {} s virtual-time bound", cfg.time_limit.total_millis() / 1000);
    } else {
      r.reason = "received data differs from what was sent";
    }
  }
  return r;
}

}  // namespace ws::apps
