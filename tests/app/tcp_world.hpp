// Shared by the seed TCP program tests: a server and N client hosts on the
// simulator with a loop serving them, and small helpers for transcripts
// (ephemeral ports masked, print times noted).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "apps/common.hpp"
#include "fixture.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::apps::tcp_testing {

using app::TaskId;
using app::testing::t0;
using app::testing::Transcript;

using Lines = std::vector<std::string>;

inline Duration ms(std::int64_t n) { return Duration::millis(n); }

// A server (192.0.2.20, or 198.51.100.20 behind a router) and `clients`
// client hosts 192.0.2.10, .11, ... on one switch; a loop serving all.
struct World {
  explicit World(std::uint64_t seed, std::size_t clients = 1, bool across_router = false,
                 sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1)))
      : sim(seed), loop(sim) {
    sim::TopologyBuilder b(sim);
    auto host = [&](const std::string& name, bool forwarding = false) -> sim::HostNode& {
      HostConfig c;
      c.seed = sim.rng().next_u64();
      c.forwarding = forwarding;
      return b.add_host(name, c);
    };
    sim::Switch& left = b.add_switch("sw1", clients + 2);
    server = &host("server");
    if (across_router) {
      sim::Switch& right = b.add_switch("sw2", 2);
      router = &host("router", true);
      b.attach(*router, left, Ipv4Cidr(Ipv4Address(192, 0, 2, 1), 24), link);
      b.attach(*router, right, Ipv4Cidr(Ipv4Address(198, 51, 100, 1), 24), link);
      b.attach(*server, right, Ipv4Cidr(sim::kRoutedServerAddr, 24), link);
      server->host().set_default_gateway(Ipv4Address(198, 51, 100, 1), 0);
      loop.serve(*router);
    } else {
      b.attach(*server, left, Ipv4Cidr(sim::kLanServerAddr, 24), link);
    }
    loop.serve(*server);
    for (std::size_t i = 0; i < clients; ++i) {
      sim::HostNode& c = host("client" + std::to_string(i + 1));
      b.attach(c, left, Ipv4Cidr(Ipv4Address(192, 0, 2, static_cast<std::uint8_t>(10 + i)), 24),
               link);
      if (across_router) c.host().set_default_gateway(Ipv4Address(192, 0, 2, 1), 0);
      loop.serve(c);
      client_hosts.push_back(&c);
    }
  }
  Stack& client(std::size_t i = 0) { return client_hosts.at(i)->stack(); }
  Ipv4Address server_ip() const {
    return router != nullptr ? sim::kRoutedServerAddr : sim::kLanServerAddr;
  }
  // Runs until every task (servers included) has finished.
  bool run_until_idle(Instant limit) {
    while (loop.task_count() > 0) {
      if (sim.next_event_at() > limit) return false;
      sim.step();
    }
    return true;
  }
  std::uint64_t retransmissions() {
    std::uint64_t n = server->stack().tcp().connection_totals().retransmitted_segments;
    for (auto* c : client_hosts) n += c->stack().tcp().connection_totals().retransmitted_segments;
    return n;
  }

  sim::Simulation sim;
  sim::HostNode* server = nullptr;
  sim::HostNode* router = nullptr;
  std::vector<sim::HostNode*> client_hosts;
  app::SimLoop loop;  // last: destroyed first
};

// Ephemeral ports (49152–65535) vary with the seed: "192.0.2.10:*".
inline std::string without_ports(const std::string& line) {
  static const std::regex port(R"((\d+\.\d+\.\d+\.\d+)(:|', )\d{5})");
  return std::regex_replace(line, port, "$1$2*");
}
inline Lines without_ports(const Lines& lines) {
  Lines out;
  for (const auto& l : lines) out.push_back(without_ports(l));
  return out;
}

// Spawns `task` after `after`, keeping its result in `out`.
template <class T>
TaskId start(app::Loop& loop, Duration after, app::Task<T> task, std::optional<T>& out) {
  return loop.spawn(app::delayed(loop, after, app::store_result(std::move(task), out)));
}

// Runs a task for its effects (a server whose report the test does not need).
template <class T>
app::Task<void> ignoring_result(app::Task<T> task) {
  (void)co_await std::move(task);
}

// A print() that also notes when each line was printed.
inline apps::Print timed(app::Loop& loop, apps::Print inner,
                         std::vector<std::pair<std::string, Instant>>& at) {
  return [&loop, inner = std::move(inner), &at](std::string_view line) {
    at.emplace_back(std::string(line), loop.now());
    inner(line);
  };
}
inline Instant when(const std::vector<std::pair<std::string, Instant>>& at, std::string_view line) {
  for (const auto& [l, t] : at) {
    if (l == line) return t;
  }
  ADD_FAILURE() << "never printed: " << line;
  return Instant::never();
}

}  // namespace ws::apps::tcp_testing
