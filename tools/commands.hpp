// Subcommands of the `wirestack` tool. Each returns the process exit code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ws::cli {

struct FramesOptions {
  std::string pcap_path = "frames.pcap";
};
int run_frames(const FramesOptions& opts);

struct DemoOptions {
  std::string pcap_path;  // empty: no capture
  std::string svg_path;   // empty: no diagram
  std::string html_path;  // empty: no step-through page
  std::string command;    // the command line, for the pictures' titles
  bool random_isn = false;
  double loss = 0.0;
  std::uint64_t seed = 1;
  bool across_router = false;
  bool half_close = false;
};
int run_demo(const DemoOptions& opts);

struct DecodeOptions {
  std::string pcap_path;
  std::string filter;  // BPF, as tcpdump's; empty: every frame
  bool link_level = false;
};
int run_decode(const DecodeOptions& opts);

// `wirestack view FILE -o PAGE`: a capture as a step-through page.
struct ViewOptions {
  std::string input_path;
  std::string output_path;
  std::string svg_path;  // empty: no separate diagram
  std::string filter;    // BPF, as tcpdump's; empty: every frame
};
int run_view(const ViewOptions& opts);

struct SimPingOptions {
  int count = 5;
  double loss = 0.0;       // per frame on the client's link, each direction
  double delay_ms = 1.0;   // one-way delay of every link
  double interval_ms = 1000.0;
  std::size_t size = 56;   // ICMP data bytes
  std::uint64_t seed = 1;
  std::string pcap_path;
  bool across_router = false;
  bool quiet = false;      // no frame trace
};
int run_sim_ping(const SimPingOptions& opts);

// `wirestack sim udp-echo|udp-time|udp-chat`: the seed programs (apps/)
// on a simulated network.
enum class UdpProgram : std::uint8_t { Echo, Time, Chat };
struct SimUdpOptions {
  UdpProgram program = UdpProgram::Echo;
  std::uint64_t seed = 1;
  double loss = 0.0;        // per frame on every client's cable, each direction
  double delay_ms = 1.0;    // one-way delay of every link
  std::string pcap_path;
  bool across_router = false;
  bool quiet = false;       // no frame trace
  double timeout_ms = 1000; // clients' receive timeout per attempt
  int retries = 3;          // clients' resends after a timeout
  std::vector<std::string> inputs;  // echo: messages; time: formats; chat: "FROM:TO:TEXT" lines
  std::uint16_t port = 0;           // server port; 0: the program's (echo 82, time 9000, chat 8081)
  std::int64_t epoch = 1767225600;  // time: what virtual time 0 is (unix seconds)
  std::vector<std::string> names;   // chat: the clients
  double gap_ms = 300;              // chat: between two lines of the script
};
int run_sim_udp(const SimUdpOptions& opts);

// `wirestack sim tcp-echo|tcp-welcome|tcp-file|tcp-chat`: the seed TCP
// programs (apps/tcp_*) on a simulated network.
enum class TcpProgram : std::uint8_t { Echo, Welcome, File, Chat };
struct SimTcpOptions {
  TcpProgram program = TcpProgram::Echo;
  std::uint64_t seed = 1;
  double loss = 0.0;      // per frame on every client's cable, each direction
  double delay_ms = 1.0;  // one-way delay of every link
  std::string pcap_path;
  bool across_router = false;
  bool quiet = false;      // no frame trace
  std::uint16_t port = 0;  // 0: the notes' (echo 81, welcome 9999, file 8008, chat 8090)
  int clients = 1;         // echo, welcome, file: how many, one host each
  double gap_ms = 0;       // between two clients' starts
  double typing_ms = 0;    // before each line a client (chat: either side) types
  std::vector<std::string> inputs;  // echo: lines; welcome: names
  std::vector<int> abort;           // echo: clients (1-based) that leave with an RST
  int keepalive_s = 0;              // echo: SO_KEEPALIVE idle seconds on the server (0: off)
  double think_ms = 1000;           // welcome: the server's time.sleep(1)
  std::string file_path;            // file: serve this file...
  std::uint64_t bytes = 0;          // ...or this many pseudo-random bytes (else "sb")
  std::string file_name;            // file: the name announced (default: the file's, or sb.txt)
  std::vector<std::string> server_says, client_says;  // chat scripts
};
int run_sim_tcp(const SimTcpOptions& opts);

struct SimTransferOptions {
  std::uint64_t bytes = 1 << 20;
  std::string direction = "up";  // up | down | both
  std::size_t buffer = 65535;
  double loss = 0, reorder = 0, duplicate = 0, corrupt = 0;
  double delay_ms = 1, jitter_ms = 0, rate_mbit = 0;
  std::size_t mtu = 1500;
  std::uint64_t seed = 1;
  std::string pcap_path;
  bool across_router = false;
  bool json = false;
  std::string cc = "cubic";  // reno | cubic | bbr; the stack's default (StackConfig) is cubic
  bool no_sack = false;
  bool no_timestamps = false;
  std::string pacing = "rate";  // off | rate | all
  bool ecn = false;  // both ends ask for ECN (RFC 3168)
  std::optional<double> user_timeout_s;  // TCP_USER_TIMEOUT in s; 0: never give up
  double time_limit_s = 86400;           // virtual seconds before the run is called unfinished
};
int run_sim_transfer(const SimTransferOptions& opts);

// `wirestack sim multiflow`: N bulk TCP flows sharing one bottleneck
// (apps/multiflow.hpp).
struct SimMultiflowOptions {
  std::size_t flows = 4;
  double rate_mbit = 10;
  double delay_ms = 20;
  std::size_t queue = 65536;
  double seconds = 10;
  std::string cc = "cubic";  // every flow's, as the stack's default
  std::uint64_t seed = 1;
  std::size_t buffer = 0;  // 0: enough for the path (apps::default_buffer)
  std::string aqm = "none";  // the bottleneck's AQM: none | codel
  double codel_target_ms = 5;
  double codel_interval_ms = 100;
  bool ecn = false;          // every host asks for ECN (RFC 3168)
  std::string mix;           // "cubic:32,bbr:32": flows per controller (sets --flows)
  bool json = false;
};
int run_sim_multiflow(const SimMultiflowOptions& opts);

// ---- the real wire: a TAP device in real time --------------------------

// Options every real-wire command shares (tools/real_net.hpp).
struct RealOptions {
  std::string tap;      // required
  std::string ip;       // ADDR/PREFIX, required
  std::string gateway;  // optional default gateway
  std::string mac;      // default 02:00:<the four address bytes>
  std::string pcap;     // record the TAP's frames
  std::uint32_t snaplen = 262144;
  double loss = 0;         // drop this fraction of frames each way between the TAP and the stack
  std::uint64_t seed = 1;  // of the drops (runtime/frame_loss.hpp)
  bool tcp_stats = false;  // print the TCP counters of all connections on stderr at exit
  std::string cc;          // --cc (nc, serve, get): reno | cubic | bbr; empty: the stack's default (cubic)
  bool ecn = false;        // --ecn (nc, serve, get): our SYNs ask for ECN (RFC 3168); default: accept when asked
  int mtu = 0;             // --mtu: set the TAP's MTU and use it; 0: the TAP's as it is
  std::string offload = "on";  // --offload on|off: virtio-net headers, checksum and TSO offloads
};

struct PingOptions {
  RealOptions net;
  std::string host;
  int count = 0;            // 0: until interrupted
  double interval_s = 1.0;  // between requests
  double wait_s = 2.0;      // for the last reply
  std::size_t size = 56;    // ICMP data bytes
};
int run_ping(const PingOptions& opts);

struct NcOptions {
  RealOptions net;
  bool listen = false;
  bool udp = false;
  std::string host;  // connect to (listen: local address to bind, optional)
  std::uint16_t port = 0;
  double wait_s = 1.0;  // UDP: how long to wait for replies after stdin's end
};
int run_nc(const NcOptions& opts);

struct ServeOptions {
  RealOptions net;
  std::string app;  // echo | discard | upper | time | chat | http
  std::string dir;  // http: the document root
  std::uint16_t port = 0;  // 0: the app's default
  bool quiet = false;      // no line per connection/request on stderr
};
int run_serve(const ServeOptions& opts);

struct GetOptions {
  RealOptions net;
  std::string url;
  std::string output;  // empty: stdout
  double timeout_s = 30;  // no progress for this long: give up
};
int run_get(const GetOptions& opts);

}  // namespace ws::cli
