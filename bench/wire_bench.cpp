// Wire-layer micro-benchmarks. Each figure sits next to a reference run in
// the same process: the checksum against the textbook RFC 1071 16-bit loop,
// parsing against a plain copy of the same bytes (the floor for touching them).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "base/checksum.hpp"
#include "fixtures/linux_frames.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace {

// RFC 1071 §4.1's C example, restated: 16 bits at a time, carries folded at the end.
std::uint16_t reference_checksum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t sum = 0;
  while (n > 1) {
    sum += static_cast<std::uint32_t>((p[0] << 8) | p[1]);
    p += 2;
    n -= 2;
  }
  if (n > 0) sum += static_cast<std::uint32_t>(p[0] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::vector<std::uint8_t> payload(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return v;
}

void BM_Checksum_wirestack(benchmark::State& state) {
  const auto data = payload(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ws::internet_checksum(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Checksum_wirestack)->Arg(64)->Arg(1500)->Arg(65536);

void BM_Checksum_reference_rfc1071(benchmark::State& state) {
  const auto data = payload(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(reference_checksum(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Checksum_reference_rfc1071)->Arg(64)->Arg(1500)->Arg(65536);

void BM_ParseTcpSyn_wirestack(benchmark::State& state) {
  const ws::Bytes ip(ws::fixtures::kTcpSyn + 14, sizeof(ws::fixtures::kTcpSyn) - 14);
  for (auto _ : state) {
    auto h = ws::Ipv4Header::parse(ip);
    auto t = ws::TcpSegment::parse(ws::Ipv4View::check(ip)->payload(), h->src, h->dst);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_ParseTcpSyn_wirestack);

void BM_ParseTcpSyn_reference_memcpy(benchmark::State& state) {
  std::uint8_t out[sizeof(ws::fixtures::kTcpSyn)];
  for (auto _ : state) {
    std::memcpy(out, ws::fixtures::kTcpSyn, sizeof out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_ParseTcpSyn_reference_memcpy);

}  // namespace

BENCHMARK_MAIN();
