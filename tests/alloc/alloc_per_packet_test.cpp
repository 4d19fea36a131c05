// No heap allocation per packet in steady state (docs/architecture.md
// "Data path"): after a warm-up, a 100 MiB TCP transfer between two hosts
// on the simulator (an ideal LAN through a switch) may allocate only a
// small fixed number of times in total — not once per segment, per ACK or
// per frame.
//
// This executable replaces the global operator new to count allocations
// (that is why it is an executable of its own). WS_ALLOC_TRACE=N prints
// the call stacks of the first N allocations made while counting, to find
// the one that crept in.
#include <execinfo.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <vector>

#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocs{0};
long g_trace_left = 0;
constexpr std::size_t kSizes = 4096;
std::atomic<std::uint64_t> g_by_size[kSizes];  // allocations while counting, by size (the last: larger)

void* counted_alloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    g_by_size[n < kSizes ? n : kSizes - 1].fetch_add(1, std::memory_order_relaxed);
    if (g_trace_left > 0) {
      --g_trace_left;
      g_counting = false;  // backtrace() may allocate
      void* frames[64];
      const int depth = backtrace(frames, 64);
      std::fprintf(stderr, "--- allocation of %zu bytes:\n", n);
      backtrace_symbols_fd(frames, depth, 2);
      g_counting = true;
    }
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace ws {
namespace {

constexpr std::uint16_t kPort = 5001;
constexpr std::size_t kBuffer = 1 << 20;  // SO_SNDBUF and SO_RCVBUF
constexpr std::size_t kChunk = 64 * 1024;  // per send/recv call

struct Transfer {
  sim::Simulation sim{1};
  sim::Lan lan = sim::build_lan(sim, sim::LinkConfig{});  // ideal links
  Stack& c = lan.client.stack();
  Stack& s = lan.server.stack();
  SocketId cli{}, srv{};
  std::vector<std::uint8_t> out = std::vector<std::uint8_t>(kChunk), in = std::vector<std::uint8_t>(kChunk);
  std::uint64_t sent = 0, received = 0;

  Transfer() {
    const SocketId l = *s.socket(SocketType::Stream);
    EXPECT_TRUE(s.set_option(l, SockOpt::RcvBuf, static_cast<int>(kBuffer)));
    EXPECT_TRUE(s.set_option(l, SockOpt::SndBuf, static_cast<int>(kBuffer)));
    EXPECT_TRUE(s.bind(l, {Ipv4Address::any(), kPort}));
    EXPECT_TRUE(s.listen(l, 4));
    cli = *c.socket(SocketType::Stream);
    EXPECT_TRUE(c.set_option(cli, SockOpt::RcvBuf, static_cast<int>(kBuffer)));
    EXPECT_TRUE(c.set_option(cli, SockOpt::SndBuf, static_cast<int>(kBuffer)));
    EXPECT_EQ(c.connect(sim.now(), cli, {sim::kLanServerAddr, kPort}).error(), SockError::InProgress);
    sim.kick(lan.client);
    std::optional<SocketId> a;
    while (!a) {
      if (auto acc = s.accept(l)) a = acc->socket;
      if (!a && !sim.step()) break;
    }
    EXPECT_TRUE(a.has_value());
    srv = a.value_or(SocketId{});
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i * 7 + 1);
  }

  // Moves `bytes` more from client to server; false if the simulation stalls.
  bool move(std::uint64_t bytes) {
    const std::uint64_t goal = received + bytes;
    std::uint64_t to_send = sent + bytes;
    while (received < goal) {
      while (sent < to_send) {
        const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, to_send - sent));
        auto r = c.send_to(sim.now(), cli, Bytes(out.data(), len));
        if (!r) break;
        sent += *r;
      }
      sim.kick(lan.client);
      for (;;) {
        auto r = s.recv_from(sim.now(), srv, in);
        if (!r || r->len == 0) break;
        received += r->len;
      }
      sim.kick(lan.server);
      if (received < goal && !sim.step()) return false;
    }
    return true;
  }
};

TEST(AllocationsPerPacket, NoneInASteadyTransfer) {
  Transfer t;
  // Warm-up: pools, queues and rings reach their working size — also for
  // the burst a whole window makes when a phase starts on an idle connection.
  // (CUBIC's window reaches the 1 MiB buffers during the third 16 MiB
  // phase: from then on each phase starts with a burst of a whole window.)
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(t.move(16u << 20));
  const std::uint64_t segments_before = t.c.tcp().connection_totals().segments_sent +
                                        t.s.tcp().connection_totals().segments_sent;
  if (const char* trace = std::getenv("WS_ALLOC_TRACE")) g_trace_left = std::atol(trace);
  g_allocs = 0;
  g_counting = true;
  const bool ok = t.move(100u << 20);
  g_counting = false;
  const std::uint64_t allocs = g_allocs;
  ASSERT_TRUE(ok) << "the transfer stalled";
  const std::uint64_t segments = t.c.tcp().connection_totals().segments_sent +
                                 t.s.tcp().connection_totals().segments_sent - segments_before;
  std::printf("100 MiB: %llu segments (data and ACKs), %llu heap allocations (%.4f per segment)\n",
              static_cast<unsigned long long>(segments), static_cast<unsigned long long>(allocs),
              static_cast<double>(allocs) / static_cast<double>(segments));
  for (std::size_t i = 0; i < kSizes; ++i) {
    if (g_by_size[i] >= 10) {
      std::printf("  %llu of %zu%s bytes\n", static_cast<unsigned long long>(g_by_size[i].load()), i,
                  i == kSizes - 1 ? " or more" : "");
    }
  }
  EXPECT_GT(segments, 70000u);  // 100 MiB in 1460-byte segments, plus ACKs
  EXPECT_LE(allocs, 64u) << "allocations grow with the traffic; rerun with WS_ALLOC_TRACE=5";
}

}  // namespace
}  // namespace ws
