// The seed programs on the simulator: the exchanges the notes describe,
// asserted line by line, plus their behaviour under loss.
#include <gtest/gtest.h>

#include "apps/udp_chat.hpp"
#include "apps/udp_time.hpp"
#include "apps/udp_upper.hpp"
#include "fixture.hpp"

namespace ws::apps {
namespace {

using app::TaskId;
using app::testing::LanWorld;
using app::testing::RoutedWorld;
using app::testing::t0;
using app::testing::Transcript;

using Lines = std::vector<std::string>;

// ---- seed 001 §9: upper-case echo -----------------------------------------

TEST(UpperEcho, ServerRepliesUpperCase) {
  LanWorld w(1);
  Transcript t;
  const SocketAddress server{sim::kLanServerAddr, 82};
  w.loop.spawn(udp_upper_server(w.loop, w.server(), {.bind = server}, t.printer("server")));
  std::optional<ClientReport> report;
  const TaskId client = w.loop.spawn(app::delayed(
      w.loop, Duration::millis(100),
      app::store_result(
          udp_upper_client(w.loop, w.client(), {.server = server, .inputs = {"sb", "hello world"}},
                           t.printer("client")),
          report)));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(5))) << t.dump();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(*report, (ClientReport{.requests = 2, .answered = 2})) << t.dump();
  EXPECT_EQ(t.of("client"), (Lines{"sendto(b'sb', ('192.0.2.20', 82))", "b'SB'",
                                   "sendto(b'hello world', ('192.0.2.20', 82))", "b'HELLO WORLD'"}))
      << t.dump();
  const Lines server_lines = t.of("server");
  ASSERT_EQ(server_lines.size(), 7u) << t.dump();
  EXPECT_EQ(server_lines[0], "waiting for clients to send data:");
  EXPECT_EQ(server_lines[1], "b'sb'");
  EXPECT_TRUE(server_lines[2].starts_with("('192.0.2.10', ")) << server_lines[2];
  EXPECT_TRUE(server_lines[3].starts_with("sendto(b'SB', ('192.0.2.10', ")) << server_lines[3];
  EXPECT_EQ(server_lines[4], "b'hello world'");
}

TEST(UpperEcho, QuitStopsTheClient) {
  LanWorld w(2);
  Transcript t;
  const SocketAddress server{sim::kLanServerAddr, 82};
  w.loop.spawn(udp_upper_server(w.loop, w.server(), {.bind = server}, t.printer("server")));
  std::optional<ClientReport> report;
  const TaskId client = w.loop.spawn(app::store_result(
      udp_upper_client(w.loop, w.client(), {.server = server, .inputs = {"a", "q", "never sent"}},
                       t.printer("client")),
      report));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(5)));
  EXPECT_EQ(report->requests, 1);
  EXPECT_EQ(t.of("client"), (Lines{"sendto(b'a', ('192.0.2.20', 82))", "b'A'"}));
}

TEST(UpperEcho, AcrossTheRouter) {
  RoutedWorld w(3);
  Transcript t;
  const SocketAddress server{sim::kRoutedServerAddr, 82};
  w.loop.spawn(
      udp_upper_server(w.loop, w.net.server.stack(), {.bind = server}, t.printer("server")));
  std::optional<ClientReport> report;
  const TaskId client = w.loop.spawn(app::store_result(
      udp_upper_client(w.loop, w.net.client.stack(), {.server = server, .inputs = {"via router"}},
                       t.printer("client")),
      report));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(5))) << t.dump();
  EXPECT_EQ(report->answered, 1) << t.dump();
  EXPECT_TRUE(t.has("client: b'VIA ROUTER'")) << t.dump();
  EXPECT_GE(w.net.router.host().stats().ip_forwarded, 2u);
}

TEST(UpperEcho, TotalLossShowsEveryTimeoutAndResend) {
  // Every frame on the client's cable is lost: the client sends, waits its
  // timeout, resends `retries` times, then gives up — all in virtual time.
  LanWorld w(4);
  sim::LinkConfig dead = sim::LinkConfig::with_delay(Duration::millis(1));
  dead.loss = 1.0;
  w.sim.link_at(w.lan.client, 0)->set_config(dead);
  Transcript t;
  const SocketAddress server{sim::kLanServerAddr, 82};
  w.loop.spawn(udp_upper_server(w.loop, w.server(), {.bind = server}, t.printer("server")));
  std::optional<ClientReport> report;
  const Instant start = t0 + Duration::millis(100);
  const TaskId client = w.loop.spawn(app::delayed(
      w.loop, Duration::millis(100),
      app::store_result(
          udp_upper_client(
              w.loop, w.client(),
              {.server = server, .inputs = {"x"}, .timeout = Duration::millis(500), .retries = 2},
              t.printer("client")),
          report)));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(10)));
  EXPECT_EQ(*report, (ClientReport{.requests = 1, .answered = 0, .resends = 2, .failed = 1}));
  EXPECT_EQ(w.sim.now(), start + Duration::millis(1500)) << "three attempts of 500 ms";
  EXPECT_EQ(t.of("client"),
            (Lines{"sendto(b'x', ('192.0.2.20', 82))", "recv: timed out; sending again (1/2)",
                   "sendto(b'x', ('192.0.2.20', 82))", "recv: timed out; sending again (2/2)",
                   "sendto(b'x', ('192.0.2.20', 82))",
                   "recv: ETIMEDOUT (Connection timed out); giving up on b'x'"}))
      << t.dump();
  EXPECT_EQ(t.of("server").size(), 1u) << "the server heard nothing";
}

TEST(UpperEcho, LossyLinkRetriesUntilEveryReplyArrives) {
  // 40% loss each way on the client's cable: some requests or replies are
  // lost; the client's timeout and resends get every message through.
  sim::LinkConfig lossy = sim::LinkConfig::with_delay(Duration::millis(1));
  LanWorld w(11);
  lossy.loss = 0.4;
  w.sim.link_at(w.lan.client, 0)->set_config(lossy);
  Transcript t;
  const SocketAddress server{sim::kLanServerAddr, 82};
  w.loop.spawn(udp_upper_server(w.loop, w.server(), {.bind = server}, t.printer("server")));
  std::optional<ClientReport> report;
  Lines inputs;
  for (int i = 0; i < 10; ++i) inputs.push_back("msg" + std::to_string(i));
  const TaskId client = w.loop.spawn(app::delayed(
      w.loop, Duration::millis(100),
      app::store_result(
          udp_upper_client(
              w.loop, w.client(),
              {.server = server, .inputs = inputs, .timeout = Duration::millis(200), .retries = 20},
              t.printer("client")),
          report)));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(60))) << t.dump();
  EXPECT_EQ(report->answered, 10) << t.dump();
  EXPECT_EQ(report->failed, 0);
  EXPECT_GT(report->resends, 0) << "with 40% loss some attempt must have timed out\n" << t.dump();
  EXPECT_GE(t.count("client: recv: timed out; sending again (1/20)"), 1u) << t.dump();
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(t.has("client: b'MSG" + std::to_string(i) + "'")) << i << t.dump();
  // While the client's ARP for the server kept failing, copies of msg0
  // waited in the ARP queue and then went out together: the server
  // answered each, and the extra MSG0 that survived the link arrives while
  // the client waits for MSG1 — skipped, not taken for its answer.
  EXPECT_EQ(report->stale, 1) << t.dump();
  EXPECT_EQ(t.count("client: ignored a stale reply b'MSG0'"), 1u) << t.dump();
  EXPECT_GE(t.of("server").size(), 1u + 3u * 10u);
}

// ---- seed 004 §11: time server ----------------------------------------------

TEST(FormatTime, ConversionsAndLimits) {
  const std::int64_t t = kDefaultEpochUnix + 3 * 3600 + 25 * 60 + 7;  // 2026-01-01 03:25:07 UTC
  EXPECT_EQ(format_time(kDefaultTimeFormat, t).value(), "2026-01-01 03:25:07");
  EXPECT_EQ(format_time("%Y %m %d", t).value(), "2026 01 01");
  EXPECT_EQ(format_time("%A %j %%", t).value(), "Thursday 001 %");
  EXPECT_EQ(format_time("no directives", t).value(), "no directives");
  EXPECT_EQ(format_time("%Ey %OH", t).value(), "26 03");
  EXPECT_EQ(format_time("%Y", 0).value(), "1970");
  EXPECT_EQ(format_time("%k", t).error(), "unsupported directive %k");
  EXPECT_EQ(format_time("%Ek", t).error(), "unsupported directive %Ek");
  EXPECT_EQ(format_time("abc%", t).error(), "format ends with a lone %");
  EXPECT_EQ(format_time("%E", t).error(), "format ends with %E");
  EXPECT_EQ(format_time(std::string_view("a\0b", 3), t).error(), "NUL byte in format");
  EXPECT_EQ(format_time(std::string(kMaxTimeFormat + 1, 'x'), t).error(),
            "format longer than 256 bytes");
  // 128 × "%c" is 256 bytes of format but ~3 KB of output: refused, not cut.
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "%c";
  EXPECT_EQ(format_time(wide, t).error(), "result longer than 1024 bytes");
  // Exactly 1024 bytes fits.
  EXPECT_EQ(format_time(std::string(256, 'y'), t).value().size(), 256u);
}

TEST(TimeServer, FormatsTheVirtualClock) {
  LanWorld w(5);
  Transcript t;
  const SocketAddress server{sim::kLanServerAddr, 9000};
  w.loop.spawn(udp_time_server(w.loop, w.server(), {.bind = server}, t.printer("server")));
  std::optional<ClientReport> report;
  // The requests leave at 00:00:02.5 virtual time and take a few ms.
  const TaskId client = w.loop.spawn(app::delayed(
      w.loop, Duration::millis(2500),
      app::store_result(
          udp_time_client(
              w.loop, w.client(),
              {.server = server, .inputs = {"", "%Y %m %d", "  %H:%M:%S  ", "%k", "q", "%Y"}},
              t.printer("client")),
          report)));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(10))) << t.dump();
  EXPECT_EQ(*report, (ClientReport{.requests = 4, .answered = 4})) << t.dump();
  EXPECT_EQ(t.of("client"),
            (Lines{"sendto(b'', ('192.0.2.20', 9000))", "current date: 2026-01-01 00:00:02",
                   "sendto(b'%Y %m %d', ('192.0.2.20', 9000))", "current date: 2026 01 01",
                   "sendto(b'%H:%M:%S', ('192.0.2.20', 9000))", "current date: 00:00:02",
                   "sendto(b'%k', ('192.0.2.20', 9000))",
                   "current date: error: unsupported directive %k"}))
      << t.dump();
  EXPECT_EQ(t.of("server"), (Lines{"===> b''", "2026-01-01 00:00:02", "===> b'%Y %m %d'",
                                   "2026 01 01", "===> b'%H:%M:%S'", "00:00:02", "===> b'%k'",
                                   "error: unsupported directive %k"}));
}

TEST(TimeServer, EpochIsAParameter) {
  LanWorld w(6);
  Transcript t;
  const SocketAddress server{sim::kLanServerAddr, 9000};
  // Virtual time 0 = 2000-02-28 23:59:00 UTC; the request is served at 00:01:30.x virtual.
  w.loop.spawn(udp_time_server(w.loop, w.server(), {.bind = server, .epoch_unix = 951782340},
                               t.printer("server")));
  std::optional<ClientReport> report;
  const TaskId client = w.loop.spawn(app::delayed(
      w.loop, Duration::seconds(90),
      app::store_result(udp_time_client(w.loop, w.client(), {.server = server, .inputs = {""}},
                                        t.printer("client")),
                        report)));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(100))) << t.dump();
  EXPECT_TRUE(t.has("client: current date: 2000-02-29 00:00:30")) << t.dump();
}

// ---- seed 004 §10: chat with names -------------------------------------------

struct ChatWorld {
  explicit ChatWorld(std::uint64_t seed,
                     sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1)))
      : sim(seed),
        lan(sim::build_lan(sim, link)),
        bob(add(sim, lan.sw, "bob", 11, link)),
        carol(add(sim, lan.sw, "carol", 12, link)),
        loop(sim) {
    for (sim::HostNode* n : {&lan.client, &lan.server, &bob, &carol}) loop.serve(*n);
  }
  static sim::HostNode& add(sim::Simulation& s, sim::Switch& sw, const std::string& name,
                            std::uint8_t last, const sim::LinkConfig& link) {
    sim::TopologyBuilder b(s);
    HostConfig c;
    c.seed = s.rng().next_u64();
    sim::HostNode& h = b.add_host(name, c);
    b.attach(h, sw, Ipv4Cidr(Ipv4Address(192, 0, 2, last), 24), link);
    return h;
  }
  sim::Simulation sim;
  sim::Lan lan;  // client = alice's host, server = the registry's host
  sim::HostNode& bob;
  sim::HostNode& carol;
  app::SimLoop loop;
};

const SocketAddress kRegistry{sim::kLanServerAddr, kChatRegistryPort};

TEST(Chat, ThreeNamedClientsTalk) {
  ChatWorld w(7);
  Transcript t;
  w.loop.spawn(chat_registry(w.loop, w.lan.server.stack(), {}, t.printer("registry")));
  std::optional<ChatReport> alice, bob, carol;
  const auto ms = [](std::int64_t n) { return Duration::millis(n); };
  std::vector<TaskId> ids;
  ids.push_back(
      w.loop.spawn(app::store_result(chat_client(w.loop, w.lan.client.stack(),
                                                 {.name = "alice",
                                                  .registry = kRegistry,
                                                  .script = {{ms(500), "bob", "hello bob"},
                                                             {ms(100), "carol", "hi carol"},
                                                             {ms(100), "dave", "anyone?"}},
                                                  .linger = Duration::seconds(2)},
                                                 t.printer("alice")),
                                     alice)));
  ids.push_back(w.loop.spawn(
      app::store_result(chat_client(w.loop, w.bob.stack(),
                                    {.name = "bob",
                                     .registry = kRegistry,
                                     .script = {{ms(1000), "carol", "carol, it's bob"}},
                                     .linger = Duration::seconds(2)},
                                    t.printer("bob")),
                        bob)));
  ids.push_back(w.loop.spawn(app::store_result(
      chat_client(w.loop, w.carol.stack(),
                  {.name = "carol",
                   .registry = kRegistry,
                   .script = {{ms(1500), "alice", "q"}, {ms(0), "alice", "thanks alice"}},
                   .reply =
                       [](std::string_view from, std::string_view text) {
                         return "carol got " + std::to_string(text.size()) + " bytes from " +
                                std::string(from);
                       },
                   .linger = Duration::seconds(2)},
                  t.printer("carol")),
      carol)));
  ASSERT_TRUE(w.loop.run_until_all_done(ids, t0 + Duration::seconds(30))) << t.dump();

  EXPECT_EQ(*alice, (ChatReport{.registered = true, .sent = 2, .failed = 1, .received = 1}))
      << t.dump();
  EXPECT_EQ(*bob, (ChatReport{.registered = true, .sent = 1, .received = 1})) << t.dump();
  EXPECT_EQ(*carol, (ChatReport{.registered = true, .sent = 1, .received = 2})) << t.dump();

  // alice → bob, via a lookup; bob's default reply.
  EXPECT_TRUE(t.has("alice: registered as alice")) << t.dump();
  EXPECT_TRUE(t.has("alice: to bob: hello bob"));
  EXPECT_TRUE(t.has("bob: from alice: hello bob"));
  EXPECT_TRUE(t.has("bob: reply to alice: hi alice, bob here"));
  EXPECT_TRUE(t.has("alice: from bob: hi alice, bob here"));
  // alice → carol; carol's own reply function.
  EXPECT_TRUE(t.has("carol: from alice: hi carol"));
  EXPECT_TRUE(t.has("alice: from carol: carol got 8 bytes from alice"));
  // bob → carol.
  EXPECT_TRUE(t.has("carol: from bob: carol, it's bob"));
  EXPECT_TRUE(t.has("bob: from carol: carol got 15 bytes from bob"));
  // carol → alice needs no lookup: carol learnt alice's address from her message.
  EXPECT_TRUE(t.has("alice: from carol: thanks alice"));
  EXPECT_TRUE(t.has("carol: from alice: hi carol, alice here"));
  EXPECT_EQ(t.count_prefix("carol: alice is at"), 0u) << t.dump();
  // "q" sends nothing; an unknown name is reported.
  EXPECT_TRUE(t.has("alice: no one is called dave"));
  for (const auto& l : t.lines()) {
    EXPECT_EQ(l.find("from carol: q"), std::string::npos) << l;
    EXPECT_EQ(l.find("no answer"), std::string::npos) << "no loss, no resends: " << l;
  }
  // The registry saw three registrations and the lookups.
  int registered = 0, lookups = 0;
  for (const auto& l : t.of("registry")) {
    if (l.find(": OK ") != std::string::npos) ++registered;
    if (l.starts_with("b'LOOKUP")) ++lookups;
  }
  EXPECT_EQ(registered, 3) << t.dump();
  EXPECT_EQ(lookups, 4) << "alice: bob, carol, dave; bob: carol\n" << t.dump();
}

TEST(Chat, NamesAreUniqueAndValidated) {
  ChatWorld w(8);
  Transcript t;
  w.loop.spawn(chat_registry(w.loop, w.lan.server.stack(), {}, t.printer("registry")));
  std::optional<ChatReport> first, second, bad;
  std::vector<TaskId> ids;
  ids.push_back(w.loop.spawn(app::store_result(
      chat_client(w.loop, w.lan.client.stack(),
                  {.name = "alice", .registry = kRegistry, .linger = Duration::seconds(1)},
                  t.printer("alice@10")),
      first)));
  ids.push_back(w.loop.spawn(app::delayed(
      w.loop, Duration::millis(100),
      app::store_result(chat_client(w.loop, w.bob.stack(), {.name = "alice", .registry = kRegistry},
                                    t.printer("alice@11")),
                        second))));
  ids.push_back(w.loop.spawn(
      app::store_result(chat_client(w.loop, w.carol.stack(),
                                    {.name = "no spaces", .registry = kRegistry}, t.printer("bad")),
                        bad)));
  ASSERT_TRUE(w.loop.run_until_all_done(ids, t0 + Duration::seconds(30))) << t.dump();
  EXPECT_TRUE(first->registered);
  EXPECT_FALSE(second->registered);
  EXPECT_TRUE(t.has("alice@11: registry refused: TAKEN alice")) << t.dump();
  EXPECT_FALSE(bad->registered);
  EXPECT_TRUE(t.has("bad: bad name b'no spaces'")) << t.dump();
}

// The whole chat run under loss, twice with the same seed: identical
// transcripts (determinism), and every message still answered.
Lines lossy_chat(std::uint64_t seed) {
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1));
  link.loss = 0.15;
  ChatWorld w(seed, link);
  Transcript t;
  w.loop.spawn(chat_registry(w.loop, w.lan.server.stack(), {}, t.printer("registry")));
  std::optional<ChatReport> alice, bob;
  const std::vector<TaskId> ids{
      w.loop.spawn(app::store_result(chat_client(w.loop, w.lan.client.stack(),
                                                 {.name = "alice",
                                                  .registry = kRegistry,
                                                  .script = {{Duration::millis(500), "bob", "one"},
                                                             {Duration::zero(), "bob", "two"},
                                                             {Duration::zero(), "bob", "three"}},
                                                  .timeout = Duration::millis(300),
                                                  .retries = 10},
                                                 t.printer("alice")),
                                     alice)),
      w.loop.spawn(app::store_result(chat_client(w.loop, w.bob.stack(),
                                                 {.name = "bob",
                                                  .registry = kRegistry,
                                                  .timeout = Duration::millis(300),
                                                  .retries = 10,
                                                  .linger = Duration::seconds(10)},
                                                 t.printer("bob")),
                                     bob))};
  EXPECT_TRUE(w.loop.run_until_all_done(ids, t0 + Duration::seconds(60))) << t.dump();
  EXPECT_EQ(alice->sent, 3) << t.dump();
  EXPECT_GE(bob->received, 3) << "duplicates when a REPLY was lost" << t.dump();
  return t.lines();
}

TEST(Chat, SurvivesLossAndReplaysExactly) {
  const Lines a = lossy_chat(21);
  const Lines b = lossy_chat(21);
  EXPECT_EQ(a, b);
  bool resent = false;
  for (const auto& l : a) resent = resent || l.find("sending again") != std::string::npos;
  EXPECT_TRUE(resent) << "with 15% loss on every cable this seed loses something";
}

}  // namespace
}  // namespace ws::apps
