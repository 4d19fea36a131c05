// wirestack_checksum_bench: the Internet checksum (RFC 1071) in GB/s on a
// TCP payload (1460 bytes) and a 64 KiB buffer, next to memcpy of the same
// buffer measured in the same run (the floor for touching the bytes once),
// and the two ways of sending a payload: copy then checksum, or the fused
// ChecksumAccumulator::add_copy (src/wire/tcp.cpp TcpSegment::emit).
//
// A plain program, not Google Benchmark. Each figure is the fastest of many
// short batches (256 KiB each, --mib MiB in all): on a shared machine a
// batch that was not preempted measures the code, not the load, so the
// figures repeat from run to run. Buffers stay in cache. Offset 1 starts
// source and destination one byte past an 8-byte boundary.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/checksum.hpp"
#include "base/rng.hpp"

#ifndef WS_BUILD_TYPE
#define WS_BUILD_TYPE "unknown"
#endif

namespace {

// Keeps the compiler from dropping work whose result is otherwise unused.
void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

std::uint64_t g_sink = 0;

// GB/s (1e9 bytes per second) of the fastest batch of calls of `op`, each
// touching `len` bytes, over about `total` bytes.
template <typename Op>
double best_gbps(std::size_t len, double total, Op op) {
  const std::size_t per_batch = std::max<std::size_t>(1, (256 * 1024) / len);
  const auto batches = std::max<std::size_t>(
      1, static_cast<std::size_t>(total / static_cast<double>(len * per_batch)));
  double fastest = 1e30;
  for (std::size_t b = 0; b < batches; ++b) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < per_batch; ++i) op();
    const auto t1 = std::chrono::steady_clock::now();
    fastest = std::min(fastest, std::chrono::duration<double>(t1 - t0).count());
  }
  return static_cast<double>(len * per_batch) / fastest / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Internet checksum speed next to memcpy"};
  double mib = 1024;
  app.add_option("--mib", mib, "MiB summed or copied per figure")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  fmt::print("wirestack_checksum_bench ({} build), {} MiB per figure, fastest 256 KiB batch\n",
             WS_BUILD_TYPE, mib);
  fmt::print("{:>8} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "bytes", "offset", "memcpy",
             "checksum", "copy+sum", "add_copy", "sum/memcpy");

  ws::Rng rng(1);
  for (const std::size_t len : {std::size_t{1460}, std::size_t{65536}}) {
    for (const std::size_t off : {std::size_t{0}, std::size_t{1}}) {
      std::vector<std::uint8_t> src_store(len + 16), dst_store(len + 16);
      rng.fill(src_store);
      const std::uint8_t* src = src_store.data() + off;
      std::uint8_t* dst = dst_store.data() + off;
      const ws::Bytes in(src, len);
      const ws::MutBytes out(dst, len);
      const double total = mib * 1024 * 1024;

      const double copy = best_gbps(len, total, [&] {
        std::memcpy(dst, src, len);
        clobber(dst);
      });
      const double sum = best_gbps(len, total, [&] {
        g_sink += ws::internet_checksum(in);
        clobber(src);
      });
      const double copy_sum = best_gbps(len, total, [&] {
        std::memcpy(dst, src, len);
        g_sink += ws::internet_checksum(out);
        clobber(dst);
      });
      const double fused = best_gbps(len, total, [&] {
        ws::ChecksumAccumulator acc;
        acc.add_copy(out, in);
        g_sink += acc.finish();
        clobber(dst);
      });
      fmt::print("{:>8} {:>6} {:>10.2f} {:>10.2f} {:>10.2f} {:>10.2f} {:>10.2f}\n", len, off, copy,
                 sum, copy_sum, fused, sum / copy);
    }
  }
  fmt::print("GB/s (1e9 bytes/s) of the bytes summed or copied; sink {}\n", g_sink % 10);
  return 0;
}
