#include "runtime/tap.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ws::runtime {

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

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

Result<TapDevice, std::string> TapDevice::open(const std::string& name, bool bring_up) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return Unexpected{"interface name must be 1.." + std::to_string(IFNAMSIZ - 1) + " characters"};
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
  if (bring_up) {
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
  return dev;
}

TapDevice::TapDevice(TapDevice&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      name_(std::move(o.name_)),
      write_errors_(o.write_errors_),
      last_write_errno_(o.last_write_errno_) {}

TapDevice& TapDevice::operator=(TapDevice&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    name_ = std::move(o.name_);
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

bool TapDevice::write(Bytes frame) {
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
