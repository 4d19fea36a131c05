#include "link/capture_reader.hpp"

#include <pcap/pcap.h>

#include <fmt/format.h>

#include <memory>
#include <utility>

namespace ws {

void CaptureReader::ClosePcap::operator()(pcap* p) const { pcap_close(p); }

void CaptureReader::FreeProgram::operator()(bpf_program* prog) const {
  pcap_freecode(prog);
  delete prog;
}

Result<CaptureReader, std::string> CaptureReader::open(const std::string& path, const std::string& filter) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  CaptureReader r;
  r.path_ = path;
  // Nanosecond precision: libpcap scales microsecond files up, so every
  // file's timestamps arrive in one unit.
  r.pcap_.reset(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!r.pcap_) {
    // libpcap names the file itself when it cannot open it, not when it
    // does not understand the contents ("unknown file format").
    const std::string message = errbuf;
    if (message.starts_with(path)) return Unexpected{message};
    return Unexpected{fmt::format("{}: {}", path, message)};
  }

  const int link_type = pcap_datalink(r.pcap_.get());
  if (link_type != DLT_EN10MB) {
    const char* name = pcap_datalink_val_to_name(link_type);
    return Unexpected{fmt::format("{}: link type {} ({}) is not Ethernet (EN10MB)", path, link_type,
                                  name != nullptr ? name : "unknown")};
  }

  if (!filter.empty()) {
    auto prog = std::make_unique<bpf_program>();
    if (pcap_compile(r.pcap_.get(), prog.get(), filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return Unexpected{fmt::format("bad filter \"{}\": {}", filter, pcap_geterr(r.pcap_.get()))};
    }
    // Compiled: from here on the program's instructions are freed with it.
    r.filter_.reset(prog.release());
  }
  return r;
}

Result<std::optional<CaptureRecord>, std::string> CaptureReader::next() {
  // The filter runs here rather than in libpcap (pcap_setfilter), which
  // would skip rejected frames without counting them.
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) return std::optional<CaptureRecord>{};
    if (rc != 1) return Unexpected{fmt::format("{}: {}", path_, pcap_geterr(pcap_.get()))};
    ++frames_read_;
    if (filter_ && pcap_offline_filter(filter_.get(), header, data) == 0) continue;
    CaptureRecord rec;
    rec.number = frames_read_;
    // With nanosecond precision the field named tv_usec holds nanoseconds.
    rec.at = Instant::from_nanos(std::int64_t{header->ts.tv_sec} * 1'000'000'000 + header->ts.tv_usec);
    rec.frame.assign(data, data + header->caplen);
    rec.original_length = header->len;
    return std::optional<CaptureRecord>{std::move(rec)};
  }
}

}  // namespace ws
