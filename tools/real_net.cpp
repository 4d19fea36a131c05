#include "real_net.hpp"

#include "tcp/tcp_layer.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <random>

namespace ws::cli {

void add_real_options(CLI::App* cmd, RealOptions& o) {
  cmd->add_option("--tap", o.tap, "TAP interface to use as the wire (opened, or created in this network "
                                  "namespace, and set up)")
      ->required();
  cmd->add_option("--ip", o.ip, "wirestack's address and prefix on it, e.g. 192.0.2.2/24")->required();
  cmd->add_option("--gateway", o.gateway, "Default gateway (on the --ip subnet)");
  cmd->add_option("--mac", o.mac, "wirestack's MAC (default 02:00 then the four address bytes)");
  cmd->add_option("--pcap", o.pcap, "Record every frame read from and written to the TAP in this pcap file");
  cmd->add_option("--snaplen", o.snaplen, "Bytes of each frame recorded in --pcap (like tcpdump -s)")
      ->capture_default_str();
  cmd->add_option("--loss", o.loss,
                  "Drop this fraction of frames (0 <= P < 1) in each direction between the TAP and the stack; "
                  "the drops counted are printed on stderr at exit")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of --loss's drops: the same seed drops the same frames of each direction")
      ->capture_default_str();
  // The environment may set the default (the interop suite runs with both).
  if (const char* e = std::getenv("WIRESTACK_OFFLOAD"); e != nullptr && (std::string(e) == "on" || std::string(e) == "off")) {
    o.offload = e;
  }
  cmd->add_option("--offload", o.offload,
                  "Virtio-net offloads on the TAP (IFF_VNET_HDR; default from WIRESTACK_OFFLOAD=on|off, else "
                  "on): the kernel hands over its TSO super-packets "
                  "and partial checksums, and completes wirestack's checksums; where the kernel refuses, a plain "
                  "TAP with a line on stderr. A capture (--pcap) shows the kernel's super-packets as the single "
                  "frames wirestack received, with their checksums completed")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("--mtu", o.mtu,
                  "Set the TAP's MTU to N (68..65535; e.g. 9000 for jumbo frames) and use it for wirestack's "
                  "interface; without it, the TAP's MTU as it is")
      ->type_name("N")
      ->check(CLI::Range(68, 65535));
  cmd->add_flag("--tcp-stats", o.tcp_stats,
                "At exit, print on stderr the TCP counters summed over every connection (those that are not 0: "
                "retransmissions by cause, RTO expiries, SACK blocks sent and received, path MTU reductions, ...), "
                "then the TCP layer's (ICMP errors used or ignored by reason, fragmentation needed accepted, ...)");
}

void add_tcp_options(CLI::App* cmd, RealOptions& o) {
  cmd->add_option("--cc", o.cc,
                  "Congestion control of every TCP connection: reno (NewReno), cubic (the default) or bbr "
                  "(BBR v1, paced)")
      ->type_name("NAME")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            if (tcp::parse_cc(name)) return {};
            return "unknown congestion control '" + name + "' (reno, cubic, bbr)";
          },
          "reno|cubic|bbr", "congestion control"));
  cmd->add_flag("--ecn", o.ecn,
                "Ask for ECN (RFC 3168) in every SYN (ECE+CWR), like Linux's tcp_ecn=1; without it an asking peer "
                "is still answered (tcp_ecn=2)");
}

Result<std::unique_ptr<RealHost>, std::string> RealHost::open(const RealOptions& o) {
  if (auto e = runtime::FrameLoss::check_rate(o.loss)) return Unexpected{*e};
  std::optional<tcp::CcKind> cc;
  if (!o.cc.empty()) {
    cc = tcp::parse_cc(o.cc);
    if (!cc) return Unexpected{"--cc: unknown congestion control '" + o.cc + "' (reno, cubic, bbr)"};
  }
  const auto cidr = Ipv4Cidr::parse(o.ip);
  if (!cidr || cidr->prefix_len() == 0 || cidr->prefix_len() > 30) {
    return Unexpected{"--ip: expected ADDR/PREFIX with a prefix of 1..30, e.g. 192.0.2.2/24, got '" + o.ip + "'"};
  }
  std::optional<Ipv4Address> gateway;
  if (!o.gateway.empty()) {
    gateway = Ipv4Address::parse(o.gateway);
    if (!gateway) return Unexpected{"--gateway: not an IPv4 address: '" + o.gateway + "'"};
    if (!cidr->contains(*gateway)) return Unexpected{"--gateway " + o.gateway + " is not on " + o.ip};
  }
  const std::uint32_t a = cidr->address().to_u32();
  MacAddress mac({0x02, 0x00, static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                  static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)});
  if (!o.mac.empty()) {
    auto m = MacAddress::parse(o.mac);
    if (!m) return Unexpected{"--mac: expected xx:xx:xx:xx:xx:xx, got '" + o.mac + "'"};
    mac = *m;
  }

  // A closed pipe on stdout must be an error (EPIPE) the command handles —
  // closing its connections — not a signal that kills the stack mid-stream.
  std::signal(SIGPIPE, SIG_IGN);
  // Descriptors 0-2 must be taken before the TAP is opened: a closed stdin
  // would otherwise make the TAP descriptor 0, and nc would read frames.
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
  }
  std::unique_ptr<RealHost> h(new RealHost());
  auto tap = runtime::TapDevice::open(o.tap, true, o.offload == "on");
  if (!tap) return Unexpected{tap.error()};
  h->tap_.emplace(std::move(*tap));
  if (o.mtu != 0) {
    if (o.mtu < 68 || o.mtu > 65535) return Unexpected{std::string("--mtu: 68..65535")};
    if (auto r = h->tap_->set_mtu(o.mtu); !r) return Unexpected{"--mtu: " + r.error()};
  }
  auto mtu = h->tap_->mtu();
  if (!mtu) return Unexpected{mtu.error()};
  if (!o.pcap.empty()) {
    auto w = PcapWriter::open(o.pcap, o.snaplen);
    if (!w) return Unexpected{"--pcap: " + w.error()};
    h->pcap_.emplace(std::move(*w));
    h->pcap_path_ = o.pcap;
  }
  StackConfig config;
  config.host.name = "wirestack";
  // A real host needs unpredictable ISNs and ports (RFC 6528): the seed
  // of its generator comes from the OS, not a fixed number.
  std::random_device rd;
  config.host.seed = (std::uint64_t{rd()} << 32) | rd();
  h->stack_ = std::make_unique<Stack>(std::move(config));
  // RFC 7323 window scaling on the real wire: Linux's windows are far
  // larger than 64 KiB, and ours may be (SO_RCVBUF 212992 → shift 2).
  h->stack_->tcp().defaults().window_scale = true;
  // SACK (RFC 2018) and timestamps (RFC 7323): what Linux offers in every
  // SYN; loss recovery by RFC 6675 with PRR, RTT from the echoes, PAWS.
  h->stack_->tcp().defaults().sack = true;
  h->stack_->tcp().defaults().timestamps = true;
  // --cc: the controller of SACK connections (NewReno without SACK).
  if (cc) h->stack_->tcp().defaults().cc = *cc;
  h->cc_ = h->stack_->tcp().defaults().cc;
  // --ecn: our SYNs ask (kOn); the stack's default answers only (kAccept).
  if (o.ecn) h->stack_->tcp().defaults().ecn = tcp::EcnMode::kOn;
  h->loop_ = std::make_unique<runtime::RealtimeLoop>();
  if (o.loss > 0) h->loss_.emplace(o.loss, o.seed);
  Host& host = h->stack_->host();
  const auto ip_mtu = static_cast<std::uint16_t>(std::clamp(*mtu, 68, 65535));
  if (o.offload == "on" && !h->tap_->offload()) {
    std::fprintf(stderr, "wirestack: %s: virtio-net offloads refused (%s); plain TAP\n", o.tap.c_str(),
                 h->tap_->offload_error().c_str());
  }
  const IfIndex iface = host.add_interface({o.tap, mac, ip_mtu, h->tap_->offload()});
  host.add_address(h->loop_->now(), iface, *cidr);
  if (gateway) host.set_default_gateway(*gateway, iface);
  h->loop_->attach(*h->stack_, *h->tap_, h->pcap_ ? &*h->pcap_ : nullptr, h->loss_ ? &*h->loss_ : nullptr);
  h->addr_ = *cidr;
  h->tcp_stats_ = o.tcp_stats;
  return h;
}

RealHost::~RealHost() {
  loop_.reset();  // its last frames (FINs, RSTs) meet the loss too
  if (loss_) fmt::print(stderr, "wirestack: {}\n", loss_->summary());
  if (tcp_stats_) {
    std::string line;
    for (const auto& [name, value] : stack_->tcp().connection_totals().fields()) {
      if (value != 0) line += fmt::format(" {} {}", name, value);
    }
    fmt::print(stderr, "wirestack: congestion control: {}\n", tcp::to_string(cc_));
    fmt::print(stderr, "wirestack: tcp:{}\n", line.empty() ? " (no counter above 0)" : line);
    // The layer's own counters: segments no connection took, and what
    // became of each ICMP error (tcp/icmp_errors.cpp).
    std::string layer;
    for (const auto& l : stack_->tcp().stats().nonzero()) layer += fmt::format(" {} {}", l.name, l.value);
    fmt::print(stderr, "wirestack: tcp layer:{}\n", layer.empty() ? " (no counter above 0)" : layer);
  }
  if (pcap_) pcap_->flush();
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

void RealHost::on_interrupt(std::function<void(int)> fn) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  if (signal_fd_ < 0) signal_fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) {
    sigprocmask(SIG_UNBLOCK, &set, nullptr);  // signals keep their default action
    return;
  }
  loop_->watch_fd(signal_fd_, EPOLLIN, [fd = signal_fd_, fn = std::move(fn)] {
    signalfd_siginfo info{};
    while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      fn(static_cast<int>(info.ssi_signo));
    }
  });
}

bool RealHost::close_gracefully(Duration limit) {
  loop_->cancel_tasks();
  const Instant end = loop_->now() + limit;
  while (stack_->tcp().busy_connection_count() > 0 && loop_->now() < end && loop_->device_error().empty()) {
    loop_->run_for(Duration::millis(10));
  }
  return stack_->tcp().busy_connection_count() == 0;
}

}  // namespace ws::cli
