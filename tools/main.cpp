// The `wirestack` command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <stdexcept>

#include "commands.hpp"
#include "real_net.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wirestack: a user-space TCP/IP stack (Ethernet, ARP, IPv4, ICMP, UDP, TCP)"};
  app.require_subcommand(1);

  ws::cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand(
      "demo", "Seed 000's TCP conversation, live: two hosts on a simulated switch, one line per "
              "segment, state changes and socket calls inline");
  demo_cmd->add_option("--pcap", demo.pcap_path, "Write the capture (each frame as sent) to FILE");
  demo_cmd->add_option("--svg", demo.svg_path, "Write a sequence diagram to FILE (open it in a browser)");
  demo_cmd->add_option("--html", demo.html_path,
                       "Write a step-through page to FILE (one self-contained HTML file: diagram, states, "
                       "socket calls, each frame decoded)");
  demo_cmd->add_flag("--random-isn", demo.random_isn, "RFC 6528 ISNs instead of the notes' 1000 and 8000");
  demo_cmd->add_option("--loss", demo.loss, "Loss probability per frame on every link, each direction")
      ->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "Seed of the simulation (which frames are lost)")->capture_default_str();
  demo_cmd->add_flag("--across-router", demo.across_router, "Put a router between two subnets: ARP for the gateway, TTL");
  demo_cmd->add_flag("--half-close", demo.half_close,
                     "The client shuts down its sending side; the server keeps sending after the client's FIN");

  ws::cli::FramesOptions frames;
  auto* frames_cmd = app.add_subcommand(
      "frames", "Build an ARP exchange, an ICMP echo and a TCP handshake by hand with the wire layer, "
                "print each frame decoded and write them to a pcap file");
  frames_cmd->add_option("--pcap", frames.pcap_path, "Where to write the capture")->capture_default_str();

  ws::cli::DecodeOptions decode;
  auto* decode_cmd = app.add_subcommand(
      "decode", "Print a capture file (pcap or pcapng, read with libpcap) one line per frame, decoded by "
                "wirestack; each line starts with the frame's number in the file");
  decode_cmd->add_option("file", decode.pcap_path, "pcap or pcapng file (Ethernet link type)")->required();
  decode_cmd->add_option("-f,--filter", decode.filter,
                         "Only frames this BPF expression accepts (tcpdump's syntax, e.g. 'tcp port 80'); "
                         "they keep their numbers in the file, as in tcpdump --number and tshark");
  decode_cmd->add_flag("-e,--link", decode.link_level, "Print MAC addresses too");

  ws::cli::ViewOptions view;
  auto* view_cmd = app.add_subcommand(
      "view", "Turn a capture into a step-through page (and a sequence diagram): the two hosts of its first "
              "TCP connection, every frame decoded, each side's state inferred from the segments");
  view_cmd->add_option("file", view.input_path, "Capture file, pcap or pcapng (Ethernet link type)")->required();
  view_cmd->add_option("-o,--output", view.output_path, "The page to write (HTML)")->required();
  view_cmd->add_option("--svg", view.svg_path, "Also write the sequence diagram to FILE");
  view_cmd->add_option("-f,--filter", view.filter, "Only the frames this BPF expression selects (tcpdump's syntax)");

  auto* sim_cmd = app.add_subcommand("sim", "Run programs on a simulated network (virtual time, seeded faults)");
  sim_cmd->require_subcommand(1);
  ws::cli::SimPingOptions ping;
  auto* ping_cmd = sim_cmd->add_subcommand(
      "ping", "ping(8) from a client to a server on one switch, or across a router (--across-router)");
  ping_cmd->add_option("-c,--count", ping.count, "Echo requests to send")->capture_default_str();
  ping_cmd->add_option("--loss", ping.loss, "Loss probability of each frame on the client's link, both directions (0..1)")->capture_default_str();
  ping_cmd->add_option("--delay", ping.delay_ms, "One-way delay of every link, ms")->capture_default_str();
  ping_cmd->add_option("-i,--interval", ping.interval_ms, "Between requests, ms")->capture_default_str();
  ping_cmd->add_option("-s,--size", ping.size, "ICMP data bytes (larger than 1472 fragments)")->capture_default_str();
  ping_cmd->add_option("--seed", ping.seed, "Seed of the simulation: same seed, same run")->capture_default_str();
  ping_cmd->add_option("--pcap", ping.pcap_path, "Write the client's interface to this pcap file");
  ping_cmd->add_flag("--across-router", ping.across_router,
                     "client 192.0.2.10 and server 198.51.100.20 on two switches joined by a router");
  ping_cmd->add_flag("-q,--quiet", ping.quiet, "Only ping's own lines, no frame trace");

  // The seed programs. Options every udp-* command shares first.
  ws::cli::SimUdpOptions echo, time_opts, chat;
  echo.program = ws::cli::UdpProgram::Echo;
  echo.inputs = {"sb", "hello world"};
  time_opts.program = ws::cli::UdpProgram::Time;
  time_opts.inputs = {"", "%Y %m %d", "%H:%M:%S"};
  chat.program = ws::cli::UdpProgram::Chat;
  chat.names = {"alice", "bob", "carol"};
  chat.inputs = {"alice:bob:hello bob", "bob:carol:hi carol, bob here", "carol:alice:hello alice", "alice:dave:are you there?"};
  auto add_common = [](CLI::App* cmd, ws::cli::SimUdpOptions& o) {
    cmd->add_option("--seed", o.seed, "Seed of the simulation: same seed, same run")->capture_default_str();
    cmd->add_option("--loss", o.loss, "Loss probability of each frame on every client's cable, both directions (0..1)")
        ->capture_default_str();
    cmd->add_option("--delay", o.delay_ms, "One-way delay of every link, ms")->capture_default_str();
    cmd->add_option("--pcap", o.pcap_path, "Write every frame, as each host sent it, to this pcap file");
    cmd->add_flag("--across-router", o.across_router,
                  "Server on 198.51.100.0/24 behind a router; clients on 192.0.2.0/24 (chat: every other client "
                  "on the server's side)");
    cmd->add_flag("-q,--quiet", o.quiet, "Only the programs' own lines, no frame trace");
    cmd->add_option("--timeout", o.timeout_ms, "Clients' receive timeout per attempt, ms")->capture_default_str();
    cmd->add_option("--retries", o.retries, "Clients' resends after a timeout")->capture_default_str();
    cmd->add_option("--port", o.port, "Server port (default: the notes' port: echo 82, time 9000, chat 8081)");
  };
  auto* echo_cmd = sim_cmd->add_subcommand(
      "udp-echo", "Seed 001 §9: a UDP server answers each datagram with it in upper case");
  add_common(echo_cmd, echo);
  echo_cmd->add_option("-m,--message", echo.inputs, "A line the client sends (repeat; \"q\" stops the client)")
      ->capture_default_str();
  auto* time_cmd = sim_cmd->add_subcommand(
      "udp-time", "Seed 004 §11: a UDP time server; each request is a strftime format (empty: %Y-%m-%d %X)");
  add_common(time_cmd, time_opts);
  time_cmd->add_option("-f,--format", time_opts.inputs, "A format the client asks for (repeat; \"\" for the default)")
      ->capture_default_str();
  time_cmd->add_option("--epoch", time_opts.epoch, "Unix time of virtual time 0 (default 2026-01-01 00:00:00 UTC)")
      ->capture_default_str();
  auto* chat_cmd = sim_cmd->add_subcommand(
      "udp-chat", "Seed 004 §10: the UDP \"QQ\" chat with named clients, a name registry and peer-to-peer messages");
  add_common(chat_cmd, chat);
  chat_cmd->add_option("-n,--names", chat.names, "The clients' names (one host each)")->delimiter(',')->capture_default_str();
  chat_cmd->add_option("-s,--say", chat.inputs, "FROM:TO:TEXT, one line of the conversation (repeat; in order)")
      ->capture_default_str();
  chat_cmd->add_option("--gap", chat.gap_ms, "Between two lines of the conversation, ms")->capture_default_str();

  // The seed TCP programs. Options every tcp-* command shares first.
  ws::cli::SimTcpOptions tcp_echo, tcp_welcome, tcp_file, tcp_chat;
  tcp_echo.program = ws::cli::TcpProgram::Echo;
  tcp_echo.clients = 2;
  tcp_echo.inputs = {"sb", "hello world"};
  tcp_echo.abort = {2};
  tcp_echo.gap_ms = 100;  // client 2 connects while client 1 is served: the busy line (seed 004 §8)
  tcp_echo.typing_ms = 200;
  tcp_welcome.program = ws::cli::TcpProgram::Welcome;
  tcp_welcome.clients = 3;
  tcp_welcome.gap_ms = 200;
  tcp_welcome.inputs = {"Michael", "Tracy", "Sarah"};
  tcp_file.program = ws::cli::TcpProgram::File;
  tcp_file.clients = 2;
  tcp_chat.program = ws::cli::TcpProgram::Chat;
  tcp_chat.typing_ms = 500;
  tcp_chat.client_says = {"hello", "how are you?", "bye"};
  tcp_chat.server_says = {"hi, client", "fine, and you?"};
  auto add_tcp_common = [](CLI::App* cmd, ws::cli::SimTcpOptions& o) {
    cmd->add_option("--seed", o.seed, "Seed of the simulation: same seed, same run")->capture_default_str();
    cmd->add_option("--loss", o.loss, "Loss probability of each frame on every client's cable, both directions (0..1)")
        ->capture_default_str();
    cmd->add_option("--delay", o.delay_ms, "One-way delay of every link, ms")->capture_default_str();
    cmd->add_option("--pcap", o.pcap_path, "Write every frame, as each host sent it, to this pcap file");
    cmd->add_flag("--across-router", o.across_router,
                  "Server on 198.51.100.0/24 behind a router; clients on 192.0.2.0/24");
    cmd->add_flag("-q,--quiet", o.quiet, "Only the programs' own lines, no frame trace");
    cmd->add_option("--port", o.port,
                    "Server port (default: the notes' port: echo 81, welcome 9999, file 8008, chat 8090)");
  };
  auto add_clients = [](CLI::App* cmd, ws::cli::SimTcpOptions& o) {
    cmd->add_option("--clients", o.clients, "Clients, one host each (192.0.2.10, .11, ...)")->capture_default_str();
    cmd->add_option("--gap", o.gap_ms, "Between two clients' starts, ms")->capture_default_str();
  };
  auto* tcp_echo_cmd = sim_cmd->add_subcommand(
      "tcp-echo", "Seed 001 §7-8: a TCP server answers in upper case, one client after another (connection "
                  "loop around a communication loop); a FIN or an RST (ECONNRESET) ends a client");
  add_tcp_common(tcp_echo_cmd, tcp_echo);
  add_clients(tcp_echo_cmd, tcp_echo);
  tcp_echo_cmd->add_option("-m,--message", tcp_echo.inputs, "A line each client sends (repeat; \"q\" stops the client)")
      ->capture_default_str();
  tcp_echo_cmd->add_option("--abort", tcp_echo.abort,
                           "Client K (1-based) leaves with an RST (SO_LINGER 0, then close) instead of a FIN "
                           "(repeat or K,L; 0 for none)")
      ->delimiter(',')
      ->capture_default_str();
  tcp_echo_cmd->add_option("--typing", tcp_echo.typing_ms, "Before each line a client sends, ms")->capture_default_str();
  tcp_echo_cmd->add_option("--keepalive", tcp_echo.keepalive_s,
                           "SO_KEEPALIVE on the server's connections: a probe after S idle seconds, then one a "
                           "second; 3 unanswered end a vanished client with ETIMEDOUT (0: off, as in the notes)")
      ->capture_default_str();
  auto* tcp_welcome_cmd = sim_cmd->add_subcommand(
      "tcp-welcome", "Seed 003: a TCP server greets each client (Welcome!) and answers Hello, <name>! until "
                     "exit, one task per connection, so clients are served at once");
  add_tcp_common(tcp_welcome_cmd, tcp_welcome);
  add_clients(tcp_welcome_cmd, tcp_welcome);
  tcp_welcome_cmd->add_option("-n,--name", tcp_welcome.inputs, "A name each client sends (repeat); then exit")
      ->capture_default_str();
  tcp_welcome_cmd->add_option("--think", tcp_welcome.think_ms, "The server's time.sleep after each recv, ms")
      ->capture_default_str();
  tcp_welcome_cmd->add_option("--typing", tcp_welcome.typing_ms, "Before each name a client sends, ms")
      ->capture_default_str();
  auto* tcp_file_cmd = sim_cmd->add_subcommand(
      "tcp-file", "Seed 001's exercise: a TCP server sends a file to each client that connects (default: "
                  "sb); the client checks its length and SHA-256");
  add_tcp_common(tcp_file_cmd, tcp_file);
  add_clients(tcp_file_cmd, tcp_file);
  auto* file_opt = tcp_file_cmd->add_option("--file", tcp_file.file_path, "Serve this file (at most 64 MiB)");
  tcp_file_cmd->add_option("--bytes", tcp_file.bytes, "Serve N pseudo-random bytes (from --seed)")->excludes(file_opt);
  tcp_file_cmd->add_option("--name", tcp_file.file_name, "The name announced (default: the file's, or sb.txt)");
  auto* tcp_chat_cmd = sim_cmd->add_subcommand(
      "tcp-chat", "Seed 004 §7-8: a TCP chat between two hosts taking turns, the client first, until one "
                  "says bye (a side whose script runs out says bye)");
  add_tcp_common(tcp_chat_cmd, tcp_chat);
  tcp_chat_cmd->add_option("-c,--client-says", tcp_chat.client_says, "A line the client types (repeat)")
      ->capture_default_str();
  tcp_chat_cmd->add_option("-s,--server-says", tcp_chat.server_says, "A line the server types (repeat)")
      ->capture_default_str();
  tcp_chat_cmd->add_option("--typing", tcp_chat.typing_ms, "Before each line either side types, ms")
      ->capture_default_str();

  ws::cli::SimTransferOptions xfer;
  auto* xfer_cmd = sim_cmd->add_subcommand(
      "transfer", "TCP transfer of N pseudo-random bytes between two simulated hosts under faults; "
                  "exit 0 only when every received stream's SHA-256 equals what was sent");
  xfer_cmd->add_option("--bytes", xfer.bytes, "Bytes to transfer (each way with --direction both)")->capture_default_str();
  xfer_cmd->add_option("--direction", xfer.direction, "up (client to server), down, or both at once")
      ->check(CLI::IsMember({"up", "down", "both"}))
      ->capture_default_str();
  xfer_cmd->add_option("--buffer", xfer.buffer, "SO_SNDBUF and SO_RCVBUF of both ends, bytes")->capture_default_str();
  xfer_cmd->add_option("--loss", xfer.loss, "Loss probability per frame, every link, each direction")->capture_default_str();
  xfer_cmd->add_option("--reorder", xfer.reorder, "Reordering probability per frame")->capture_default_str();
  xfer_cmd->add_option("--duplicate", xfer.duplicate, "Duplication probability per frame")->capture_default_str();
  xfer_cmd->add_option("--corrupt", xfer.corrupt, "Bit-flip probability per frame (checksums must catch it)")
      ->capture_default_str();
  xfer_cmd->add_option("--delay", xfer.delay_ms, "One-way delay of each link, ms")->capture_default_str();
  xfer_cmd->add_option("--jitter", xfer.jitter_ms, "Extra random delay up to this, ms")->capture_default_str();
  xfer_cmd->add_option("--rate", xfer.rate_mbit, "Link rate limit, Mbit/s (0: unlimited)")->capture_default_str();
  xfer_cmd->add_option("--mtu", xfer.mtu, "Link and interface MTU (576..65535)")->capture_default_str();
  xfer_cmd->add_option("--seed", xfer.seed, "Seed of the simulation")->capture_default_str();
  xfer_cmd->add_flag("--across-router", xfer.across_router, "Two subnets joined by a router");
  xfer_cmd->add_option("--pcap", xfer.pcap_path, "Capture the client's interface to FILE");
  xfer_cmd->add_flag("--json", xfer.json, "Print one JSON object instead of text");
  xfer_cmd->add_option("--cc", xfer.cc, "Congestion control with SACK: reno, cubic or bbr (paced)")->capture_default_str();
  xfer_cmd->add_flag("--no-sack", xfer.no_sack, "Do not offer SACK (RFC 2018): NewReno recovery");
  xfer_cmd->add_flag("--no-timestamps", xfer.no_timestamps, "Do not offer timestamps (RFC 7323)");
  xfer_cmd->add_option("--pacing", xfer.pacing,
                       "Which senders pace their segments: rate (controllers that ask for a rate: bbr), all "
                       "(also reno and cubic, at 2x or 1.2x cwnd/SRTT), off")
      ->capture_default_str();
  xfer_cmd->add_flag("--ecn", xfer.ecn,
                     "Both ends ask for ECN (RFC 3168: ECE+CWR in the SYN, ECT(0) on data); by default a "
                     "stack only accepts it when asked, as Linux");
  xfer_cmd->add_option("--time-limit", xfer.time_limit_s,
                       "Virtual seconds after which an unfinished transfer fails (1 to 31536000)")
      ->capture_default_str();
  xfer_cmd->add_option("--user-timeout", xfer.user_timeout_s,
                       "TCP_USER_TIMEOUT (RFC 5482): give up when data stays unacknowledged S seconds; "
                       "0: never give up (default: 15 retransmissions in a row)");

  ws::cli::SimMultiflowOptions mf;
  auto* mf_cmd = sim_cmd->add_subcommand(
      "multiflow", "N bulk TCP flows (N clients on a switch, a router, one server behind it) sharing one "
                   "bottleneck: the router's port to the server, serializing at --rate behind a tail-drop FIFO "
                   "of --queue bytes (with --aqm codel, CoDel in front of it), --delay each way. After --seconds "
                   "of virtual time: link utilisation, Jain's fairness index, drop rate, ECN marks, aggregate and "
                   "per-flow goodput");
  mf_cmd->add_option("--flows", mf.flows, "Flows, one client host each (1..1024)")->capture_default_str();
  mf_cmd->add_option("--rate", mf.rate_mbit, "Bottleneck rate, Mbit/s (at most 10000)")->capture_default_str();
  mf_cmd->add_option("--delay", mf.delay_ms, "One-way delay of the bottleneck, ms (0..10000); RTT = 2 x delay "
                                             "+ serialization + queueing")
      ->capture_default_str();
  mf_cmd->add_option("--queue", mf.queue, "Bottleneck FIFO, bytes of whole frames (1514..1073741824); tail drop")
      ->capture_default_str();
  mf_cmd->add_option("--seconds", mf.seconds, "Virtual seconds every flow sends (at most 3600)")
      ->capture_default_str();
  mf_cmd->add_option("--cc", mf.cc, "Congestion control of every flow: reno, cubic or bbr")
      ->capture_default_str();
  mf_cmd->add_option("--buffer", mf.buffer,
                     "SO_SNDBUF and SO_RCVBUF of every socket, bytes (1024..4194304; default: the path's "
                     "bandwidth-delay product plus the queue, at least 64 KiB, at most 512 MiB over all flows)");
  mf_cmd->add_option("--seed", mf.seed, "Seed of the simulation")->capture_default_str();
  mf_cmd->add_option("--aqm", mf.aqm,
                     "Active queue management at the bottleneck: none (tail drop only) or codel (RFC 8289: "
                     "target 5 ms, interval 100 ms; marks ECN-capable frames CE instead of dropping them); "
                     "--queue stays the hard limit")
      ->check(CLI::IsMember({"none", "codel"}))
      ->capture_default_str();
  mf_cmd->add_option("--codel-target", mf.codel_target_ms,
                     "CoDel's target sojourn time, ms (RFC 8289 §4.4); a FIFO shorter than target at --rate never "
                     "reaches it")
      ->capture_default_str();
  mf_cmd->add_option("--codel-interval", mf.codel_interval_ms, "CoDel's interval, ms (RFC 8289 §4.5)")
      ->capture_default_str();
  mf_cmd->add_flag("--ecn", mf.ecn, "Every host asks for ECN (RFC 3168): data goes out ECT(0), so CoDel marks "
                                    "instead of dropping");
  mf_cmd->add_option("--mix", mf.mix,
                     "Mixed flows, e.g. cubic:32,bbr:32: that many flows with each controller (replaces --flows "
                     "and --cc); the report adds each controller's share of the goodput");
  mf_cmd->add_flag("--json", mf.json, "Print one JSON object instead of text");

  // ---- the real wire: a TAP device, in real time --------------------------
  const char* const real_footer =
      "Runs on a Linux TAP device (needs root). Try it in a namespace of its own: scripts/lab.sh up, then\n"
      "  ip netns exec wslab wirestack ... --tap wstap0 --ip 192.0.2.2/24";
  ws::cli::PingOptions real_ping;
  auto* real_ping_cmd = app.add_subcommand("ping", "ping(8) from wirestack over a TAP device");
  real_ping_cmd->footer(real_footer);
  real_ping_cmd->add_option("host", real_ping.host, "IPv4 address to ping")->required();
  real_ping_cmd->add_option("-c,--count", real_ping.count, "Stop after N requests (0: until interrupted)")
      ->capture_default_str();
  real_ping_cmd->add_option("-i,--interval", real_ping.interval_s, "Seconds between requests")->capture_default_str();
  real_ping_cmd->add_option("-W,--wait", real_ping.wait_s, "Seconds to wait for the last reply")->capture_default_str();
  real_ping_cmd->add_option("-s,--size", real_ping.size, "ICMP data bytes")->capture_default_str();
  ws::cli::add_real_options(real_ping_cmd, real_ping.net);

  ws::cli::NcOptions nc;
  auto* nc_cmd = app.add_subcommand(
      "nc", "netcat over wirestack: stdin to the socket, the socket to stdout; at stdin's end a half-close "
            "(FIN), reading on until the peer closes");
  nc_cmd->footer(real_footer);
  nc_cmd->add_flag("-l,--listen", nc.listen, "Listen on PORT and take one connection (or the first datagram's sender)");
  nc_cmd->add_flag("-u,--udp", nc.udp, "UDP instead of TCP");
  nc_cmd->add_option("-w,--wait", nc.wait_s, "UDP: seconds to wait for replies after stdin's end")->capture_default_str();
  std::vector<std::string> nc_args;
  nc_cmd->add_option("args", nc_args, "[HOST] PORT (HOST required without -l)")->expected(1, 2)->required();
  ws::cli::add_real_options(nc_cmd, nc.net);
  ws::cli::add_tcp_options(nc_cmd, nc.net);

  ws::cli::ServeOptions serve;
  auto* serve_cmd = app.add_subcommand(
      "serve", "Serve an app over wirestack until SIGINT/SIGTERM: echo, discard, upper (TCP and UDP), time "
               "(UDP), chat (TCP), http DIR. Prints 'listening on ADDR:PORT' when ready");
  serve_cmd->footer(real_footer);
  serve_cmd->add_option("app", serve.app, "echo | discard | upper | time | chat | http")
      ->required()
      ->check(CLI::IsMember({"echo", "discard", "upper", "time", "chat", "http"}));
  serve_cmd->add_option("dir", serve.dir, "http: the directory to serve");
  serve_cmd->add_option("-p,--port", serve.port,
                        "Port (default: echo 7, discard 9, upper 81, time 9000, chat 8090, http 80)");
  serve_cmd->add_flag("-q,--quiet", serve.quiet, "No line per connection or request on stderr");
  ws::cli::add_real_options(serve_cmd, serve.net);
  ws::cli::add_tcp_options(serve_cmd, serve.net);

  ws::cli::GetOptions get;
  auto* get_cmd = app.add_subcommand("get", "A small HTTP/1.1 client over wirestack: GET URL, the body to stdout or -o FILE");
  get_cmd->footer(real_footer);
  get_cmd->add_option("url", get.url, "http://ADDR[:PORT]/path")->required();
  get_cmd->add_option("-o,--output", get.output, "Write the body to FILE");
  get_cmd->add_option("--timeout", get.timeout_s, "Give up after this many seconds without progress")
      ->capture_default_str();
  ws::cli::add_real_options(get_cmd, get.net);
  ws::cli::add_tcp_options(get_cmd, get.net);

  CLI11_PARSE(app, argc, argv);

  if (*demo_cmd) {
    demo.command = "wirestack demo";
    for (int i = 2; i < argc; ++i) demo.command += std::string(" ") + argv[i];
    return ws::cli::run_demo(demo);
  }
  if (*view_cmd) return ws::cli::run_view(view);
  if (*frames_cmd) return ws::cli::run_frames(frames);
  if (*decode_cmd) return ws::cli::run_decode(decode);
  if (*ping_cmd) return ws::cli::run_sim_ping(ping);
  if (*xfer_cmd) return ws::cli::run_sim_transfer(xfer);
  if (*mf_cmd) return ws::cli::run_sim_multiflow(mf);
  if (*echo_cmd) return ws::cli::run_sim_udp(echo);
  if (*time_cmd) return ws::cli::run_sim_udp(time_opts);
  if (*chat_cmd) return ws::cli::run_sim_udp(chat);
  if (*tcp_echo_cmd) return ws::cli::run_sim_tcp(tcp_echo);
  if (*tcp_welcome_cmd) return ws::cli::run_sim_tcp(tcp_welcome);
  if (*tcp_file_cmd) return ws::cli::run_sim_tcp(tcp_file);
  if (*tcp_chat_cmd) return ws::cli::run_sim_tcp(tcp_chat);
  if (*real_ping_cmd) return ws::cli::run_ping(real_ping);
  if (*nc_cmd) {
    try {
      const std::string& port = nc_args.back();
      const unsigned long p = std::stoul(port);
      if (p == 0 || p > 65535 || port.find_first_not_of("0123456789") != std::string::npos) throw std::out_of_range(port);
      nc.port = static_cast<std::uint16_t>(p);
    } catch (const std::exception&) {
      std::fprintf(stderr, "wirestack nc: PORT must be 1..65535, got '%s'\n", nc_args.back().c_str());
      return 2;
    }
    if (nc_args.size() == 2) nc.host = nc_args.front();
    return ws::cli::run_nc(nc);
  }
  if (*serve_cmd) return ws::cli::run_serve(serve);
  if (*get_cmd) return ws::cli::run_get(get);
  return 2;
}
