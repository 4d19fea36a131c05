// Seed 001 §6, exercise 3: "写一个套接字服务端，和客户端，当客户端向服务端一建立
// 链接，就能收到一个文件（内容是sb）" — a server that sends a file to every
// client the moment it connects (content: sb).
//
//   server: bind; listen(5); while True: sock, addr = accept(); sock.sendall(file); sock.close()
//   client: connect; read until recv() returns b''; check it; close()
//
// The stream has no boundaries (seed 004 §三 面向流), so the server first
// sends one header line, then the bytes, then closes (the FIN ends them):
//
//   FILE <name> <size> <sha256 hex>\n<size bytes>
//
// and the client checks the length and the SHA-256 of what arrived
// against the header. The content is in memory: the programs touch no
// file system (the CLI reads --file PATH for them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/socket.hpp"
#include "apps/common.hpp"

namespace ws::apps {

inline constexpr std::size_t kMaxFileHeader = 256;  // bytes, newline included

// "FILE sb.txt 2 <sha256>\n". The name is reduced to [A-Za-z0-9._-] (others
// become '_', at most 64 characters, "file" when empty) so that the header
// splits on spaces.
std::string file_header(std::string_view name, std::string_view content);
std::string file_safe_name(std::string_view name);

struct FileServerConfig {
  SocketAddress bind{Ipv4Address::any(), 8008};  // seed 001 §6: server.bind((..., 8008))
  int backlog = 5;                               // server.listen(5)
  std::string name = "sb.txt";
  std::string content = "sb";  // 内容是sb
  int max_clients = 0;         // 0: serve for ever; else return after this many
};

struct FileServerReport {
  int clients = 0;
  int sent = 0;    // files handed to TCP whole (then closed with a FIN)
  int failed = 0;  // the client went away first
  bool operator==(const FileServerReport&) const = default;
};

app::Task<FileServerReport> file_server(app::Loop& loop, Stack& stack, FileServerConfig config,
                                        Print print);

struct FileClientConfig {
  SocketAddress server{};
  std::size_t bufsize = 64 * 1024;
  std::uint64_t max_size = 64 * 1024 * 1024;  // larger announced files are refused
  bool keep = true;                           // keep the bytes in the report
};

struct FileClientReport {
  bool connected = false;
  std::string name;                  // from the header
  std::uint64_t size = 0;            // announced
  std::string sha256;                // announced
  std::uint64_t received = 0;        // bytes after the header
  std::string received_sha256;       // of those bytes
  bool verified = false;             // received == size and the digests match
  std::string content;               // the bytes, when FileClientConfig::keep
  std::optional<SockError> error{};  // a socket error ended it
  std::string problem;               // why not verified, in words
};

app::Task<FileClientReport> file_client(app::Loop& loop, Stack& stack, FileClientConfig config,
                                        Print print);

}  // namespace ws::apps
