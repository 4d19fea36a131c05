// The seed TCP programs on the simulator, part 1: the upper-case server's
// connection and communication loops (seed 001 §7–8: a FIN ends a client,
// an RST is reported and the next client served, the busy line of seed
// 004 §8, keepalive for a client that vanished) and the welcome server's
// task per connection with three clients at once (seed 003); under loss
// TCP hides the losses: the same transcript. Part 2 (file, chat) is
// tcp_apps_file_chat_test.cpp.
#include <gtest/gtest.h>

#include "apps/tcp_upper.hpp"
#include "apps/tcp_welcome.hpp"
#include "tcp_world.hpp"

namespace ws::apps {
namespace {

using namespace tcp_testing;  // NOLINT(google-build-using-namespace): test helpers

// ---- seed 001 §7–8: upper-case echo, connection loop + communication loop ----

TEST(TcpUpperEcho, GracefulCloseEndsTheCommunicationLoop) {
  World w(1);
  Transcript t;
  const SocketAddress server{w.server_ip(), 81};
  std::optional<TcpUpperServerReport> served;
  std::optional<TcpClientReport> report;
  w.loop.spawn(
      app::store_result(tcp_upper_server(w.loop, w.server->stack(),
                                         {.bind = server, .max_clients = 1}, t.printer("server")),
                        served));
  w.loop.spawn(app::delayed(
      w.loop, ms(100),
      app::store_result(
          tcp_upper_client(w.loop, w.client(),
                           {.server = server, .inputs = {"sb", "hello world", "q", "never"}},
                           t.printer("client")),
          report)));
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10))) << t.dump();
  EXPECT_EQ(*report, (TcpClientReport{.connected = true, .sent = 2, .answered = 2})) << t.dump();
  EXPECT_EQ(*served, (TcpUpperServerReport{.clients = 1, .closed = 1, .echoed = 13})) << t.dump();
  EXPECT_EQ(t.of("client"),
            (Lines{"send(b'sb')", "SB", "send(b'hello world')", "HELLO WORLD", "close()"}))
      << t.dump();
  EXPECT_EQ(
      without_ports(t.of("server")),
      (Lines{"waiting for clients to connect",
             "<socket.socket fd=2, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, "
             "proto=0, laddr=('192.0.2.20', 81), raddr=('192.0.2.10', *)>",
             "client address: ('192.0.2.10', *)", "sb", "send(b'SB')", "hello world",
             "send(b'HELLO WORLD')", "the client closed the connection (recv returned b'')"}))
      << t.dump();
}

TEST(TcpUpperEcho, AnAbruptClientIsReportedAndTheNextOneServed) {
  // Client 1 leaves with an RST (SO_LINGER 0): the server's recv fails
  // with ECONNRESET, it prints the error and goes back to accept(), where
  // client 2 — which closes gracefully — is served.
  World w(2, 2);
  Transcript t;
  const SocketAddress server{w.server_ip(), 81};
  std::optional<TcpUpperServerReport> served;
  std::optional<TcpClientReport> first, second;
  w.loop.spawn(
      app::store_result(tcp_upper_server(w.loop, w.server->stack(),
                                         {.bind = server, .max_clients = 2}, t.printer("server")),
                        served));
  w.loop.spawn(app::delayed(
      w.loop, ms(100),
      app::store_result(tcp_upper_client(w.loop, w.client(0),
                                         {.server = server, .inputs = {"abc"}, .reset = true},
                                         t.printer("client1")),
                        first)));
  w.loop.spawn(app::delayed(
      w.loop, ms(500),
      app::store_result(tcp_upper_client(w.loop, w.client(1), {.server = server, .inputs = {"xyz"}},
                                         t.printer("client2")),
                        second)));
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10))) << t.dump();
  EXPECT_EQ(*first, (TcpClientReport{.connected = true, .sent = 1, .answered = 1}));
  EXPECT_EQ(*second, (TcpClientReport{.connected = true, .sent = 1, .answered = 1}));
  EXPECT_EQ(*served, (TcpUpperServerReport{.clients = 2, .closed = 1, .errors = 1, .echoed = 6}));
  EXPECT_EQ(t.of("client1"), (Lines{"send(b'abc')", "ABC", "close() with SO_LINGER 0: RST"}));
  EXPECT_EQ(t.of("client2"), (Lines{"send(b'xyz')", "XYZ", "close()"}));
  EXPECT_EQ(
      without_ports(t.of("server")),
      (Lines{"waiting for clients to connect",
             "<socket.socket fd=2, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, "
             "proto=0, laddr=('192.0.2.20', 81), raddr=('192.0.2.10', *)>",
             "client address: ('192.0.2.10', *)", "abc", "send(b'ABC')",
             "recv: ECONNRESET (Connection reset by peer)",
             "<socket.socket fd=2, family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM, "
             "proto=0, laddr=('192.0.2.20', 81), raddr=('192.0.2.11', *)>",
             "client address: ('192.0.2.11', *)", "xyz", "send(b'XYZ')",
             "the client closed the connection (recv returned b'')"}))
      << t.dump();
  // The RST left nothing behind on either side (no TIME-WAIT for an abort).
  EXPECT_EQ(w.client(0).tcp().connection_count(), 0u);
}

TEST(TcpUpperEcho, TheNextClientWaitsOnABusyLine) {
  // Seed 004 §8 (占线): while client 1 is served, client 2's handshake
  // completes in the backlog (listen(1)) and its line is queued, but the
  // answer comes only once client 1 has left.
  World w(3, 2);
  Transcript t;
  std::vector<std::pair<std::string, Instant>> at;
  const SocketAddress server{w.server_ip(), 81};
  std::optional<TcpClientReport> first, second;
  w.loop.spawn(ignoring_result(tcp_upper_server(w.loop, w.server->stack(),
                                                {.bind = server, .max_clients = 2},
                                                timed(w.loop, t.printer("server"), at))));
  start(w.loop, ms(100),
        tcp_upper_client(w.loop, w.client(0),
                         {.server = server, .inputs = {"one", "two", "three"}, .typing = ms(1000)},
                         timed(w.loop, t.printer("client1"), at)),
        first);
  start(w.loop, ms(500),
        tcp_upper_client(w.loop, w.client(1), {.server = server, .inputs = {"queued"}},
                         timed(w.loop, t.printer("client2"), at)),
        second);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10))) << t.dump();
  EXPECT_EQ(first->answered, 3) << t.dump();
  EXPECT_EQ(second->answered, 1) << t.dump();
  // Client 2 was connected and had sent before client 1 left...
  EXPECT_LT(when(at, "send(b'queued')"), when(at, "TWO")) << t.dump();
  // ...but its answer came only after client 1's FIN reached the server.
  EXPECT_GT(when(at, "QUEUED"), when(at, "the client closed the connection (recv returned b'')"))
      << t.dump();
  const Lines server_lines = t.of("server");
  ASSERT_EQ(server_lines.size(), 1u + 2u * 2u + 2u * 3u + 1u + 2u + 1u) << t.dump();
  EXPECT_EQ(server_lines[9], "the client closed the connection (recv returned b'')");
  EXPECT_EQ(without_ports(server_lines[11]), "client address: ('192.0.2.11', *)");
  EXPECT_EQ(server_lines[12], "queued");
}

// Client 1 gets its answer, then its cable goes dead and it leaves with an
// RST that never arrives; client 2 waits on the busy line. What the server
// and client 2 printed within `limit`.
std::pair<Lines, Lines> vanishing_client(std::optional<TcpUpperServerConfig::KeepAlive> keepalive,
                                         Duration limit) {
  World w(15, 2);
  Transcript t;
  const SocketAddress server{w.server_ip(), 81};
  w.loop.spawn(ignoring_result(tcp_upper_server(
      w.loop, w.server->stack(), {.bind = server, .max_clients = 2, .keepalive = keepalive},
      t.printer("server"))));
  sim::Link* cable = w.sim.link_at(*w.client_hosts[0], 0);
  apps::Print print1 = [&, inner = t.printer("client1")](std::string_view line) {
    inner(line);
    if (line == "ABC") {
      sim::LinkConfig dead = sim::LinkConfig::with_delay(Duration::millis(1));
      dead.loss = 1.0;
      cable->set_config(dead);
    }
  };
  std::optional<TcpClientReport> first, second;
  start(w.loop, ms(100),
        tcp_upper_client(w.loop, w.client(0), {.server = server, .inputs = {"abc"}, .reset = true},
                         print1),
        first);
  start(w.loop, ms(500),
        tcp_upper_client(w.loop, w.client(1), {.server = server, .inputs = {"xyz"}},
                         t.printer("client2")),
        second);
  (void)w.run_until_idle(t0 + limit);
  return {t.of("server"), t.of("client2")};
}

TEST(TcpUpperEcho, WithoutKeepaliveAVanishedClientBlocksTheServer) {
  const auto [server, client2] = vanishing_client(std::nullopt, Duration::seconds(600));
  EXPECT_EQ(server.size(), 5u) << "still in recv for client 1";
  EXPECT_EQ(client2, (Lines{"send(b'xyz')"})) << "never answered";
}

TEST(TcpUpperEcho, KeepaliveFreesTheServerFromAVanishedClient) {
  // Seed 004 二.6: probes after 5 s of silence, 1 s apart, 3 of them: the
  // server gives up on client 1 with ETIMEDOUT and serves client 2.
  const auto [server, client2] =
      vanishing_client(TcpUpperServerConfig::KeepAlive{.idle_s = 5, .interval_s = 1, .probes = 3},
                       Duration::seconds(600));
  ASSERT_GE(server.size(), 6u);
  EXPECT_EQ(server[5], "recv: ETIMEDOUT (Connection timed out)");
  EXPECT_EQ(client2, (Lines{"send(b'xyz')", "XYZ", "close()"}));
}

TEST(TcpUpperEcho, LongLinesComeBackWholeAcrossTheRouter) {
  // 3000 bytes: several segments, several recv(1024) at the server; the
  // client reads until the whole answer is back.
  World w(4, 1, /*across_router=*/true);
  Transcript t;
  const SocketAddress server{w.server_ip(), 81};
  const std::string line(3000, 'x');
  std::optional<TcpUpperServerReport> served;
  std::optional<TcpClientReport> report;
  start(w.loop, Duration::zero(),
        tcp_upper_server(w.loop, w.server->stack(), {.bind = server, .max_clients = 1},
                         t.printer("server")),
        served);
  start(w.loop, ms(100),
        tcp_upper_client(w.loop, w.client(), {.server = server, .inputs = {line, "ok"}},
                         t.printer("client")),
        report);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10))) << t.dump();
  EXPECT_EQ(report->answered, 2) << t.dump();
  EXPECT_TRUE(t.has("client: " + std::string(3000, 'X'))) << t.dump();
  EXPECT_EQ(served->echoed, 3002u);
  EXPECT_GE(t.count_prefix("server: send(b'XXX"), 3u) << "the line arrived in pieces";
  EXPECT_GE(w.router->host().stats().ip_forwarded, 10u);
}

TEST(TcpUpperEcho, RefusedWithoutAServer) {
  World w(5);
  Transcript t;
  std::optional<TcpClientReport> report;
  start(w.loop, ms(100),
        tcp_upper_client(w.loop, w.client(), {.server = {w.server_ip(), 81}}, t.printer("client")),
        report);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10)));
  EXPECT_EQ(*report, (TcpClientReport{.error = SockError::ConnRefused}));
  EXPECT_EQ(t.of("client"), (Lines{"connect 192.0.2.20:81: ECONNREFUSED (Connection refused)"}));
}

// The echo exchange with `loss` on the client's cable: what each program
// printed (how the programs' lines interleave depends on timing), and the
// retransmissions it took.
std::pair<std::vector<Lines>, std::uint64_t> echo_run(std::uint64_t seed, double loss) {
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1));
  World w(seed, 2, /*across_router=*/true, link);
  sim::LinkConfig lossy = link;
  lossy.loss = loss;
  for (auto* c : w.client_hosts) w.sim.link_at(*c, 0)->set_config(lossy);
  Transcript t;
  const SocketAddress server{w.server_ip(), 81};
  std::optional<TcpClientReport> first, second;
  w.loop.spawn(ignoring_result(tcp_upper_server(
      w.loop, w.server->stack(), {.bind = server, .max_clients = 2}, t.printer("server"))));
  Lines inputs;
  for (int i = 0; i < 8; ++i) inputs.push_back("line " + std::to_string(i));
  start(w.loop, ms(100),
        tcp_upper_client(w.loop, w.client(0), {.server = server, .inputs = inputs},
                         t.printer("client1")),
        first);
  start(w.loop, ms(200),
        tcp_upper_client(w.loop, w.client(1), {.server = server, .inputs = inputs},
                         t.printer("client2")),
        second);
  EXPECT_TRUE(w.run_until_idle(t0 + Duration::seconds(600))) << t.dump();
  EXPECT_EQ(first->answered, 8) << t.dump();
  EXPECT_EQ(second->answered, 8) << t.dump();
  return {{t.of("server"), t.of("client1"), t.of("client2")}, w.retransmissions()};
}

TEST(TcpUpperEcho, LossChangesTheTimingNotTheTranscript) {
  // 25% loss on each client's cable, across the router, two clients at
  // once (the second on the busy line): TCP retransmits and the programs
  // print exactly what they print on a perfect network. (Both clients
  // close gracefully: an RST is never retransmitted, and a lost one
  // leaves the server waiting in recv — as it would on a real network.)
  const auto [perfect, no_retransmissions] = echo_run(31, 0.0);
  const auto [lossy, retransmissions] = echo_run(31, 0.25);
  EXPECT_EQ(no_retransmissions, 0u);
  EXPECT_GT(retransmissions, 0u);
  EXPECT_EQ(lossy, perfect);
  EXPECT_EQ(std::count(lossy[0].begin(), lossy[0].end(),
                       "the client closed the connection (recv returned b'')"),
            2);
}

// ---- seed 003: the welcome server, one task per connection ------------------

TEST(TcpWelcome, ThreeClientsAreServedAtOnce) {
  // Three clients 200 ms apart, three names each; the server sleeps 1 s
  // after every recv (time.sleep(1)). One task per connection: the
  // conversations overlap and all end within ~4.5 s — one after another
  // they would take 3 × 4 s.
  World w(6, 3);
  Transcript t;
  const SocketAddress server{w.server_ip(), 9999};
  w.loop.spawn(welcome_server(w.loop, w.server->stack(), {.bind = server, .max_clients = 3},
                              t.printer("server")));
  std::vector<std::optional<WelcomeClientReport>> reports(3);
  const std::vector<Lines> names{
      {"Michael", "Tracy", "Sarah"}, {"Alice", "Bob", "Carol"}, {"Xiao", "Ming", "Hong"}};
  for (std::size_t i = 0; i < 3; ++i) {
    start(w.loop, ms(100 + 200 * static_cast<std::int64_t>(i)),
          welcome_client(w.loop, w.client(i), {.server = server, .names = names[i]},
                         t.printer("client" + std::to_string(i + 1))),
          reports[i]);
  }
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(60))) << t.dump();
  EXPECT_LT(w.sim.now(), t0 + ms(5000)) << "served concurrently\n" << t.dump();
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string who = "client" + std::to_string(i + 1);
    EXPECT_EQ(*reports[i],
              (WelcomeClientReport{.client = {.connected = true, .sent = 3, .answered = 3},
                                   .welcomed = true}))
        << who;
    Lines expected{"Welcome!"};
    for (const auto& n : names[i]) {
      expected.push_back("send(b'" + n + "')");
      expected.push_back("Hello, " + n + "!");
    }
    expected.push_back("send(b'exit')");
    expected.push_back("close()");
    EXPECT_EQ(t.of(who), expected) << t.dump();
  }
  // All three accepted before any has finished: the conversations overlap.
  EXPECT_EQ(
      without_ports(t.of("server")),
      (Lines{"Waiting for connection...", "Accept new connection from 192.0.2.10:*...",
             "Accept new connection from 192.0.2.11:*...",
             "Accept new connection from 192.0.2.12:*...", "Connection from 192.0.2.10:* closed.",
             "Connection from 192.0.2.11:* closed.", "Connection from 192.0.2.12:* closed."}))
      << t.dump();
  // ...and their lines interleave at the clients too.
  const auto& all = t.lines();
  const auto first_of = [&](const std::string& line) {
    return std::find(all.begin(), all.end(), line) - all.begin();
  };
  EXPECT_LT(first_of("client3: Welcome!"), first_of("client1: Hello, Sarah!")) << t.dump();
  w.sim.run_for(Duration::seconds(1));  // the clients' last ACKs
  EXPECT_EQ(w.server->stack().tcp().connection_count(), 0u);
}

TEST(TcpWelcome, AClientThatResetsEndsOnlyItsOwnTask) {
  // A client that vanishes with an RST mid-conversation: its task reports
  // ECONNRESET and closes; the other client's conversation goes on.
  World w(7, 2);
  Transcript t;
  const SocketAddress server{w.server_ip(), 9999};
  w.loop.spawn(welcome_server(w.loop, w.server->stack(), {.bind = server, .max_clients = 2},
                              t.printer("server")));
  // A hand-written client: greeting, one name, then SO_LINGER 0 + close.
  auto rude = [](app::Loop& loop, Stack& stack, SocketAddress to) -> app::Task<void> {
    auto s = *app::socket(loop, stack, SocketType::Stream);
    if (!co_await s.connect(to)) co_return;
    (void)co_await s.recv(1024);
    (void)co_await s.send("Rude");
    (void)co_await s.recv(1024);
    (void)s.setsockopt(SockOpt::Linger, 0);
    (void)s.close();
  };
  w.loop.spawn(app::delayed(w.loop, ms(100), rude(w.loop, w.client(0), server)));
  std::optional<WelcomeClientReport> polite;
  start(w.loop, ms(100),
        welcome_client(w.loop, w.client(1), {.server = server, .names = {"A", "B", "C"}},
                       t.printer("polite")),
        polite);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(60))) << t.dump();
  EXPECT_EQ(polite->client.answered, 3) << t.dump();
  EXPECT_EQ(without_ports(t.of("server")),
            (Lines{"Waiting for connection...", "Accept new connection from 192.0.2.10:*...",
                   "Accept new connection from 192.0.2.11:*...",
                   "recv: ECONNRESET (Connection reset by peer)",
                   "Connection from 192.0.2.10:* closed.", "Connection from 192.0.2.11:* closed."}))
      << t.dump();
}

}  // namespace
}  // namespace ws::apps
