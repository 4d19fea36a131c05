// TapDevice: a Linux TAP interface as wirestack's wire. Frames the kernel
// sends out of the TAP are read here; frames written here arrive at the
// kernel as if received on that interface. Opened with IFF_TAP |
// IFF_NO_PI (whole Ethernet frames, no packet-info prefix), nonblocking.
//
// open() attaches to an existing TAP of that name in the current network
// namespace or creates a transient one (gone when the descriptor closes),
// and brings the link up unless told not to. Needs CAP_NET_ADMIN (root)
// and /dev/net/tun; failures come back as a readable message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace ws::runtime {

class TapDevice {
 public:
  static Result<TapDevice, std::string> open(const std::string& name, bool bring_up = true);

  TapDevice(TapDevice&& o) noexcept;
  TapDevice& operator=(TapDevice&& o) noexcept;
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;
  ~TapDevice();

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  // The kernel-side MTU of the interface (SIOCGIFMTU), e.g. 1500.
  Result<int, std::string> mtu() const;
  // Sets it (SIOCSIFMTU; root or CAP_NET_ADMIN): both the kernel and the
  // stack behind the TAP then send frames up to mtu + 14 bytes.
  Result<void, std::string> set_mtu(int mtu);

  // One frame into `buf`: its length, 0 when nothing is waiting (EAGAIN),
  // or an error message.
  Result<std::size_t, std::string> read(MutBytes buf);
  // Writes one frame; false (and counted) when the kernel refused it.
  bool write(Bytes frame);

  std::uint64_t write_errors() const { return write_errors_; }
  int last_write_errno() const { return last_write_errno_; }

 private:
  TapDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  int fd_ = -1;
  std::string name_;
  std::uint64_t write_errors_ = 0;
  int last_write_errno_ = 0;
};

}  // namespace ws::runtime
