#include "apps/multiflow.hpp"

#include <fmt/format.h>
#include <vector>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "app/sim_loop.hpp"
#include "app/socket.hpp"
#include "base/rng.hpp"
#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::apps {

namespace {

constexpr std::uint16_t kPort = 5001;
constexpr std::size_t kChunk = 65536;
// Addresses from the benchmarking range (RFC 2544 appendix C): the clients
// on 198.18.0.0/16 from .1.0 on, the router's two sides, the server.
constexpr Ipv4Address kClientBase{198, 18, 1, 0};
constexpr Ipv4Address kRouterLeft{198, 18, 0, 1};
constexpr Ipv4Address kRouterRight{198, 19, 0, 1};
constexpr Ipv4Address kServer{198, 19, 0, 2};

MacAddress mac(std::uint8_t role, std::size_t index) {
  return MacAddress({0x02, 0x00, role, 0x00, static_cast<std::uint8_t>(index >> 8), static_cast<std::uint8_t>(index)});
}

// A host whose TCP scales its windows (RFC 7323) and uses SACK (RFC
// 2018) and timestamps, as a real one does, with controller `cc`; it asks
// for ECN (RFC 3168) when `ecn`, else only accepts it (the default).
sim::HostNode& add_host(sim::Simulation& s, const std::string& name, std::size_t sockets, std::size_t arp_entries,
                        bool forwarding, tcp::CcKind cc, bool ecn) {
  StackConfig sc;
  sc.host.name = name;
  sc.host.seed = s.rng().next_u64();  // each host its own stream, all from the one seed
  sc.host.forwarding = forwarding;
  sc.host.arp.max_entries = arp_entries;
  sc.max_sockets = sockets;
  sc.max_connections = std::max<std::size_t>(sc.max_connections, sockets * 2);
  auto& h = s.add_node<sim::HostNode>(std::move(sc));
  tcp::ConnectionConfig& d = h.stack().tcp().defaults();
  d.window_scale = true;
  d.sack = true;
  d.timestamps = true;
  d.cc = cc;
  if (ecn) d.ecn = tcp::EcnMode::kOn;
  return h;
}

struct Network {
  std::vector<sim::HostNode*> clients;
  sim::HostNode* router = nullptr;
  sim::HostNode* server = nullptr;
  sim::Link* bottleneck = nullptr;  // router port 1 ══ server port 0
};

Network build(sim::Simulation& s, const MultiflowConfig& c) {
  Network n;
  sim::SwitchConfig swc;
  swc.name = "sw";
  swc.ports = c.flows + 1;
  swc.table_limit = c.flows + 16;  // every station stays learned
  auto& sw = s.add_node<sim::Switch>(swc);
  sim::TopologyBuilder t(s);
  n.router = &add_host(s, "router", 16, c.flows + 16, true, c.cc, c.ecn);
  n.server = &add_host(s, "server", c.flows + 16, 16, false, c.cc, c.ecn);
  t.attach(*n.router, sw, Ipv4Cidr(kRouterLeft, 16), {}, mac(2, 0));
  for (std::size_t i = 0; i < c.flows; ++i) {
    const tcp::CcKind cc = c.flow_cc.empty() ? c.cc : c.flow_cc[i];
    sim::HostNode& h = add_host(s, fmt::format("client{}", i), 16, 16, false, cc, c.ecn);
    t.attach(h, sw, Ipv4Cidr(Ipv4Address(kClientBase.to_u32() + static_cast<std::uint32_t>(i)), 16), {}, mac(1, i));
    h.host().set_default_gateway(kRouterLeft, 0);
    n.clients.push_back(&h);
  }
  // The bottleneck: a cable straight from the router to the server.
  sim::LinkConfig neck;
  neck.delay = c.delay;
  neck.rate_bps = c.rate_bps;
  neck.queue_limit_bytes = c.queue_bytes;
  neck.aqm = c.aqm;
  neck.codel = c.codel;
  const IfIndex r1 = n.router->host().add_interface({"eth1", mac(2, 1), 1500});
  const IfIndex s0 = n.server->host().add_interface({"eth0", mac(3, 0), 1500});
  n.bottleneck = &s.connect(*n.router, r1, *n.server, s0, neck);
  n.router->host().add_address(s.now(), r1, Ipv4Cidr(kRouterRight, 24));
  n.server->host().add_address(s.now(), s0, Ipv4Cidr(kServer, 24));
  n.server->host().set_default_gateway(kRouterRight, s0);
  s.kick(*n.router);
  s.kick(*n.server);
  return n;
}

struct Run {
  const MultiflowConfig& cfg;
  std::size_t buffer;
  std::vector<FlowResult>& flows;
  app::Loop* loop = nullptr;  // set once the loop exists (it must die first: its tasks use this)
  std::uint64_t received = 0;
  std::vector<std::uint8_t> chunk;

  void size_buffers(app::Socket& s) const {
    (void)s.set_rcvbuf(static_cast<int>(buffer));
    (void)s.set_sndbuf(static_cast<int>(buffer));
  }

  app::Task<void> reader(app::Socket s, std::size_t flow) {
    std::vector<std::uint8_t> buf(kChunk);
    for (;;) {
      auto n = co_await s.recv_into(buf);
      if (!n) {
        flows[flow].error = fmt::format("server: {}", errno_name(n.error()));
        co_return;
      }
      if (*n == 0) co_return;
      flows[flow].received_bytes += *n;
      received += *n;
    }
  }

  app::Task<void> server(Stack& stack) {
    auto l = app::socket(*loop, stack, SocketType::Stream);
    if (!l) co_return;
    size_buffers(*l);  // before listen: the SYN-ACK announces the window scale
    (void)l->bind({Ipv4Address::any(), kPort});
    (void)l->listen(static_cast<int>(cfg.flows));
    for (;;) {
      auto a = co_await l->accept();
      if (!a) co_return;
      const std::uint32_t index = a->addr.ip.to_u32() - kClientBase.to_u32();
      if (index >= cfg.flows) continue;  // not one of ours: closed as it goes
      loop->spawn(reader(std::move(a->conn), index));
    }
  }

  app::Task<void> client(Stack& stack, std::size_t flow, Duration start) {
    co_await app::sleep(*loop, start);
    auto s = app::socket(*loop, stack, SocketType::Stream);
    if (!s) co_return;
    size_buffers(*s);
    if (auto r = co_await s->connect({kServer, kPort}); !r) {
      flows[flow].error = fmt::format("connect: {}", errno_name(r.error()));
      co_return;
    }
    const std::string_view data(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    for (;;) {
      auto w = co_await s->sendall(data);
      if (!w) {
        flows[flow].error = fmt::format("client: {}", errno_name(w.error()));
        co_return;
      }
    }
  }
};

}  // namespace

std::optional<std::string> validate(const MultiflowConfig& c) {
  if (c.flows < 1 || c.flows > kMaxFlows) return fmt::format("--flows {}: must be 1..{}", c.flows, kMaxFlows);
  if (!c.flow_cc.empty() && c.flow_cc.size() != c.flows) {
    return fmt::format("--mix: {} flows, but --flows {}", c.flow_cc.size(), c.flows);
  }
  if (c.rate_bps < 1000 || c.rate_bps > kMaxRateBps) {
    return fmt::format("--rate: {} bit/s is outside 0.001..{} Mbit/s", c.rate_bps, kMaxRateBps / 1'000'000);
  }
  if (c.delay < Duration::zero() || c.delay > Duration::millis(kMaxDelayMs)) {
    return fmt::format("--delay: must be 0..{} ms", kMaxDelayMs);
  }
  if (c.queue_bytes < kMinQueueBytes || c.queue_bytes > kMaxQueueBytes) {
    return fmt::format("--queue {}: must be {}..{} bytes (at least one full frame)", c.queue_bytes, kMinQueueBytes,
                       kMaxQueueBytes);
  }
  if (c.duration <= Duration::zero() || c.duration > Duration::seconds(kMaxSeconds)) {
    return fmt::format("--seconds: must be more than 0 and at most {}", kMaxSeconds);
  }
  if (c.codel.target <= Duration::zero() || c.codel.interval <= c.codel.target ||
      c.codel.interval > Duration::seconds(kMaxSeconds)) {
    return fmt::format("--codel-target, --codel-interval: need 0 < target < interval <= {} s", kMaxSeconds);
  }
  if (c.buffer != 0 && (c.buffer < kMinBuffer || c.buffer > kMaxBuffer)) {
    return fmt::format("--buffer {}: must be {}..{} bytes", c.buffer, kMinBuffer, kMaxBuffer);
  }
  return std::nullopt;
}

std::size_t default_buffer(const MultiflowConfig& c) {
  // Bytes in flight on a full path of RTT 2·delay, in integers (exact).
  const auto bdp = static_cast<std::uint64_t>(static_cast<unsigned __int128>(c.rate_bps) * 2 *
                                              static_cast<std::uint64_t>(c.delay.total_nanos()) / 8'000'000'000u);
  const std::uint64_t want = bdp + c.queue_bytes;
  const std::size_t budget = std::max<std::size_t>(64 * 1024, kBufferBudget / std::max<std::size_t>(c.flows, 1));
  const std::uint64_t capped = std::min<std::uint64_t>({want, kMaxBuffer, budget});
  return std::max<std::size_t>(64 * 1024, static_cast<std::size_t>(capped));
}

double jain_index(const std::vector<double>& x) {
  double sum = 0, squares = 0;
  for (double v : x) {
    sum += v;
    squares += v * v;
  }
  if (x.empty() || squares <= 0) return 0;
  return sum * sum / (static_cast<double>(x.size()) * squares);
}

MultiflowResult run_multiflow(const MultiflowConfig& c, const std::function<void(const MultiflowProgress&)>& progress) {
  if (auto e = validate(c)) throw std::invalid_argument(*e);
  MultiflowResult r;
  r.buffer = c.buffer != 0 ? c.buffer : default_buffer(c);
  r.flows.resize(c.flows);
  sim::Simulation s(c.seed);
  Network net = build(s, c);
  std::uint64_t neck_bytes = 0;  // whole frames that reached the server across the bottleneck
  s.add_observer(
      *net.server, 0, [&neck_bytes](Instant, Bytes frame, bool) { neck_bytes += frame.size(); },
      sim::CaptureDir::kReceived);

  Run run{c, r.buffer, r.flows, nullptr, 0, std::vector<std::uint8_t>(kChunk)};
  app::SimLoop loop(s);
  run.loop = &loop;
  loop.serve(*net.server);
  for (sim::HostNode* h : net.clients) loop.serve(*h);
  Rng data(c.seed ^ 0x6d756c7469666c6fULL);
  data.fill(run.chunk);
  const Instant start = s.now();
  loop.spawn(run.server(net.server->stack()));
  // Starts spread over the first 100 ms (or RTT if shorter), so that the
  // flows' slow starts are not in lock step.
  const Duration spread = std::max(Duration::millis(1), std::min(Duration::millis(100), c.delay * 2));
  for (std::size_t i = 0; i < c.flows; ++i) {
    const Duration at = Duration::nanos(static_cast<std::int64_t>(s.rng().below(
        static_cast<std::uint64_t>(spread.total_nanos()))));
    loop.spawn(run.client(net.clients[i]->stack(), i, at));
  }
  const Instant end = start + c.duration;
  while (s.now() < end) {
    s.run_until(std::min(end, s.now() + Duration::seconds(1)));
    if (progress) progress(MultiflowProgress{s.now(), c.duration, run.received});
  }

  r.seconds = c.duration.as_seconds();
  std::vector<double> goodputs;
  for (std::size_t i = 0; i < c.flows; ++i) {
    FlowResult& f = r.flows[i];
    f.cc = c.flow_cc.empty() ? c.cc : c.flow_cc[i];
    f.goodput = static_cast<double>(f.received_bytes) / r.seconds;
    const auto totals = net.clients[i]->stack().tcp().connection_totals();
    f.retransmitted_segments = totals.retransmitted_segments;
    r.cc_undos += totals.cc_undos;
    r.ecn_ece_received += totals.ecn_ece_received;
    r.ecn_reductions += totals.ecn_reductions;
    r.ecn_connections += totals.ecn_negotiated;
    r.aggregate_bytes += f.received_bytes;
    r.retransmitted_segments += f.retransmitted_segments;
    goodputs.push_back(f.goodput);
  }
  r.aggregate_goodput = static_cast<double>(r.aggregate_bytes) / r.seconds;
  r.jain = jain_index(goodputs);
  const sim::Dir towards_server = net.bottleneck->dir_from(*net.router, 1);
  const sim::LinkStats& ls = net.bottleneck->stats(towards_server);
  r.frames_offered = ls.sent;
  r.queue_drops = ls.queue_drops;
  r.aqm_drops = ls.aqm_drops;
  r.ce_marks = ls.ce_marks;
  r.ecn_ce_received = net.server->stack().tcp().connection_totals().ecn_ce_received;
  r.drop_rate = ls.sent == 0 ? 0 : static_cast<double>(ls.queue_drops + ls.aqm_drops) / static_cast<double>(ls.sent);
  r.bottleneck_bytes = neck_bytes;
  r.utilisation = static_cast<double>(neck_bytes) * 8 / (static_cast<double>(c.rate_bps) * r.seconds);
  return r;
}

}  // namespace ws::apps
