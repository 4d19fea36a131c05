#include "runtime/tap.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ws::runtime {

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// The virtio-net header in front of every frame with IFF_VNET_HDR (the
// virtio specification's struct virtio_net_hdr, legacy layout: the
// kernel's TAP uses the machine's byte order unless told otherwise).
// <linux/virtio_net.h> has it but does not compile as C++.
struct virtio_net_hdr {
  std::uint8_t flags;
  std::uint8_t gso_type;
  std::uint16_t hdr_len;
  std::uint16_t gso_size;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
};
static_assert(sizeof(virtio_net_hdr) == 10);
constexpr std::uint8_t VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
constexpr std::uint8_t VIRTIO_NET_HDR_F_DATA_VALID = 2;
constexpr std::uint8_t VIRTIO_NET_HDR_GSO_NONE = 0;

// An AF_INET datagram socket is the handle for interface ioctls.
class IoctlSocket {
 public:
  IoctlSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~IoctlSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  IoctlSocket(const IoctlSocket&) = delete;
  IoctlSocket& operator=(const IoctlSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

void copy_name(ifreq& ifr, const std::string& name) {
  std::memset(&ifr, 0, sizeof ifr);
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // size checked by the caller
}

}  // namespace

Result<TapDevice, std::string> TapDevice::open(const std::string& name, bool bring_up, bool offload) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return Unexpected{"interface name must be 1.." + std::to_string(IFNAMSIZ - 1) + " characters"};
  }
  std::string refused;
  if (offload) {
    // IFF_VNET_HDR, a 10-byte virtio_net_hdr, and what we accept from the
    // kernel: partial checksums and TCPv4 super-packets.
    const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return Unexpected{errno_text("/dev/net/tun")};
    ifreq ifr;
    copy_name(ifr, name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    int hdr = sizeof(virtio_net_hdr);
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
      refused = errno_text("TUNSETIFF IFF_VNET_HDR");
    } else if (::ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
      refused = errno_text("TUNSETVNETHDRSZ");
    } else if (::ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) < 0) {
      refused = errno_text("TUNSETOFFLOAD TUN_F_CSUM|TUN_F_TSO4");
    }
    if (refused.empty()) {
      TapDevice dev(fd, ifr.ifr_name);
      dev.vnet_ = true;
      if (auto up = dev.set_up(bring_up); !up) return Unexpected{up.error()};
      return dev;
    }
    ::close(fd);
  }
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Unexpected{errno_text("/dev/net/tun")};
  ifreq ifr;
  copy_name(ifr, name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    std::string msg = errno_text("TUNSETIFF " + name);
    if (errno == EPERM) msg += " (needs root / CAP_NET_ADMIN)";
    if (errno == EINVAL || errno == EBUSY) msg += " (is it a TUN device, or in use by another program?)";
    ::close(fd);
    return Unexpected{msg};
  }
  TapDevice dev(fd, ifr.ifr_name);
  dev.offload_error_ = refused;
  if (auto up = dev.set_up(bring_up); !up) return Unexpected{up.error()};
  return dev;
}

Result<void, std::string> TapDevice::set_up(bool up) {
  TapDevice& dev = *this;
  if (up) {
    IoctlSocket s;
    if (s.fd() < 0) return Unexpected{errno_text("socket")};
    ifreq req;
    copy_name(req, dev.name_);
    if (::ioctl(s.fd(), SIOCGIFFLAGS, &req) < 0) return Unexpected{errno_text("SIOCGIFFLAGS " + dev.name_)};
    if ((req.ifr_flags & IFF_UP) == 0) {
      req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
      if (::ioctl(s.fd(), SIOCSIFFLAGS, &req) < 0) return Unexpected{errno_text("SIOCSIFFLAGS " + dev.name_)};
    }
    // Attaching turns the carrier on, but the kernel activates the device's
    // transmit queue later, from its link-watch work (up to a second):
    // until then it silently drops what it sends us — the ARP reply to our
    // first request, say. Wait until it reports the link RUNNING.
    for (int waited_ms = 0; waited_ms < 3000; ++waited_ms) {
      copy_name(req, dev.name_);
      if (::ioctl(s.fd(), SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_RUNNING) != 0) break;
      ::usleep(1000);
    }
  }
  return {};
}

TapDevice::TapDevice(TapDevice&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      name_(std::move(o.name_)),
      vnet_(o.vnet_),
      offload_error_(std::move(o.offload_error_)),
      write_errors_(o.write_errors_),
      last_write_errno_(o.last_write_errno_) {}

TapDevice& TapDevice::operator=(TapDevice&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    name_ = std::move(o.name_);
    vnet_ = o.vnet_;
    offload_error_ = std::move(o.offload_error_);
    write_errors_ = o.write_errors_;
    last_write_errno_ = o.last_write_errno_;
  }
  return *this;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

Result<int, std::string> TapDevice::mtu() const {
  IoctlSocket s;
  if (s.fd() < 0) return Unexpected{errno_text("socket")};
  ifreq req;
  copy_name(req, name_);
  if (::ioctl(s.fd(), SIOCGIFMTU, &req) < 0) return Unexpected{errno_text("SIOCGIFMTU " + name_)};
  return req.ifr_mtu;
}

Result<void, std::string> TapDevice::set_mtu(int mtu) {
  IoctlSocket s;
  if (s.fd() < 0) return Unexpected{errno_text("socket")};
  ifreq req;
  copy_name(req, name_);
  req.ifr_mtu = mtu;
  if (::ioctl(s.fd(), SIOCSIFMTU, &req) < 0) {
    return Unexpected{errno_text("SIOCSIFMTU " + name_ + " " + std::to_string(mtu))};
  }
  return {};
}

Result<std::size_t, std::string> TapDevice::read(MutBytes buf) {
  for (;;) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
    return Unexpected{errno_text("read " + name_)};
  }
}

std::size_t TapDevice::header_len() const { return vnet_ ? sizeof(virtio_net_hdr) : 0; }

Result<TapDevice::RxFrame, std::string> TapDevice::read_frame(MutBytes buf) {
  auto n = read(buf);
  if (!n) return Unexpected{n.error()};
  RxFrame f;
  if (*n == 0) return f;
  if (!vnet_) {
    f.len = *n;
    return f;
  }
  virtio_net_hdr h;
  if (*n <= sizeof h) return f;  // a header and no frame: nothing to hand on
  std::memcpy(&h, buf.data(), sizeof h);
  f.offset = sizeof h;
  f.len = *n - sizeof h;
  f.data_valid = (h.flags & VIRTIO_NET_HDR_F_DATA_VALID) != 0;
  // A partial checksum is usable only if its field lies inside the frame;
  // otherwise the frame goes up unmarked and the stack's check drops it.
  if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0 &&
      std::size_t{h.csum_start} + h.csum_offset + 2 <= f.len) {
    f.needs_csum = true;
    f.csum_start = h.csum_start;
    f.csum_offset = h.csum_offset;
  }
  if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) f.gso_size = h.gso_size;
  return f;
}

bool TapDevice::write(Bytes frame, const PacketBuffer::PartialChecksum* partial) {
  if (vnet_) {
    // Header and frame in one writev: no copy to put the header in front.
    virtio_net_hdr h{};
    h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
    if (partial != nullptr) {
      h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
      h.csum_start = static_cast<std::uint16_t>(partial->start);
      h.csum_offset = partial->field;
    }
    iovec iov[2] = {{&h, sizeof h}, {const_cast<std::uint8_t*>(frame.data()), frame.size()}};
    for (;;) {
      const ssize_t n = ::writev(fd_, iov, 2);
      if (n == static_cast<ssize_t>(sizeof h + frame.size())) return true;
      if (n < 0 && errno == EINTR) continue;
      last_write_errno_ = n < 0 ? errno : EMSGSIZE;
      ++write_errors_;
      return false;
    }
  }
  for (;;) {
    const ssize_t n = ::write(fd_, frame.data(), frame.size());
    if (n == static_cast<ssize_t>(frame.size())) return true;
    if (n < 0 && errno == EINTR) continue;
    last_write_errno_ = n < 0 ? errno : EMSGSIZE;
    ++write_errors_;
    return false;
  }
}

}  // namespace ws::runtime
