// Seed 004 §10: the UDP "QQ" chat, with names.
//
// In the notes each client carries a dictionary from a name to an address
// (qq_name_dic), picks a name, sendto()s the message straight to that
// address and waits in recvfrom() for the answer; the other side prints
// "a message from [ip:port]" and replies to the address the message came
// from. We keep exactly that — messages go peer to peer, UDP needs no
// connection — and only fill qq_name_dic from a registry instead of typing
// it in: a small server on a well-known port (8081, the notes' ip_port)
// where each client registers its name and looks others up. The registry
// never relays chat, so it is not in the path of the conversation.
//
// The datagrams (text, one request or answer each):
//   client → registry  "REGISTER alice"       → "OK alice" | "TAKEN alice" | "ERROR ..."
//   client → registry  "LOOKUP bob"           → "ADDR bob 192.0.2.11:49152" | "UNKNOWN bob"
//   alice  → bob       "MSG alice hello"      bob prints "from alice: hello"
//   bob    → alice     "REPLY bob hi alice"   alice prints "from bob: hi alice"
//                                             (the notes' back_msg)
// Names are 1..32 characters of [A-Za-z0-9_-]. A lost request or answer
// is resent after a timeout, so a message whose REPLY was lost is shown
// twice at the receiver: UDP itself promises no better.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/socket.hpp"
#include "apps/common.hpp"

namespace ws::apps {

inline constexpr std::uint16_t kChatRegistryPort = 8081;

bool valid_chat_name(std::string_view name);

struct ChatRegistryConfig {
  SocketAddress bind{Ipv4Address::any(), kChatRegistryPort};
  std::size_t max_names = 256;  // bounded, like everything else
};

// Runs until cancelled.
app::Task<void> chat_registry(app::Loop& loop, Stack& stack, ChatRegistryConfig config,
                              Print print);

// One thing the user does: wait `after`, choose whom to talk to
// (请选择聊天对象), type a message (请输入消息). "q" as the text is skipped
// (it ends the chat with that person in the notes).
struct ChatLine {
  Duration after;
  std::string to;
  std::string text;
};

struct ChatClientConfig {
  std::string name{};
  SocketAddress registry{};
  std::vector<ChatLine> script{};
  // The answer to a message (the notes' back_msg = input('回复消息: ')).
  // Default: "hi <from>, <name> here".
  std::function<std::string(std::string_view from, std::string_view text)> reply{};
  Duration timeout = Duration::seconds(1);  // per attempt, for every request
  int retries = 3;
  // After the script, keep answering messages this long, then close.
  Duration linger = Duration::seconds(5);
};

struct ChatReport {
  bool registered = false;
  int sent = 0;      // messages that got their REPLY
  int failed = 0;    // messages or lookups given up on
  int received = 0;  // messages answered (duplicates included)
  int resends = 0;
  bool operator==(const ChatReport&) const = default;
};

app::Task<ChatReport> chat_client(app::Loop& loop, Stack& stack, ChatClientConfig config,
                                  Print print);

}  // namespace ws::apps
