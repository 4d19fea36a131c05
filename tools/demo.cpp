// `wirestack demo`: seed 000's conversation, live. Two hosts on a simulated
// switch run the notes' TCP client and server with ordinary socket calls;
// only the ISNs are pinned (client 1000, server 8000) and the server
// announces MSS 1024 with TCP_MAXSEG, so the segments carry the notes'
// numbers: 4 = 20 bytes from 1001, 5 = ack 1021 + 10 bytes from 8001,
// 6 = ack 8011, 7–10 the four-way close.
#include <fmt/format.h>

#include <map>
#include <vector>

#include "app/sim_loop.hpp"
#include "app/socket.hpp"
#include "commands.hpp"
#include "demo_render.hpp"
#include "link/pcap.hpp"
#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::cli {

namespace {

constexpr std::uint16_t kPort = 8000;

app::Task<void> server_app(app::Loop& loop, Stack& stack, const DemoOptions& o, demo::Script& script) {
  auto server = *app::socket(loop, stack, SocketType::Stream);
  (void)server.setsockopt(SockOpt::MaxSeg, 1024);  // the server of seed 000 announces MSS 1024
  (void)server.bind({Ipv4Address::any(), kPort});
  (void)server.listen(120);
  auto conn = co_await server.accept();
  if (!conn) co_return;
  script.app("server", "accept() → a connection from " + conn->addr.to_string());
  auto data = co_await conn->conn.recv(1024);
  if (data) script.app("server", fmt::format("recv(1024) → {} bytes", data->size()));
  script.app("server", "send(10 bytes)");
  (void)co_await conn->conn.send("0123456789");  // segment 5: 10 bytes, carrying the ACK
  auto eof = co_await conn->conn.recv(1024);
  if (eof && eof->empty()) script.app("server", "recv() → \"\": the client closed its direction");
  if (o.half_close) {
    // seed 000 §四次挥手: after the client's FIN the server may still send.
    script.app("server", "send(19 bytes) after the client's FIN (half-close)");
    (void)co_await conn->conn.send("more after your FIN");
  }
  script.app("server", "close()");
  (void)conn->conn.close();
}

app::Task<void> client_app(app::Loop& loop, Stack& stack, Ipv4Address server_ip, const DemoOptions& o,
                           demo::Script& script) {
  auto client = *app::socket(loop, stack, SocketType::Stream);
  script.app("client", fmt::format("connect({}:{})", server_ip.to_string(), kPort));  // before: the SYN follows
  if (auto r = co_await client.connect({server_ip, kPort}); !r) {
    script.app("client", std::string("connect failed: ") + std::string(errno_name(r.error())));
    co_return;
  }
  script.app("client", "send(20 bytes)");
  (void)co_await client.send("twenty bytes of data");  // segment 4
  auto reply = co_await client.recv(1024);
  if (reply) script.app("client", fmt::format("recv(1024) → {} bytes; printing them takes 100 ms", reply->size()));
  // The notes' client prints the reply before closing: meanwhile its
  // delayed ACK (40 ms) goes out alone — segment 6.
  co_await app::sleep(loop, Duration::millis(100));
  if (o.half_close) {
    script.app("client", "shutdown(SHUT_WR): no more sending, still receiving");
    (void)client.shutdown(ShutdownHow::Write);
    for (;;) {
      auto more = co_await client.recv(1024);
      if (!more || more->empty()) break;
      script.app("client", fmt::format("recv(1024) → {} bytes after our FIN", more->size()));
    }
  }
  script.app("client", "close()");
  (void)client.close();
}

}  // namespace

int run_demo(const DemoOptions& o) {
  if (o.loss < 0 || o.loss >= 1) {
    fmt::print(stderr, "wirestack demo: --loss must be in [0, 1)\n");
    return 2;
  }
  sim::Simulation simulation(o.seed);
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1));
  link.loss = o.loss;
  sim::HostNode* client = nullptr;
  sim::HostNode* server = nullptr;
  Ipv4Address server_ip;
  if (o.across_router) {
    auto t = sim::build_routed(simulation, link);
    client = &t.client;
    server = &t.server;
    server_ip = sim::kRoutedServerAddr;
  } else {
    auto t = sim::build_lan(simulation, link);
    client = &t.client;
    server = &t.server;
    server_ip = sim::kLanServerAddr;
  }
  simulation.run_for(Duration::millis(50));  // the gratuitous ARPs of the addresses settle first
  // Seed 000's numbers are those of a handshake without options beyond the
  // MSS (the notes' example): the demo turns the others off for itself.
  for (auto* h : {client, server}) {
    auto& d = h->stack().tcp().defaults();
    d.window_scale = false;
    d.timestamps = false;
    d.sack = false;
  }
  if (!o.random_isn) {
    client->stack().tcp().pin_next_isn(SeqNum(1000));
    server->stack().tcp().pin_next_isn(SeqNum(8000));
  }

  demo::Script script(o.across_router, o.command.empty() ? std::string("wirestack demo") : o.command);
  script.watch(simulation, *client, "client");
  script.watch(simulation, *server, "server");
  std::optional<PcapWriter> pcap;
  if (!o.pcap_path.empty()) {
    auto w = PcapWriter::open(o.pcap_path);
    if (!w) {
      fmt::print(stderr, "wirestack demo: {}\n", w.error());
      return 1;
    }
    pcap.emplace(std::move(*w));
    // Each frame once, as its sender emitted it (lost ones included).
    simulation.add_capture(*client, 0, *pcap, sim::CaptureDir::kSent);
    simulation.add_capture(*server, 0, *pcap, sim::CaptureDir::kSent);
  }

  app::SimLoop loop(simulation);
  loop.serve(*client);
  loop.serve(*server);
  loop.spawn(server_app(loop, server->stack(), o, script));
  const auto done = loop.spawn(client_app(loop, client->stack(), server_ip, o, script));
  loop.run_until_done(done, simulation.now() + Duration::seconds(120));
  simulation.run_for(Duration::seconds(65));  // TIME-WAIT (2·MSL = 60 s) runs out

  script.print(stdout);
  if (pcap) {
    pcap->flush();
    fmt::print("capture: {} ({} frames; `tshark -r {}`)\n", o.pcap_path, pcap->frames_written(), o.pcap_path);
  }
  if (!o.svg_path.empty()) {
    if (!script.write_svg(o.svg_path)) {
      fmt::print(stderr, "wirestack demo: cannot write {}\n", o.svg_path);
      return 1;
    }
    fmt::print("sequence diagram: {} (open it in a browser)\n", o.svg_path);
  }
  if (!o.html_path.empty()) {
    if (!script.write_page(o.html_path)) {
      fmt::print(stderr, "wirestack demo: cannot write {}\n", o.html_path);
      return 1;
    }
    fmt::print("step-through page: {} (open it in a browser; works offline)\n", o.html_path);
  }
  return script.completed() ? 0 : 1;
}

}  // namespace ws::cli
