#include "apps/tcp_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "base/sha256.hpp"

namespace ws::apps {

using app::socket;
using app::Task;

namespace {

Bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string sha256_hex(std::string_view data) {
  Sha256 sha;
  sha.update(as_bytes(data));
  return sha.hex();
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

struct Header {
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;
};

// "FILE <name> <size> <sha256>" (without the newline), or nullopt.
std::optional<Header> parse_header(std::string_view line) {
  std::vector<std::string_view> words;
  while (!line.empty()) {
    const auto sp = line.find(' ');
    words.push_back(line.substr(0, sp));
    line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  }
  if (words.size() != 4 || words[0] != "FILE" || words[1].empty() || !is_sha256_hex(words[3])) {
    return std::nullopt;
  }
  Header h{std::string(words[1]), 0, std::string(words[3])};
  const auto* end = words[2].data() + words[2].size();
  const auto [p, ec] = std::from_chars(words[2].data(), end, h.size);
  if (ec != std::errc() || p != end || words[2].empty()) return std::nullopt;
  return h;
}

}  // namespace

std::string file_safe_name(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 64)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  return out.empty() ? "file" : out;
}

std::string file_header(std::string_view name, std::string_view content) {
  return fmt::format("FILE {} {} {}\n", file_safe_name(name), content.size(), sha256_hex(content));
}

Task<FileServerReport> file_server(app::Loop& loop, Stack& stack, FileServerConfig config,
                                   Print print) {
  FileServerReport report;
  const std::string name = file_safe_name(config.name);
  const std::string header = file_header(name, config.content);  // hashed once, sent to all
  // server = socket.socket()
  auto server = socket(loop, stack, SocketType::Stream);
  if (!server) {
    print(fmt::format("socket: {}", app::describe(server.error())));
    co_return report;
  }
  // server.bind(('192.168.11.28', 8008))
  if (auto r = server->bind(config.bind); !r) {
    print(fmt::format("bind {}: {}", config.bind.to_string(), app::describe(r.error())));
    co_return report;
  }
  // server.listen(5)
  if (auto r = server->listen(config.backlog); !r) {
    print(fmt::format("listen: {}", app::describe(r.error())));
    co_return report;
  }
  print(fmt::format("serving {} ({} bytes) to every client that connects", name,
                    config.content.size()));
  while (config.max_clients == 0 || report.clients < config.max_clients) {
    // sock, addr = server.accept()
    auto accepted = co_await server->accept();
    if (!accepted) {
      print(fmt::format("accept: {}", app::describe(accepted.error())));
      if (is_transient(accepted.error()) || accepted.error() == SockError::ConnAborted) continue;
      break;
    }
    ++report.clients;
    app::Socket& sock = accepted->conn;
    print(fmt::format("{} connected: sending {}", py_addr(accepted->addr), name));
    // Two writes, header then file: with Nagle the file's first segment
    // would wait for the header's ACK, which the client delays (40 ms).
    (void)sock.setsockopt(SockOpt::NoDelay, 1);
    // sock.sendall(header); sock.sendall(file)
    auto sent = co_await sock.sendall(header);
    if (sent) sent = co_await sock.sendall(config.content);
    if (!sent) {
      print(fmt::format("send: {}", app::describe(sent.error())));
      ++report.failed;
    } else {
      // Queued, not yet delivered: close() without SO_LINGER lets TCP
      // deliver the rest, then its FIN tells the client the file is whole.
      print(fmt::format("sent {} + {} bytes; close()", header.size(), config.content.size()));
      ++report.sent;
    }
    (void)sock.close();  // sock.close()
  }
  (void)server->close();
  co_return report;
}

Task<FileClientReport> file_client(app::Loop& loop, Stack& stack, FileClientConfig config,
                                   Print print) {
  FileClientReport report;
  auto fail = [&](std::string problem) {
    print(problem);
    report.problem = std::move(problem);
  };
  // client = socket.socket()
  auto client = socket(loop, stack, SocketType::Stream);
  if (!client) {
    report.error = client.error();
    fail(fmt::format("socket: {}", app::describe(client.error())));
    co_return report;
  }
  // client.connect(('127.0.0.1', 8008)): the file comes without asking
  if (auto r = co_await client->connect(config.server); !r) {
    report.error = r.error();
    fail(fmt::format("connect {}: {}", config.server.to_string(), app::describe(r.error())));
    co_return report;
  }
  report.connected = true;

  // The header line; what follows it in the same read is file data.
  std::string buf;
  std::size_t newline = std::string::npos;
  while ((newline = buf.find('\n')) == std::string::npos && buf.size() < kMaxFileHeader) {
    auto part = co_await client->recv(config.bufsize);
    if (!part) {
      report.error = part.error();
      fail(fmt::format("recv: {}", app::describe(part.error())));
      co_return report;
    }
    if (part->empty()) break;
    buf += *part;
  }
  const auto header = newline < kMaxFileHeader
                          ? parse_header(std::string_view(buf).substr(0, newline))
                          : std::nullopt;
  if (!header || header->size > config.max_size) {
    fail(header ? fmt::format("refused: {} bytes is more than {}", header->size, config.max_size)
                : fmt::format("no valid header in {}", py_bytes(buf.substr(0, kMaxFileHeader))));
    (void)client->close();
    co_return report;
  }
  print(buf.substr(0, newline));
  report.name = header->name;
  report.size = header->size;
  report.sha256 = header->sha256;

  // data = client.recv(...) until b'': the server's FIN ends the file.
  Sha256 sha;
  constexpr std::size_t kPrintable = 64;  // a file this small is printed, as print(data) would
  std::string head;
  auto take = [&](std::string_view data) {
    report.received += data.size();
    sha.update(as_bytes(data));
    if (config.keep) report.content.append(data);
    if (head.size() <= kPrintable) head.append(data.substr(0, kPrintable + 1 - head.size()));
  };
  take(std::string_view(buf).substr(newline + 1));
  while (report.received <= report.size) {
    auto part = co_await client->recv(config.bufsize);
    if (!part) {
      report.error = part.error();
      print(fmt::format("recv: {}", app::describe(part.error())));
      break;
    }
    if (part->empty()) break;
    take(*part);
  }
  report.received_sha256 = sha.hex();
  report.verified =
      !report.error && report.received == report.size && report.received_sha256 == report.sha256;
  if (report.verified && report.size <= kPrintable) print(py_bytes(head));  // print(data)
  if (report.verified) {
    print(fmt::format("received {} bytes, sha256 {}: verified", report.received,
                      report.received_sha256));
  } else if (report.received != report.size) {
    fail(fmt::format("received {} bytes of {}: NOT verified", report.received, report.size));
  } else {
    fail(fmt::format("received {} bytes, sha256 {} != {}: NOT verified", report.received,
                     report.received_sha256, report.sha256));
  }
  print("close()");
  (void)client->close();  // client.close()
  co_return report;
}

}  // namespace ws::apps
