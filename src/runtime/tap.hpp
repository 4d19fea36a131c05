// TapDevice: a Linux TAP interface as wirestack's wire. Frames the kernel
// sends out of the TAP are read here; frames written here arrive at the
// kernel as if received on that interface. Opened with IFF_TAP |
// IFF_NO_PI (whole Ethernet frames, no packet-info prefix), nonblocking.
//
// open() attaches to an existing TAP of that name in the current network
// namespace or creates a transient one (gone when the descriptor closes),
// and brings the link up unless told not to. Needs CAP_NET_ADMIN (root)
// and /dev/net/tun; failures come back as a readable message.
//
// Virtio-net offloads (open with offload = true): IFF_VNET_HDR puts a
// virtio_net_hdr in front of every frame each way, and TUNSETOFFLOAD
// (TUN_F_CSUM | TUN_F_TSO4) lets the kernel hand us TCP segments of up to
// 64 KiB (its TSO/GSO super-packets, not cut into MTU-sized frames) with
// partial checksums ("NEEDS_CSUM") or checksums it already verified
// ("DATA_VALID"). We send partial checksums for the kernel to complete.
// Where the kernel refuses, the device falls back to plain frames and
// offload_error() says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/packet_buffer.hpp"
#include "base/result.hpp"

namespace ws::runtime {

class TapDevice {
 public:
  static Result<TapDevice, std::string> open(const std::string& name, bool bring_up = true,
                                             bool offload = false);

  // Whether frames carry virtio-net headers (offloads on).
  bool offload() const { return vnet_; }
  // Why offloads were asked for and refused; empty otherwise.
  const std::string& offload_error() const { return offload_error_; }

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
  // or an error message. Without offloads only.
  Result<std::size_t, std::string> read(MutBytes buf);
  // A frame read with its virtio-net header's news (offloads on), or a
  // plain one (off): the frame is buf[offset, offset + len).
  struct RxFrame {
    std::size_t offset = 0;
    std::size_t len = 0;  // 0: nothing was waiting
    bool needs_csum = false;       // its transport checksum is partial ...
    std::uint16_t csum_start = 0;  // ... summed from here (from the frame's start)
    std::uint16_t csum_offset = 0; // ... into the field this far after csum_start
    bool data_valid = false;       // the kernel verified the checksum
    std::uint16_t gso_size = 0;    // a super-packet of segments this large (0: one segment)
  };
  Result<RxFrame, std::string> read_frame(MutBytes buf);
  // Writes one frame; false (and counted) when the kernel refused it.
  // `partial`: its transport checksum is partial, for the kernel to
  // complete (offloads on only; the caller completes it otherwise).
  bool write(Bytes frame, const PacketBuffer::PartialChecksum* partial = nullptr);
  // The bytes of a virtio-net header in front of each frame (0: none).
  std::size_t header_len() const;

  std::uint64_t write_errors() const { return write_errors_; }
  int last_write_errno() const { return last_write_errno_; }

 private:
  TapDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Result<void, std::string> set_up(bool up);  // brings the link up (and waits for RUNNING) if `up`

  int fd_ = -1;
  std::string name_;
  bool vnet_ = false;
  std::string offload_error_;
  std::uint64_t write_errors_ = 0;
  int last_write_errno_ = 0;
};

}  // namespace ws::runtime
