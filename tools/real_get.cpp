// `wirestack get URL [-o FILE]`: a small HTTP/1.1 client over a TAP
// device. The body streams to stdout or FILE as it arrives; the status
// line and a summary go to stderr. Exit 0 only for a complete 2xx response.
#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "apps/http.hpp"
#include "real_net.hpp"

namespace ws::cli {

int run_get(const GetOptions& o) {
  if (o.timeout_s <= 0) {
    fmt::print(stderr, "wirestack get: --timeout must be > 0\n");
    return 2;
  }
  if (auto u = apps::parse_http_url(o.url); !u) {
    fmt::print(stderr, "wirestack get: {}\n", u.error());
    return 2;
  }
  std::FILE* out = stdout;
  if (!o.output.empty()) {
    out = std::fopen(o.output.c_str(), "wb");
    if (out == nullptr) {
      fmt::print(stderr, "wirestack get: {}: {}\n", o.output, std::strerror(errno));
      return 2;
    }
  }
  auto rh = RealHost::open(o.net);
  if (!rh) {
    fmt::print(stderr, "wirestack get: {}\n", rh.error());
    if (out != stdout) std::fclose(out);
    return 2;
  }
  RealHost& h = **rh;
  bool write_failed = false;
  int write_errno = 0;
  apps::HttpBodySink sink = [&](std::string_view data) {
    if (std::fwrite(data.data(), 1, data.size(), out) != data.size()) {
      write_failed = true;
      write_errno = errno;
      return false;
    }
    return true;
  };
  apps::HttpClientConfig config;
  config.timeout = Duration::micros(static_cast<std::int64_t>(o.timeout_s * 1e6));
  std::optional<apps::HttpGetResult> result;
  const Instant start = h.loop().now();
  const app::TaskId id =
      h.loop().spawn(app::store_result(apps::http_get(h.loop(), h.stack(), o.url, sink, config), result));
  int signo = 0;
  h.on_interrupt([&](int s) {
    signo = s;
    h.loop().stop();
  });
  h.loop().run_until_done(id);
  if (!h.device_error().empty()) {
    fmt::print(stderr, "wirestack get: {}\n", h.device_error());
    if (out != stdout) std::fclose(out);
    return 1;
  }
  const double seconds = static_cast<double>((h.loop().now() - start).total_nanos()) / 1e9;
  h.close_gracefully(Duration::seconds(2));
  if ((out != stdout ? std::fclose(out) : std::fflush(stdout)) != 0 && !write_failed) {
    write_failed = true;
    write_errno = errno;
  }
  if (signo != 0 || !result) {
    fmt::print(stderr, "wirestack get: interrupted\n");
    return 128 + (signo != 0 ? signo : SIGINT);
  }
  const apps::HttpGetResult& r = *result;
  if (write_failed) {
    fmt::print(stderr, "wirestack get: writing {}: {}\n", o.output.empty() ? "stdout" : o.output,
               std::strerror(write_errno));
    return 1;
  }
  if (r.error) {
    fmt::print(stderr, "wirestack get: {}: {}\n", o.url, app::describe(*r.error));
    return 1;
  }
  if (!r.problem.empty()) {
    fmt::print(stderr, "wirestack get: {}: {}\n", o.url, r.problem);
    return 1;
  }
  const double mbit = seconds > 0 ? static_cast<double>(r.body_bytes) * 8 / seconds / 1e6 : 0;
  fmt::print(stderr, "HTTP {} {}: {} bytes in {:.3f} s ({:.1f} Mbit/s)\n", r.status, r.reason, r.body_bytes,
             seconds, mbit);
  return r.ok() && r.status >= 200 && r.status < 300 ? 0 : 1;
}

}  // namespace ws::cli
