// The seed TCP programs on the simulator, part 2: the file sent to every
// client that connects (seed 001's exercise: "sb", half a megabyte under
// loss, a client that checks what the header promised) and the chat until
// "bye" (seed 004 §7–8), with a lossy run replayed exactly.
#include <gtest/gtest.h>

#include "apps/tcp_chat.hpp"
#include "apps/tcp_file.hpp"
#include "base/rng.hpp"
#include "base/sha256.hpp"
#include "tcp_world.hpp"

namespace ws::apps {
namespace {

using namespace tcp_testing;  // NOLINT(google-build-using-namespace): test helpers

// ---- seed 001's exercise: a file for every client that connects ----------------

constexpr std::string_view kSbSha256 =
    "b831b33e0c05b45e15bbdd9b3bfa43825fee0aa0b6e5a54e31e2bd8b073b76b7";

TEST(TcpFile, EveryClientGetsSb) {
  World w(8, 2);
  Transcript t;
  const SocketAddress server{w.server_ip(), 8008};
  std::optional<FileServerReport> served;
  std::vector<std::optional<FileClientReport>> got(2);
  start(w.loop, Duration::zero(),
        file_server(w.loop, w.server->stack(), {.bind = server, .max_clients = 2},
                    t.printer("server")),
        served);
  start(w.loop, ms(100), file_client(w.loop, w.client(0), {.server = server}, t.printer("client1")),
        got[0]);
  // Client 2 does not keep the bytes: it prints and checks them all the same.
  start(w.loop, ms(100),
        file_client(w.loop, w.client(1), {.server = server, .keep = false}, t.printer("client2")),
        got[1]);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10))) << t.dump();
  EXPECT_LT(w.sim.now(), t0 + ms(120)) << "no Nagle stall between the header and the file";
  EXPECT_EQ(*served, (FileServerReport{.clients = 2, .sent = 2}));
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string who = "client" + std::to_string(i + 1);
    EXPECT_TRUE(got[i]->verified) << who << t.dump();
    EXPECT_EQ(got[i]->content, i == 0 ? "sb" : "");
    EXPECT_EQ(got[i]->name, "sb.txt");
    EXPECT_EQ(got[i]->sha256, kSbSha256);  // hashlib.sha256(b'sb').hexdigest()
    EXPECT_EQ(t.of(who), (Lines{"FILE sb.txt 2 " + std::string(kSbSha256), "b'sb'",
                                "received 2 bytes, sha256 " + std::string(kSbSha256) + ": verified",
                                "close()"}))
        << t.dump();
  }
  EXPECT_EQ(without_ports(t.of("server")),
            (Lines{"serving sb.txt (2 bytes) to every client that connects",
                   "('192.0.2.10', *) connected: sending sb.txt", "sent 79 + 2 bytes; close()",
                   "('192.0.2.11', *) connected: sending sb.txt", "sent 79 + 2 bytes; close()"}))
      << t.dump();
}

TEST(TcpFile, HalfAMegabyteUnderLossArrivesIntact) {
  // 512 KiB of pseudo-random bytes across the router with 10% loss on the
  // client's cable: many retransmissions, and the SHA-256 still matches.
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(2));
  World w(9, 1, /*across_router=*/true, link);
  sim::LinkConfig lossy = link;
  lossy.loss = 0.1;
  w.sim.link_at(*w.client_hosts[0], 0)->set_config(lossy);
  std::string content(512 * 1024, '\0');
  Rng rng(99);
  rng.fill({reinterpret_cast<std::uint8_t*>(content.data()), content.size()});
  Transcript t;
  const SocketAddress server{w.server_ip(), 8008};
  std::optional<FileClientReport> got;
  w.loop.spawn(ignoring_result(
      file_server(w.loop, w.server->stack(),
                  {.bind = server, .name = "random data.bin", .content = content, .max_clients = 1},
                  t.printer("server"))));
  start(w.loop, ms(100), file_client(w.loop, w.client(), {.server = server}, t.printer("client")),
        got);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(600))) << t.dump();
  ASSERT_TRUE(got->verified) << got->problem << t.dump();
  EXPECT_EQ(got->name, "random_data.bin") << "the space is not safe in the header";
  EXPECT_EQ(got->received, content.size());
  EXPECT_TRUE(got->content == content);
  Sha256 sha;
  sha.update({reinterpret_cast<const std::uint8_t*>(content.data()), content.size()});
  EXPECT_EQ(got->received_sha256, sha.hex());
  EXPECT_GT(w.retransmissions(), 10u);
  EXPECT_EQ(t.count_prefix("client: b'"), 0u) << "large contents are not printed";
}

// A server that announces `size` bytes but sends `body`, then closes.
app::Task<void> lying_server(app::Loop& loop, Stack& stack, std::string header, std::string body) {
  auto s = *app::socket(loop, stack, SocketType::Stream);
  (void)s.bind({Ipv4Address::any(), 8008});
  (void)s.listen(1);
  auto a = co_await s.accept();
  if (!a) co_return;
  (void)co_await a->conn.sendall(header + body);
  (void)a->conn.close();
}

TEST(TcpFile, TheClientChecksWhatTheHeaderPromised) {
  const std::string sha_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  struct Case {
    std::string header, body, problem;
  };
  const std::vector<Case> cases{
      {"FILE f 5 " + sha_abc + "\n", "abc", "received 3 bytes of 5: NOT verified"},
      {"FILE f 3 " + sha_abc + "\n", "abd",
       "received 3 bytes, sha256 a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9 "
       "!= " +
           sha_abc + ": NOT verified"},
      {"FILE f 2 " + sha_abc + "\n", "abc", "received 3 bytes of 2: NOT verified"},
      {"HELLO\n", "", "no valid header in b'HELLO\\n'"},
      {"FILE f -1 " + sha_abc + "\n", "", "no valid header in b'FILE f -1 " + sha_abc + "\\n'"},
      {"FILE f 99999999999 " + sha_abc + "\n", "",
       "refused: 99999999999 bytes is more than 67108864"},
  };
  for (const auto& c : cases) {
    World w(10);
    Transcript t;
    w.loop.spawn(lying_server(w.loop, w.server->stack(), c.header, c.body));
    std::optional<FileClientReport> got;
    start(w.loop, ms(100),
          file_client(w.loop, w.client(), {.server = {w.server_ip(), 8008}}, t.printer("client")),
          got);
    ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10))) << t.dump();
    EXPECT_FALSE(got->verified) << c.header;
    EXPECT_EQ(got->problem, c.problem) << t.dump();
  }
  // With nothing but a stream of bytes and no newline, the client stops
  // after kMaxFileHeader bytes.
  World w(11);
  Transcript t;
  w.loop.spawn(lying_server(w.loop, w.server->stack(), std::string(10000, 'z'), ""));
  std::optional<FileClientReport> got;
  start(w.loop, ms(100),
        file_client(w.loop, w.client(), {.server = {w.server_ip(), 8008}, .bufsize = 100},
                    t.printer("client")),
        got);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(10))) << t.dump();
  EXPECT_EQ(got->problem, "no valid header in " + py_bytes(std::string(kMaxFileHeader, 'z')));
}

TEST(TcpFile, SafeNames) {
  EXPECT_EQ(file_safe_name("sb.txt"), "sb.txt");
  EXPECT_EQ(file_safe_name("my file\n.txt"), "my_file_.txt");
  EXPECT_EQ(file_safe_name(""), "file");
  EXPECT_EQ(file_safe_name(std::string(100, 'a')).size(), 64u);
  EXPECT_EQ(file_header("sb.txt", "sb"), "FILE sb.txt 2 " + std::string(kSbSha256) + "\n");
}

// ---- seed 004 §7–8: chat until "bye" -----------------------------------------

TEST(TcpChat, TakeTurnsUntilTheClientSaysBye) {
  World w(12);
  Transcript t;
  const SocketAddress server{w.server_ip(), 8090};
  std::optional<TcpChatReport> s, c;
  start(w.loop, Duration::zero(),
        tcp_chat_server(w.loop, w.server->stack(),
                        {.bind = server, .script = {"hi, client", "fine, and you?", "never said"}},
                        t.printer("server")),
        s);
  start(
      w.loop, ms(100),
      tcp_chat_client(w.loop, w.client(),
                      {.server = server, .script = {"hello", "how are you?", "bye", "never typed"}},
                      t.printer("client")),
      c);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(30))) << t.dump();
  EXPECT_EQ(
      without_ports(t.lines()),
      (Lines{"server: ('192.0.2.10', *) connected", "client: client>>> hello", "server: hello",
             "server: server>> hi, client", "client: hi, client", "client: client>>> how are you?",
             "server: how are you?", "server: server>> fine, and you?", "client: fine, and you?",
             "client: client>>> bye", "server: bye"}))
      << t.dump();
  EXPECT_EQ(*c, (TcpChatReport{.conversations = 1, .sent = 3, .received = 2, .said_bye = true}));
  EXPECT_EQ(*s, (TcpChatReport{.conversations = 1, .sent = 2, .received = 3, .heard_bye = true}));
  // Both closed: after TIME-WAIT nothing is left.
  w.sim.run_for(Duration::seconds(120));
  EXPECT_EQ(w.client().tcp().connection_count(), 0u);
  EXPECT_EQ(w.server->stack().tcp().connection_count(), 0u);
}

TEST(TcpChat, TheServerSaysByeWhenItsScriptRunsOut) {
  World w(13);
  Transcript t;
  const SocketAddress server{w.server_ip(), 8090};
  std::optional<TcpChatReport> s, c;
  start(w.loop, Duration::zero(),
        tcp_chat_server(w.loop, w.server->stack(), {.bind = server, .script = {"", "only this"}},
                        t.printer("server")),
        s);
  start(
      w.loop, ms(100),
      tcp_chat_client(w.loop, w.client(), {.server = server, .script = {"one", "", "two", "three"}},
                      t.printer("client")),
      c);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(30))) << t.dump();
  EXPECT_EQ(t.of("client"), (Lines{"client>>> one", "only this", "client>>> two", "bye"}));
  EXPECT_EQ(without_ports(t.of("server")), (Lines{"('192.0.2.10', *) connected", "one",
                                                  "server>> only this", "two", "server>> bye"}));
  EXPECT_TRUE(s->said_bye);
  EXPECT_TRUE(c->heard_bye);
}

TEST(TcpChat, TheConnectionLoopTakesTheNextClient) {
  // Seed 004 §8: after a bye the server accepts the next client, and its
  // user goes on typing where they were.
  World w(14, 2);
  Transcript t;
  const SocketAddress server{w.server_ip(), 8090};
  std::optional<TcpChatReport> s, c1, c2;
  start(w.loop, Duration::zero(),
        tcp_chat_server(w.loop, w.server->stack(),
                        {.bind = server, .script = {"hi 1", "hi 2"}, .max_clients = 2},
                        t.printer("server")),
        s);
  start(w.loop, ms(100),
        tcp_chat_client(w.loop, w.client(0), {.server = server, .script = {"I'm 1", "bye"}},
                        t.printer("c1")),
        c1);
  start(w.loop, ms(200),
        tcp_chat_client(w.loop, w.client(1), {.server = server, .script = {"I'm 2"}},
                        t.printer("c2")),
        c2);
  ASSERT_TRUE(w.run_until_idle(t0 + Duration::seconds(30))) << t.dump();
  EXPECT_EQ(t.of("c1"), (Lines{"client>>> I'm 1", "hi 1", "client>>> bye"}));
  EXPECT_EQ(t.of("c2"), (Lines{"client>>> I'm 2", "hi 2", "client>>> bye"}));
  EXPECT_EQ(s->conversations, 2);
}

// The chat across the router with 20% loss on the client's cable, twice.
Lines lossy_chat(std::uint64_t seed) {
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1));
  World w(seed, 1, /*across_router=*/true, link);
  link.loss = 0.2;
  w.sim.link_at(*w.client_hosts[0], 0)->set_config(link);
  Transcript t;
  const SocketAddress server{w.server_ip(), 8090};
  std::optional<TcpChatReport> c;
  w.loop.spawn(ignoring_result(tcp_chat_server(w.loop, w.server->stack(),
                                               {.bind = server, .script = {"a", "b", "c", "d"}},
                                               t.printer("server"))));
  start(w.loop, ms(100),
        tcp_chat_client(w.loop, w.client(), {.server = server, .script = {"1", "2", "3", "4"}},
                        t.printer("client")),
        c);
  EXPECT_TRUE(w.run_until_idle(t0 + Duration::seconds(300))) << t.dump();
  EXPECT_GT(w.retransmissions(), 0u) << "with 20% loss this seed loses something";
  EXPECT_EQ(t.of("client"), (Lines{"client>>> 1", "a", "client>>> 2", "b", "client>>> 3", "c",
                                   "client>>> 4", "d", "client>>> bye"}))
      << t.dump();
  return t.lines();
}

TEST(TcpChat, SurvivesLossAndReplaysExactly) {
  const Lines a = lossy_chat(41);
  EXPECT_EQ(a, lossy_chat(41));
}

}  // namespace
}  // namespace ws::apps
