// `wirestack sim tcp-echo|tcp-welcome|tcp-file|tcp-chat`: the seed TCP
// programs of apps/ on a simulated network, with what each program prints
// and (unless -q) every frame each host sends, in virtual-time order. The
// exit status says whether every client got what the notes promise.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>

#include "app/sim_loop.hpp"
#include "apps/tcp_chat.hpp"
#include "apps/tcp_file.hpp"
#include "apps/tcp_upper.hpp"
#include "apps/tcp_welcome.hpp"
#include "base/rng.hpp"
#include "commands.hpp"
#include "sim_net.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::cli {

namespace {

constexpr std::string_view kCommand[] = {"tcp-echo", "tcp-welcome", "tcp-file", "tcp-chat"};
constexpr std::uint16_t kNotesPort[] = {81, 9999, 8008, 8090};  // seed 001 §8, 003, 001 §6, 004 §7
constexpr std::uint64_t kMaxFile = 64 * 1024 * 1024;            // the client's limit

Duration from_ms(double ms) { return Duration::micros(static_cast<std::int64_t>(ms * 1000)); }

// What tcp-file serves: --file PATH, else --bytes N pseudo-random bytes,
// else the notes' "sb". The CLI reads the file; the programs never do.
struct FileToServe {
  std::string name;
  std::string content;
};
std::optional<FileToServe> file_to_serve(const SimTcpOptions& o, std::string& error) {
  FileToServe f{"sb.txt", "sb"};
  if (!o.file_path.empty()) {
    std::ifstream in(o.file_path, std::ios::binary);
    if (!in) {
      error = fmt::format("cannot read {}", o.file_path);
      return std::nullopt;
    }
    f.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (f.content.size() > kMaxFile) {
      error = fmt::format("{} is larger than {} bytes", o.file_path, kMaxFile);
      return std::nullopt;
    }
    const auto slash = o.file_path.find_last_of('/');
    f.name = slash == std::string::npos ? o.file_path : o.file_path.substr(slash + 1);
  } else if (o.bytes > 0) {
    f.content.resize(o.bytes);
    Rng rng(o.seed);
    rng.fill({reinterpret_cast<std::uint8_t*>(f.content.data()), f.content.size()});
    f.name = fmt::format("random-{}.bin", o.bytes);
  }
  if (!o.file_name.empty()) f.name = o.file_name;
  return f;
}

// Lines a client sends before "q" (empty ones are skipped).
int lines_before_quit(const std::vector<std::string>& inputs) {
  int n = 0;
  for (const auto& l : inputs) {
    if (l == "q") break;
    n += l.empty() ? 0 : 1;
  }
  return n;
}

std::string describe_error(const std::optional<SockError>& e) {
  return e ? fmt::format(" ({})", errno_name(*e)) : std::string();
}

}  // namespace

int run_sim_tcp(const SimTcpOptions& o) {
  const std::string_view cmd = kCommand[static_cast<int>(o.program)];
  const bool chat = o.program == TcpProgram::Chat;
  if (o.loss < 0 || o.loss > 1 || o.delay_ms < 0 || o.gap_ms < 0 || o.typing_ms < 0 ||
      o.think_ms < 0 || o.keepalive_s < 0 || (!chat && (o.clients < 1 || o.clients > 200))) {
    fmt::print(stderr,
               "wirestack sim {}: invalid option (0 <= loss <= 1; delay, gap, typing, think, "
               "keepalive >= 0; "
               "1 <= clients <= 200)\n",
               cmd);
    return 2;
  }
  const int clients = chat ? 1 : o.clients;
  for (const int k : o.abort) {
    if (k < 0 || k > clients) {
      fmt::print(stderr, "wirestack sim {}: --abort {}: no such client (1..{}; 0 for none)\n", cmd,
                 k, clients);
      return 2;
    }
  }
  std::string error;
  std::optional<FileToServe> file;
  if (o.program == TcpProgram::File && !(file = file_to_serve(o, error))) {
    fmt::print(stderr, "wirestack sim {}: {}\n", cmd, error);
    return 1;
  }

  sim::Simulation simulation(o.seed);
  sim::LinkConfig link;
  link.delay = from_ms(o.delay_ms);
  std::vector<std::string> client_names;
  for (int i = 1; i <= clients; ++i)
    client_names.push_back(chat ? "client" : fmt::format("client{}", i));
  SimNetwork net = build_sim_network(simulation, link, o.across_router, client_names, "server",
                                     /*alternate_sides=*/false);
  sim::LinkConfig lossy = link;
  lossy.loss = o.loss;
  for (sim::HostNode* c : net.clients) simulation.link_at(*c, 0)->set_config(lossy);
  SimOutput out;
  if (auto err = out.capture(simulation, net.all, o.pcap_path)) {
    fmt::print(stderr, "wirestack sim {}: {}\n", cmd, *err);
    return 1;
  }

  const Ipv4Address server_ip = o.across_router ? sim::kRoutedServerAddr : sim::kLanServerAddr;
  const SocketAddress server{server_ip,
                             o.port != 0 ? o.port : kNotesPort[static_cast<int>(o.program)]};
  fmt::print("{}: server {}, client{} {}{}\n", cmd, server.to_string(), clients > 1 ? "s" : "",
             address_of(*net.clients.front()).to_string(),
             clients > 1 ? fmt::format("..{}", address_of(*net.clients.back()).to_string()) : "",
             o.across_router ? " (across the router)" : " (one switch)");

  std::vector<std::string> summary;
  int failures = 0;
  {
    app::SimLoop loop(simulation);
    for (sim::HostNode* h : net.all) loop.serve(*h);
    auto printer = [&](std::string who) { return out.printer(loop, std::move(who)); };
    Stack& server_stack = net.server->stack();
    // Clients start once the gratuitous ARPs of time 0 are over, `gap` apart.
    auto start_of = [&](int i) { return Duration::millis(100) + from_ms(o.gap_ms) * i; };
    const Duration typing = from_ms(o.typing_ms);
    std::vector<app::TaskId> client_tasks;
    std::vector<std::optional<apps::TcpClientReport>> echo(clients);
    std::vector<std::optional<apps::WelcomeClientReport>> welcome(clients);
    std::vector<std::optional<apps::FileClientReport>> files(clients);
    std::optional<apps::TcpChatReport> chat_server, chat_client;
    std::optional<apps::TcpUpperServerReport> echo_server;
    std::optional<apps::FileServerReport> file_server;
    auto spawn_client = [&](int i, auto task, auto& result) {
      client_tasks.push_back(
          loop.spawn(app::delayed(loop, start_of(i), app::store_result(std::move(task), result))));
    };

    // Each server accepts as many clients as there are, then returns.
    switch (o.program) {
      case TcpProgram::Echo: {
        loop.spawn(app::store_result(
            apps::tcp_upper_server(
                loop, server_stack,
                {.bind = server,
                 .max_clients = clients,
                 .keepalive = o.keepalive_s > 0
                                  ? std::optional(apps::TcpUpperServerConfig::KeepAlive{
                                        .idle_s = o.keepalive_s, .interval_s = 1, .probes = 3})
                                  : std::nullopt},
                printer("server")),
            echo_server));
        for (int i = 0; i < clients; ++i) {
          const bool reset = std::find(o.abort.begin(), o.abort.end(), i + 1) != o.abort.end();
          spawn_client(i,
                       apps::tcp_upper_client(
                           loop, net.clients[i]->stack(),
                           {.server = server, .inputs = o.inputs, .typing = typing, .reset = reset},
                           printer(client_names[i])),
                       echo[i]);
        }
        break;
      }
      case TcpProgram::Welcome: {
        loop.spawn(apps::welcome_server(
            loop, server_stack,
            {.bind = server, .think = from_ms(o.think_ms), .max_clients = clients},
            printer("server")));
        for (int i = 0; i < clients; ++i) {
          spawn_client(i,
                       apps::welcome_client(loop, net.clients[i]->stack(),
                                            {.server = server, .names = o.inputs, .typing = typing},
                                            printer(client_names[i])),
                       welcome[i]);
        }
        break;
      }
      case TcpProgram::File: {
        loop.spawn(app::store_result(apps::file_server(loop, server_stack,
                                                       {.bind = server,
                                                        .name = file->name,
                                                        .content = file->content,
                                                        .max_clients = clients},
                                                       printer("server")),
                                     file_server));
        for (int i = 0; i < clients; ++i) {
          spawn_client(i,
                       apps::file_client(loop, net.clients[i]->stack(),
                                         {.server = server, .max_size = kMaxFile, .keep = false},
                                         printer(client_names[i])),
                       files[i]);
        }
        break;
      }
      case TcpProgram::Chat: {
        loop.spawn(app::store_result(
            apps::tcp_chat_server(loop, server_stack,
                                  {.bind = server, .script = o.server_says, .typing = typing},
                                  printer("server")),
            chat_server));
        spawn_client(
            0,
            apps::tcp_chat_client(loop, net.clients[0]->stack(),
                                  {.server = server, .script = o.client_says, .typing = typing},
                                  printer("client")),
            chat_client);
        break;
      }
    }

    if (!loop.run_until_all_done(client_tasks, Instant::zero() + Duration::seconds(3600))) {
      summary.push_back("the clients did not finish within an hour of virtual time");
      ++failures;
    }
    // The server (and the welcome server's connection tasks) a little longer;
    // then the last FINs and ACKs.
    const Instant grace = simulation.now() + Duration::seconds(10);
    while (loop.task_count() > 0 && simulation.next_event_at() <= grace) simulation.step();
    const bool server_waiting = loop.task_count() > 0;
    simulation.run_for(Duration::seconds(2));

    switch (o.program) {
      case TcpProgram::Echo: {
        const int lines = lines_before_quit(o.inputs);
        for (int i = 0; i < clients; ++i) {
          const auto& r = echo[i];
          if (!r) continue;
          const bool ok = r->connected && r->answered == lines && !r->error;
          failures += ok ? 0 : 1;
          summary.push_back(fmt::format("{}: {} lines sent, {} answered{}{}", client_names[i],
                                        r->sent, r->answered, describe_error(r->error),
                                        ok ? "" : " — FAILED"));
        }
        if (echo_server) {
          summary.push_back(fmt::format(
              "server: {} clients, {} closed by their FIN, {} ended by an error, {} bytes echoed",
              echo_server->clients, echo_server->closed, echo_server->errors, echo_server->echoed));
        }
        break;
      }
      case TcpProgram::Welcome:
        for (int i = 0; i < clients; ++i) {
          const auto& r = welcome[i];
          if (!r) continue;
          const auto names = std::count_if(o.inputs.begin(), o.inputs.end(),
                                           [](const std::string& n) { return !n.empty(); });
          const bool ok = r->welcomed && r->client.answered == names;
          failures += ok ? 0 : 1;
          summary.push_back(fmt::format("{}: {}, {} names answered{}{}", client_names[i],
                                        r->welcomed ? "welcomed" : "NOT welcomed",
                                        r->client.answered, describe_error(r->client.error),
                                        ok ? "" : " — FAILED"));
        }
        break;
      case TcpProgram::File:
        for (int i = 0; i < clients; ++i) {
          const auto& r = files[i];
          if (!r) continue;
          failures += r->verified ? 0 : 1;
          summary.push_back(
              r->verified ? fmt::format("{}: {} ({} bytes) verified, sha256 {}", client_names[i],
                                        r->name, r->received, r->received_sha256)
                          : fmt::format("{}: FAILED: {}", client_names[i], r->problem));
        }
        break;
      case TcpProgram::Chat:
        for (const auto& [who, r] : {std::pair{"server", &chat_server}, {"client", &chat_client}}) {
          if (!*r) continue;
          const auto& c = **r;
          summary.push_back(fmt::format("{}: {} lines sent, {} received, {}{}", who, c.sent,
                                        c.received,
                                        c.said_bye    ? "said bye"
                                        : c.heard_bye ? "heard bye"
                                                      : "ended without a bye",
                                        describe_error(c.error)));
        }
        failures += chat_client && (chat_client->said_bye || chat_client->heard_bye) ? 0 : 1;
        break;
    }
    if (server_waiting) {
      // Which: a client that never connected leaves it in accept(); a
      // client whose RST was lost (an RST is never resent) in recv().
      int connected = 0;
      for (int i = 0; i < clients; ++i) {
        connected += (echo[i] && echo[i]->connected) ||
                     (welcome[i] && welcome[i]->client.connected) ||
                     (files[i] && files[i]->connected) ||
                     (i == 0 && chat_client && chat_client->conversations > 0);
      }
      summary.push_back(
          connected < clients
              ? "server: still in accept(), waiting for the clients that never connected"
              : "server: still waiting on a client that is gone (its RST was lost: an RST "
                "is never resent; try --keepalive)");
    }
    tcp::ConnectionStats totals;
    for (sim::HostNode* h : net.all) totals += h->stack().tcp().connection_totals();
    summary.push_back(fmt::format("TCP: {} segments sent, {} retransmitted ({} timeouts)",
                                  totals.segments_sent, totals.retransmitted_segments,
                                  totals.rto_expiries));
  }  // the loop goes first: whatever still runs is cancelled, its sockets closed

  out.print(!o.quiet);
  fmt::print("\n--- {} (seed {}, loss {}, delay {} ms) ---\n", cmd, o.seed, o.loss, o.delay_ms);
  for (const auto& s : summary) fmt::print("{}\n", s);
  out.print_capture_note(o.pcap_path);
  return failures == 0 ? 0 : 1;
}

}  // namespace ws::cli
