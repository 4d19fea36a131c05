// `wirestack sim udp-echo|udp-time|udp-chat`: the seed programs of apps/
// run on a simulated network, with what each program prints and (unless
// -q) every frame each host sends, in virtual-time order:
//
//     0.100000  client   sendto(b'sb', ('192.0.2.20', 82))
//     0.100000  client   > ARP, Request who-has 192.0.2.20 tell 192.0.2.10
//     ...
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "app/sim_loop.hpp"
#include "apps/udp_chat.hpp"
#include "apps/udp_time.hpp"
#include "apps/udp_upper.hpp"
#include "commands.hpp"
#include "sim_net.hpp"

namespace ws::cli {

namespace {

constexpr std::string_view kCommand[] = {"udp-echo", "udp-time", "udp-chat"};

struct ChatSay {
  std::string from, to, text;
};

std::optional<ChatSay> parse_say(const std::string& s) {
  const auto a = s.find(':');
  if (a == std::string::npos) return std::nullopt;
  const auto b = s.find(':', a + 1);
  if (b == std::string::npos) return std::nullopt;
  return ChatSay{s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
}

std::string report_line(const std::string& who, const apps::ClientReport& r) {
  return fmt::format("{}: {} requests, {} answered, {} resent, {} stale replies skipped, {} failed",
                     who, r.requests, r.answered, r.resends, r.stale, r.failed);
}

}  // namespace

int run_sim_udp(const SimUdpOptions& o) {
  const std::string_view cmd = kCommand[static_cast<int>(o.program)];
  if (o.loss < 0 || o.loss > 1 || o.delay_ms < 0 || o.timeout_ms <= 0 || o.retries < 0 ||
      o.gap_ms < 0) {
    fmt::print(
        stderr,
        "wirestack sim {}: invalid option (0 <= loss <= 1, delay >= 0, timeout > 0, retries >= 0, "
        "gap >= 0)\n",
        cmd);
    return 2;
  }
  const bool chat = o.program == UdpProgram::Chat;
  std::vector<ChatSay> script;
  if (chat) {
    if (o.names.empty() || o.names.size() > 200) {
      fmt::print(stderr, "wirestack sim udp-chat: --names: 1 to 200 clients\n");
      return 2;
    }
    for (const auto& n : o.names) {
      if (!apps::valid_chat_name(n) || n == "router" || n == "registry" ||
          std::count(o.names.begin(), o.names.end(), n) > 1) {
        fmt::print(
            stderr,
            "wirestack sim udp-chat: bad or repeated name '{}' ([A-Za-z0-9_-], at most 32)\n", n);
        return 2;
      }
    }
    for (const auto& s : o.inputs) {
      auto say = parse_say(s);
      if (!say || std::find(o.names.begin(), o.names.end(), say->from) == o.names.end()) {
        fmt::print(
            stderr,
            "wirestack sim udp-chat: --say '{}': want FROM:TO:TEXT with FROM one of --names\n", s);
        return 2;
      }
      script.push_back(*say);
    }
  }

  sim::Simulation simulation(o.seed);
  sim::LinkConfig link;
  link.delay = Duration::micros(static_cast<std::int64_t>(o.delay_ms * 1000));
  const std::vector<std::string> client_names = chat ? o.names : std::vector<std::string>{"client"};
  SimNetwork net = build_sim_network(simulation, link, o.across_router, client_names,
                                     chat ? "registry" : "server", /*alternate_sides=*/chat);
  sim::LinkConfig lossy = link;
  lossy.loss = o.loss;
  for (sim::HostNode* c : net.clients) simulation.link_at(*c, 0)->set_config(lossy);

  SimOutput out;
  if (auto err = out.capture(simulation, net.all, o.pcap_path)) {
    fmt::print(stderr, "wirestack sim {}: {}\n", cmd, *err);
    return 1;
  }

  std::vector<std::string> summary;
  int failures = 0;
  {
    app::SimLoop loop(simulation);
    for (sim::HostNode* h : net.all) loop.serve(*h);
    auto printer = [&](std::string who) { return out.printer(loop, std::move(who)); };
    const Ipv4Address server_ip = o.across_router ? sim::kRoutedServerAddr : sim::kLanServerAddr;
    const Duration timeout = Duration::micros(static_cast<std::int64_t>(o.timeout_ms * 1000));
    // Clients start once the gratuitous ARPs of time 0 are over.
    const Duration start = Duration::millis(100);
    std::vector<app::TaskId> clients;
    std::vector<std::optional<apps::ClientReport>> reports(1);
    std::vector<std::optional<apps::ChatReport>> chat_reports(net.clients.size());
    Stack& server_stack = net.server->stack();
    Stack& client_stack = net.clients[0]->stack();

    switch (o.program) {
      case UdpProgram::Echo: {
        const SocketAddress server{server_ip, o.port != 0 ? o.port : std::uint16_t{82}};
        fmt::print("udp-echo: client {} -> server {}{}\n", address_of(*net.clients[0]).to_string(),
                   server.to_string(), o.across_router ? " (across the router)" : " (one switch)");
        loop.spawn(apps::udp_upper_server(loop, server_stack, {.bind = server}, printer("server")));
        clients.push_back(
            loop.spawn(app::delayed(loop, start,
                                    app::store_result(apps::udp_upper_client(loop, client_stack,
                                                                             {.server = server,
                                                                              .inputs = o.inputs,
                                                                              .timeout = timeout,
                                                                              .retries = o.retries},
                                                                             printer("client")),
                                                      reports[0]))));
        break;
      }
      case UdpProgram::Time: {
        const SocketAddress server{server_ip, o.port != 0 ? o.port : std::uint16_t{9000}};
        auto epoch = apps::format_time(apps::kDefaultTimeFormat, o.epoch);
        fmt::print("udp-time: client -> time server {}{}; virtual time 0 = {} UTC\n",
                   server.to_string(), o.across_router ? " (across the router)" : " (one switch)",
                   epoch ? *epoch : "?");
        loop.spawn(apps::udp_time_server(
            loop, server_stack, {.bind = server, .epoch_unix = o.epoch}, printer("server")));
        clients.push_back(
            loop.spawn(app::delayed(loop, start,
                                    app::store_result(apps::udp_time_client(loop, client_stack,
                                                                            {.server = server,
                                                                             .inputs = o.inputs,
                                                                             .timeout = timeout,
                                                                             .retries = o.retries},
                                                                            printer("client")),
                                                      reports[0]))));
        break;
      }
      case UdpProgram::Chat: {
        const SocketAddress registry{server_ip, o.port != 0 ? o.port : apps::kChatRegistryPort};
        fmt::print("udp-chat: registry {}; clients", registry.to_string());
        for (sim::HostNode* c : net.clients) {
          fmt::print(" {}@{}", c->name(), address_of(*c).to_string());
        }
        fmt::print("\n");
        loop.spawn(
            apps::chat_registry(loop, server_stack, {.bind = registry}, printer("registry")));
        // Line k of the conversation is typed at start + 500 ms + k × gap
        // by its sender; each client's script holds the waits between its own lines.
        const Duration gap = Duration::micros(static_cast<std::int64_t>(o.gap_ms * 1000));
        for (std::size_t i = 0; i < net.clients.size(); ++i) {
          apps::ChatClientConfig c{
              .name = o.names[i], .registry = registry, .timeout = timeout, .retries = o.retries};
          Duration last = Duration::zero();
          for (std::size_t k = 0; k < script.size(); ++k) {
            if (script[k].from != o.names[i]) continue;
            const Duration at = Duration::millis(500) + gap * static_cast<std::int64_t>(k);
            c.script.push_back({at - last, script[k].to, script[k].text});
            last = at;
          }
          // Everyone stays until the last line has surely been answered.
          const Duration end = Duration::millis(500) +
                               gap * static_cast<std::int64_t>(script.size()) +
                               timeout * (o.retries + 1);
          c.linger = end - last;
          clients.push_back(loop.spawn(
              app::delayed(loop, start,
                           app::store_result(apps::chat_client(loop, net.clients[i]->stack(),
                                                               std::move(c), printer(o.names[i])),
                                             chat_reports[i]))));
        }
        break;
      }
    }

    const bool done = loop.run_until_all_done(clients, Instant::zero() + Duration::seconds(3600));
    if (!done) {
      summary.push_back("the clients did not finish within an hour of virtual time");
      ++failures;
    }
    if (chat) {
      for (std::size_t i = 0; i < chat_reports.size(); ++i) {
        const auto& r = chat_reports[i];
        if (!r) continue;
        summary.push_back(
            fmt::format("{}: {}, {} messages answered, {} failed, {} received, {} resent",
                        o.names[i], r->registered ? "registered" : "NOT registered", r->sent,
                        r->failed, r->received, r->resends));
        failures += r->registered ? 0 : 1;
      }
    } else if (reports[0]) {
      summary.push_back(report_line("client", *reports[0]));
      failures += reports[0]->failed;
    }
  }  // the loop goes first: the servers are cancelled, their sockets closed

  out.print(!o.quiet);
  fmt::print("\n--- {} (seed {}, loss {}, delay {} ms) ---\n", cmd, o.seed, o.loss, o.delay_ms);
  for (const auto& s : summary) fmt::print("{}\n", s);
  out.print_capture_note(o.pcap_path);
  return failures == 0 ? 0 : 1;
}

}  // namespace ws::cli
