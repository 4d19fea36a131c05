#include "apps/http.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

namespace ws::apps {

using app::Task;

namespace {

namespace fs = std::filesystem;

// ---- characters (RFC 9110 §5.6) ----------------------------------------------

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// tchar: the characters of a token (methods, field names).
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// A field value's bytes: VCHAR, obs-text, SP and HTAB — no other controls.
bool is_field_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

// Visible ASCII: what a request target (and so a URL here) may contain.
bool is_target_byte(char c) { return c > 0x20 && c < 0x7f; }

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each non-empty element of a comma-separated list
// (RFC 9110 §5.6.1); stops when fn returns false.
template <class Fn>
void for_each_element(std::string_view list, Fn&& fn) {
  while (true) {
    const auto comma = list.find(',');
    const auto element = trim_ows(list.substr(0, comma));
    if (!element.empty() && !fn(element)) return;
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// ---- heads (RFC 9112 §2.2) -------------------------------------------------------

struct RawHead {
  std::string_view start_line;
  std::vector<std::string_view> field_lines;
  std::size_t size = 0;
};

// Splits the head at the front of `data` into its lines: CRLF or a bare
// LF ends a line, an empty line ends the head.
Result<RawHead, HttpError> split_head(std::string_view data, std::size_t max_head,
                                      std::size_t max_lines, bool skip_leading_empty) {
  RawHead raw;
  bool have_start = false;
  std::size_t pos = 0;
  while (true) {
    const auto nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (data.size() > max_head) return Unexpected{HttpError::HeadTooLarge};
      return Unexpected{HttpError::Incomplete};
    }
    if (nl + 1 > max_head) return Unexpected{HttpError::HeadTooLarge};
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (!have_start) {
      // §2.2: a server SHOULD ignore at least one empty line before the
      // request line (left over after a body by some clients).
      if (line.empty() && skip_leading_empty) continue;
      raw.start_line = line;
      have_start = true;
      continue;
    }
    if (line.empty()) {
      raw.size = pos;
      return raw;
    }
    if (raw.field_lines.size() >= max_lines) return Unexpected{HttpError::TooManyHeaders};
    raw.field_lines.push_back(line);
  }
}

// HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
bool parse_version(std::string_view s, int& major_version, int& minor_version) {
  if (s.size() != 8 || !s.starts_with("HTTP/") || !is_digit(s[5]) || s[6] != '.' ||
      !is_digit(s[7])) {
    return false;
  }
  major_version = s[5] - '0';
  minor_version = s[7] - '0';
  return true;
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). No
// whitespace before the colon (§5.1: 400), no obs-fold (§5.2: 400).
bool parse_fields(const std::vector<std::string_view>& lines, HttpHeaders& headers) {
  for (const auto line : lines) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    const auto name = line.substr(0, colon);  // a leading SP/HTAB (obs-fold) fails here too
    const auto value = trim_ows(line.substr(colon + 1));
    if (!is_token(name) || !std::all_of(value.begin(), value.end(), is_field_byte)) return false;
    headers.add(std::string(name), std::string(value));
  }
  return true;
}

// Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of equal values ("5, 5")
// is that value, anything else an error.
std::optional<std::uint64_t> content_length(const HttpHeaders& headers) {
  std::optional<std::uint64_t> length;
  bool bad = false;
  for (const auto& f : headers.fields()) {
    if (!iequals(f.name, "content-length")) continue;
    bool any = false;
    for_each_element(f.value, [&](std::string_view e) {
      any = true;
      std::uint64_t v = 0;
      if (e.size() > 18 || !std::all_of(e.begin(), e.end(), is_digit)) {
        bad = true;
        return false;
      }
      for (const char c : e) v = v * 10 + static_cast<std::uint64_t>(c - '0');
      if (length && *length != v) bad = true;
      length = v;
      return !bad;
    });
    if (!any) bad = true;
    if (bad) return std::nullopt;
  }
  return length;
}

// The last transfer coding of all Transfer-Encoding fields ("" when none).
std::string_view last_transfer_coding(const HttpHeaders& headers) {
  std::string_view last;
  for (const auto& f : headers.fields()) {
    if (iequals(f.name, "transfer-encoding")) {
      for_each_element(f.value, [&](std::string_view e) {
        last = e;
        return true;
      });
    }
  }
  return last;
}

}  // namespace

// ---- errors and reasons ----------------------------------------------------------

std::string_view http_error_text(HttpError e) {
  switch (e) {
    case HttpError::Incomplete: return "incomplete message";
    case HttpError::BadStartLine: return "malformed request or status line";
    case HttpError::BadHeader: return "malformed header field";
    case HttpError::HeadTooLarge: return "header section too large";
    case HttpError::TooManyHeaders: return "too many header fields";
    case HttpError::UnsupportedVersion: return "unsupported HTTP version";
    case HttpError::BadFraming: return "invalid Content-Length or Transfer-Encoding";
    case HttpError::BadChunk: return "malformed chunked body";
  }
  return "HTTP error";
}

int http_error_status(HttpError e) {
  switch (e) {
    case HttpError::HeadTooLarge:
    case HttpError::TooManyHeaders: return 431;  // RFC 6585 §5
    case HttpError::UnsupportedVersion: return 505;  // RFC 9110 §15.6.6
    case HttpError::Incomplete:
    case HttpError::BadStartLine:
    case HttpError::BadHeader:
    case HttpError::BadFraming:
    case HttpError::BadChunk: return 400;  // RFC 9110 §15.5.1
  }
  return 400;
}

std::string_view http_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
}

// ---- headers ---------------------------------------------------------------------

void HttpHeaders::add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

std::optional<std::string_view> HttpHeaders::get(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) return std::string_view(f.value);
  }
  return std::nullopt;
}

std::size_t HttpHeaders::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      fields_.begin(), fields_.end(), [&](const HttpField& f) { return iequals(f.name, name); }));
}

bool HttpHeaders::has_token(std::string_view name, std::string_view token) const {
  bool found = false;
  for (const auto& f : fields_) {
    if (!iequals(f.name, name)) continue;
    for_each_element(f.value, [&](std::string_view e) {
      found = iequals(e, token);
      return !found;
    });
    if (found) return true;
  }
  return false;
}

// ---- parsing -----------------------------------------------------------------------

Result<HttpParsed<HttpRequestHead>, HttpError> parse_http_request_head(std::string_view data,
                                                                       std::size_t max_head,
                                                                       std::size_t max_lines) {
  auto raw = split_head(data, max_head, max_lines, /*skip_leading_empty=*/true);
  if (!raw) return Unexpected{raw.error()};
  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  const std::string_view line = raw->start_line;
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Unexpected{HttpError::BadStartLine};
  }
  HttpParsed<HttpRequestHead> out;
  HttpRequestHead& head = out.head;
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(method) || target.empty() ||
      !std::all_of(target.begin(), target.end(), is_target_byte) ||
      !parse_version(line.substr(sp2 + 1), head.major_version, head.minor_version)) {
    return Unexpected{HttpError::BadStartLine};
  }
  if (head.major_version != 1) return Unexpected{HttpError::UnsupportedVersion};
  head.method = std::string(method);
  head.target = std::string(target);
  if (!parse_fields(raw->field_lines, head.headers)) return Unexpected{HttpError::BadHeader};
  out.size = raw->size;
  return out;
}

Result<HttpParsed<HttpResponseHead>, HttpError> parse_http_response_head(std::string_view data,
                                                                         std::size_t max_head,
                                                                         std::size_t max_lines) {
  auto raw = split_head(data, max_head, max_lines, /*skip_leading_empty=*/false);
  if (!raw) return Unexpected{raw.error()};
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4)
  const std::string_view line = raw->start_line;
  HttpParsed<HttpResponseHead> out;
  HttpResponseHead& head = out.head;
  if (line.size() < 12 || !parse_version(line.substr(0, 8), head.major_version,
                                         head.minor_version) ||
      line[8] != ' ' || !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) ||
      (line.size() > 12 && line[12] != ' ')) {
    return Unexpected{HttpError::BadStartLine};
  }
  head.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  const auto reason = line.size() > 12 ? line.substr(13) : std::string_view();
  if (head.status < 100 || head.status > 599 ||
      !std::all_of(reason.begin(), reason.end(), is_field_byte)) {
    return Unexpected{HttpError::BadStartLine};
  }
  if (head.major_version != 1) return Unexpected{HttpError::UnsupportedVersion};
  head.reason = std::string(reason);
  if (!parse_fields(raw->field_lines, head.headers)) return Unexpected{HttpError::BadHeader};
  out.size = raw->size;
  return out;
}

// ---- framing (RFC 9112 §6) -----------------------------------------------------------

Result<HttpBodyFraming, HttpError> http_request_framing(const HttpRequestHead& head) {
  using Kind = HttpBodyFraming::Kind;
  const bool has_te = head.headers.count("transfer-encoding") > 0;
  const bool has_cl = head.headers.count("content-length") > 0;
  if (has_te) {
    // §6.3 item 3: both at once may be request smuggling — reject. §6.1:
    // Transfer-Encoding in HTTP/1.0 is faulty framing. §6.3 item 4: a
    // request whose last coding is not chunked has no knowable length.
    if (has_cl || head.minor_version == 0 ||
        !iequals(last_transfer_coding(head.headers), "chunked")) {
      return Unexpected{HttpError::BadFraming};
    }
    return HttpBodyFraming{Kind::Chunked, 0};
  }
  if (has_cl) {
    const auto length = content_length(head.headers);
    if (!length) return Unexpected{HttpError::BadFraming};
    return HttpBodyFraming{*length == 0 ? Kind::None : Kind::Length, *length};
  }
  return HttpBodyFraming{Kind::None, 0};  // §6.3 item 6: no body
}

Result<HttpBodyFraming, HttpError> http_response_framing(const HttpResponseHead& head,
                                                         bool to_head) {
  using Kind = HttpBodyFraming::Kind;
  // §6.3 item 1: never a body after HEAD, a 1xx, 204 or 304.
  if (to_head || (head.status >= 100 && head.status < 200) || head.status == 204 ||
      head.status == 304) {
    return HttpBodyFraming{Kind::None, 0};
  }
  if (head.headers.count("transfer-encoding") > 0) {
    if (head.minor_version == 0) return Unexpected{HttpError::BadFraming};  // §6.1
    // §6.3 item 3: Transfer-Encoding overrides Content-Length; item 4: a
    // final coding other than chunked runs until the connection closes.
    if (iequals(last_transfer_coding(head.headers), "chunked")) {
      return HttpBodyFraming{Kind::Chunked, 0};
    }
    return HttpBodyFraming{Kind::UntilClose, 0};
  }
  if (head.headers.count("content-length") > 0) {
    const auto length = content_length(head.headers);
    if (!length) return Unexpected{HttpError::BadFraming};  // §6.3 item 5
    return HttpBodyFraming{*length == 0 ? Kind::None : Kind::Length, *length};
  }
  return HttpBodyFraming{Kind::UntilClose, 0};  // §6.3 item 8
}

bool http_keep_alive(int major_version, int minor_version, const HttpHeaders& headers) {
  if (headers.has_token("connection", "close")) return false;
  if (major_version == 1 && minor_version >= 1) return true;
  return headers.has_token("connection", "keep-alive");  // HTTP/1.0 (RFC 9112 §C.2.2)
}

// ---- chunked coding (RFC 9112 §7.1) ----------------------------------------------------

namespace {
constexpr std::size_t kMaxChunkLine = 4 * 1024;
constexpr std::size_t kMaxTrailer = 8 * 1024;
constexpr std::size_t kMaxChunkSizeDigits = 15;  // < 2^60: no overflow, far beyond any use
}  // namespace

Result<std::size_t, HttpError> HttpChunkedDecoder::fail() {
  state_ = State::Failed;
  line_.clear();
  return Unexpected{HttpError::BadChunk};
}

bool HttpChunkedDecoder::end_line() {
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find('\r') != std::string_view::npos) return false;  // a bare CR
  switch (state_) {
    case State::Size: {
      // chunk = chunk-size [ chunk-ext ] CRLF; chunk-size = 1*HEXDIG
      std::size_t i = 0;
      std::uint64_t size = 0;
      std::size_t digits = 0;
      for (; i < line.size() && hex_value(line[i]) >= 0; ++i) {
        size = size * 16 + static_cast<std::uint64_t>(hex_value(line[i]));
        if (size > 0 && ++digits > kMaxChunkSizeDigits) return false;
      }
      if (i == 0) return false;
      // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): ignored.
      auto ext = line.substr(i);
      while (!ext.empty() && is_ows(ext.front())) ext.remove_prefix(1);
      if (!ext.empty() &&
          (ext.front() != ';' || !std::all_of(ext.begin(), ext.end(), is_field_byte))) {
        return false;
      }
      remaining_ = size;
      state_ = size == 0 ? State::Trailer : State::Data;
      return true;
    }
    case State::DataEnd:  // the CRLF after a chunk's data
      if (!line.empty()) return false;
      state_ = State::Size;
      return true;
    case State::Trailer:  // trailer-section, then CRLF: fields checked and dropped (§7.1.2)
      trailer_bytes_ += line_.size() + 1;
      if (line.empty()) {
        state_ = State::Done;
        return true;
      }
      {
        const auto colon = line.find(':');
        return colon != std::string_view::npos && is_token(line.substr(0, colon)) &&
               std::all_of(line.begin(), line.end(), is_field_byte);
      }
    case State::Data:
    case State::Done:
    case State::Failed: break;
  }
  return false;
}

Result<std::size_t, HttpError> HttpChunkedDecoder::feed(std::string_view in, std::string& out) {
  if (state_ == State::Failed) return Unexpected{HttpError::BadChunk};
  std::size_t i = 0;
  while (i < in.size() && state_ != State::Done) {
    if (state_ == State::Data) {
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(in.size() - i)));
      out.append(in.substr(i, n));
      i += n;
      remaining_ -= n;
      body_ += n;
      if (remaining_ == 0) state_ = State::DataEnd;
      continue;
    }
    const std::size_t limit = state_ == State::Size      ? kMaxChunkLine
                              : state_ == State::DataEnd ? 1  // just the CR of a CRLF
                              : trailer_bytes_ < kMaxTrailer ? kMaxTrailer - trailer_bytes_
                                                             : 0;
    const auto nl = in.find('\n', i);
    const auto piece = in.substr(i, (nl == std::string_view::npos ? in.size() : nl) - i);
    if (line_.size() + piece.size() > limit) return fail();
    line_.append(piece);
    if (state_ == State::DataEnd && line_ != "" && line_ != "\r") return fail();
    if (nl == std::string_view::npos) return in.size();  // the line goes on in the next feed
    i = nl + 1;
    if (!end_line()) return fail();
    line_.clear();
  }
  return i;
}

// ---- URLs and paths ----------------------------------------------------------------------

Result<HttpUrl, std::string> parse_http_url(std::string_view url) {
  using Error = Unexpected<std::string>;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Error{fmt::format("not a URL: '{}' (expected http://HOST[:PORT]/path)", url)};
  }
  const auto scheme = url.substr(0, sep);
  if (iequals(scheme, "https")) return Error{std::string("https is not supported: use http://")};
  if (!iequals(scheme, "http")) {
    return Error{fmt::format("only http:// URLs are supported, not {}://", scheme)};
  }
  auto rest = url.substr(sep + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto path_at = rest.find_first_of("/?");
  const auto authority = rest.substr(0, path_at);
  if (authority.find('@') != std::string_view::npos) {
    return Error{std::string("user information in URLs is not supported")};
  }
  const auto colon = authority.find(':');
  const auto host_text = authority.substr(0, colon);
  HttpUrl u;
  const auto host = Ipv4Address::parse(host_text);
  if (!host) {
    return Error{fmt::format("the host must be an IPv4 address such as 192.0.2.20, not '{}'",
                             host_text)};
  }
  u.host = *host;
  if (colon != std::string_view::npos) {
    const auto port = authority.substr(colon + 1);
    if (!port.empty()) {  // RFC 3986 §3.2.3: an empty port is the default
      unsigned value = 0;
      if (port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) {
        return Error{fmt::format("bad port '{}'", port)};
      }
      for (const char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
      if (value == 0 || value > 65535) return Error{fmt::format("bad port '{}'", port)};
      u.port = static_cast<std::uint16_t>(value);
    }
  }
  if (path_at != std::string_view::npos) {
    const auto target = rest.substr(path_at);
    if (!std::all_of(target.begin(), target.end(), is_target_byte)) {
      return Error{std::string("the URL has a space or control character: percent-encode it")};
    }
    u.target = target.front() == '/' ? std::string(target) : "/" + std::string(target);
  }
  u.authority = u.port == 80 ? u.host.to_string() : fmt::format("{}:{}", u.host.to_string(), u.port);
  return u;
}

std::optional<std::string> http_percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

namespace {

// The path part of a target, as sent: origin-form "/p?q" → "/p";
// absolute-form "http://h/p?q" → "/p" (RFC 9112 §3.2.2: servers MUST
// accept it); nullopt for other forms.
std::optional<std::string_view> raw_target_path(std::string_view target) {
  if (target.size() > 7 && iequals(target.substr(0, 7), "http://")) {
    const auto slash = target.find_first_of("/?#", 7);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (target.front() != '/') target = "/";
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  return target.substr(0, target.find_first_of("?#"));
}

}  // namespace

Result<std::string, HttpPathError> http_request_path(std::string_view target) {
  const auto raw = raw_target_path(target);
  if (!raw) return Unexpected{HttpPathError::Malformed};
  const auto decoded = http_percent_decode(*raw);
  if (!decoded || decoded->find('\0') != std::string::npos) {
    return Unexpected{HttpPathError::Malformed};
  }
  std::string out;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return Unexpected{HttpPathError::Traversal};
    out += '/';
    out += segment;
  }
  if (out.empty() || decoded->back() == '/') out += '/';
  return out;
}

std::string_view http_content_type(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const auto ext = name.substr(dot + 1);
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {
      {"html", "text/html; charset=utf-8"},  {"htm", "text/html; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},  {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"}, {"json", "application/json"},
      {"png", "image/png"},                  {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},                {"svg", "image/svg+xml"},
  };
  for (const auto& t : kTypes) {
    if (iequals(ext, t.ext)) return t.type;
  }
  return "application/octet-stream";
}

// ---- the server ------------------------------------------------------------------------

namespace {

constexpr std::size_t kRecvSize = 16 * 1024;
constexpr Duration kLinger = Duration::seconds(2);      // RFC 9112 §9.6 lingering close
constexpr std::uint64_t kLingerDrain = 1024 * 1024;     // bytes read and dropped at most
constexpr std::size_t kMaxListing = 10000;              // directory entries listed

struct ServerState {
  HttpServerConfig config;
  fs::path root;  // canonical
  HttpServerStats& stats() { return *config.stats; }
};

// One slot of max_connections, held by the connection's task (its
// parameter, so it is released even if the task never starts).
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::shared_ptr<HttpServerStats> stats) : stats_(std::move(stats)) {
    ++stats_->connections_active;
  }
  ConnectionSlot(ConnectionSlot&& o) noexcept : stats_(std::move(o.stats_)) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (stats_) --stats_->connections_active;
  }

 private:
  std::shared_ptr<HttpServerStats> stats_;
};

class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileHandle& operator=(FileHandle&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Reads up to n bytes (fewer only at the end of the file or on an error).
  std::size_t read(char* p, std::size_t n) const {
    std::size_t done = 0;
    while (done < n) {
      const auto r = ::read(fd_, p + done, n - done);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      done += static_cast<std::size_t>(r);
    }
    return done;
  }

 private:
  int fd_;
};

// What to answer.
struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;                // in memory: errors, listings
  std::optional<FileHandle> file;  // or streamed from this file
  std::uint64_t file_size = 0;
  std::vector<HttpField> fields;  // Allow, Location
  bool close = false;             // close the connection after it
};

Reply status_reply(int status, bool close = false) {
  Reply r;
  r.status = status;
  r.body = fmt::format("{} {}\n", status, http_reason(status));
  r.close = close;
  return r;
}

// Whether `p` is `root` or below it, component by component (both canonical).
bool within(const fs::path& root, const fs::path& p) {
  return std::mismatch(root.begin(), root.end(), p.begin(), p.end()).first == root.end();
}

// Opens a regular file under the root. Symbolic links are resolved
// first (weakly_canonical), so one pointing outside the root is refused.
std::optional<Reply> open_file(const ServerState& st, const fs::path& path) {
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(path, ec);
  if (ec || !within(st.root, real)) return std::nullopt;
  // O_NONBLOCK: opening a FIFO must not block the loop; O_NOFOLLOW: the
  // last component was just resolved and must not have become a link.
  const int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == EACCES) return status_reply(403);
    return std::nullopt;
  }
  FileHandle file(fd);
  struct stat sb {};
  if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return std::nullopt;
  Reply r;
  r.content_type = std::string(http_content_type(real.filename().string()));
  r.file.emplace(std::move(file));
  r.file_size = static_cast<std::uint64_t>(sb.st_size);
  return r;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Everything but RFC 3986's unreserved characters, %-encoded.
std::string percent_encode(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// A directory without index.html: a small HTML list of its entries.
Reply listing(const fs::path& dir, const std::string& path) {
  std::vector<std::string> names;
  std::error_code ec;
  bool truncated = false;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (names.size() == kMaxListing) {
      truncated = true;
      break;
    }
    std::error_code type_ec;
    std::string name = it->path().filename().string();
    if (it->is_directory(type_ec)) name += '/';
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  const std::string title = html_escape("Index of " + path);
  std::string body = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title></head>\n"
      "<body><h1>{0}</h1>\n<ul>\n",
      title);
  if (path != "/") body += "<li><a href=\"../\">../</a></li>\n";
  for (const auto& name : names) {
    const bool is_dir = name.back() == '/';
    const std::string_view bare = std::string_view(name).substr(0, name.size() - (is_dir ? 1 : 0));
    body += fmt::format("<li><a href=\"{}{}\">{}</a></li>\n", percent_encode(bare),
                        is_dir ? "/" : "", html_escape(name));
  }
  if (truncated) body += fmt::format("<li>(only the first {} entries)</li>\n", kMaxListing);
  body += "</ul></body></html>\n";
  Reply r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// GET or HEAD of `path` (from http_request_path); `raw_path` is the path
// as sent, for a redirect.
Reply plan_get(const ServerState& st, std::string_view raw_path, const std::string& path) {
  const bool dir_syntax = path.back() == '/';
  std::string relative = path.substr(1);
  if (dir_syntax && !relative.empty()) relative.pop_back();
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(st.root / relative, ec);
  if (ec || !within(st.root, real)) return status_reply(404);
  const auto status = fs::status(real, ec);
  if (ec || !fs::exists(status)) return status_reply(404);
  if (fs::is_directory(status)) {
    if (!dir_syntax) {
      // Relative links in the directory's page need the final '/'.
      Reply r = status_reply(301);
      r.fields.push_back({"Location", std::string(raw_path) + "/"});
      return r;
    }
    if (auto index = open_file(st, real / "index.html")) return std::move(*index);
    return listing(real, path);
  }
  if (auto file = open_file(st, real)) return std::move(*file);
  return status_reply(404);
}

void count_response(HttpServerStats& stats, int status) {
  ++stats.requests;
  switch (status / 100) {
    case 2: ++stats.responses_2xx; break;
    case 3: ++stats.responses_3xx; break;
    case 4: ++stats.responses_4xx; break;
    case 5: ++stats.responses_5xx; break;
    default: break;
  }
}

// Sends `reply` (its head, and its body unless `head_only`), counts and
// logs it. False when the connection cannot go on: a send failed or the
// file ended before its announced size.
Task<bool> send_reply(app::Socket& sock, ServerState& st, Reply& reply, bool head_only,
                      bool http10_keep_alive, std::string request_line, SocketAddress peer) {
  const std::uint64_t length = reply.file ? reply.file_size : reply.body.size();
  // RFC 9110 §6.6.1: no Date — the loop's clock is not a calendar.
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nServer: wirestack\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
      reply.status, http_reason(reply.status), reply.content_type, length);
  for (const auto& f : reply.fields) out += fmt::format("{}: {}\r\n", f.name, f.value);
  // RFC 9112 §9.6: a server that will close says so; §C.2.2: a kept
  // HTTP/1.0 connection is confirmed.
  if (reply.close) {
    out += "Connection: close\r\n";
  } else if (http10_keep_alive) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  count_response(st.stats(), reply.status);
  std::uint64_t body_sent = 0;
  bool ok = true;
  if (head_only) {
    ok = (co_await sock.sendall(out)).ok();
  } else if (!reply.file) {
    out += reply.body;
    ok = (co_await sock.sendall(out)).ok();
    if (ok) body_sent = reply.body.size();
  } else {
    // Streamed: the first chunk goes out with the head, then a chunk at a time.
    const std::size_t chunk = std::max<std::size_t>(st.config.file_chunk, 1);
    std::uint64_t left = length;
    while (ok) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, left));
      const std::size_t before = out.size();
      out.resize(before + want);
      const std::size_t got = reply.file->read(out.data() + before, want);
      out.resize(before + got);
      ok = (co_await sock.sendall(out)).ok();
      if (!ok) break;
      body_sent += got;
      left -= got;
      out.clear();
      if (got < want) ok = false;  // the file shrank: the length we announced is a lie
      if (left == 0) break;
    }
  }
  st.stats().body_bytes_sent += body_sent;
  if (st.config.log) {
    st.config.log(fmt::format("{} \"{}\" {} {}", peer.to_string(), request_line, reply.status,
                              body_sent));
  }
  co_return ok;
}

// RFC 9112 §9.6: close by half-closing first, then reading (and
// dropping) what the client still sends until it closes too or a short
// time passes — closing with unread data would send an RST that could
// destroy the response before the client reads it.
Task<void> linger_close(app::Socket& sock, Duration limit) {
  app::Loop& loop = sock.loop();
  (void)sock.shutdown(ShutdownHow::Write);
  const Instant deadline = app::deadline_after(loop.now(), limit);
  std::uint64_t drained = 0;
  while (drained < kLingerDrain && loop.now() < deadline) {
    sock.settimeout(deadline - loop.now());
    auto got = co_await sock.recv(kRecvSize);
    if (!got || got->empty()) break;
    drained += got->size();
  }
  (void)sock.close();
}

// Reads and drops a request body of `framing`; `buf` holds what already
// arrived after the head and keeps what follows the body. 0 when it was
// read, else the status to answer with (400, 413), or -1 when the
// connection ended or timed out.
Task<int> discard_body(app::Socket& sock, ServerState& st, std::string& buf,
                       HttpBodyFraming framing) {
  using Kind = HttpBodyFraming::Kind;
  if (framing.kind == Kind::Length) {
    std::uint64_t left = framing.length;
    while (true) {
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(left, static_cast<std::uint64_t>(buf.size())));
      buf.erase(0, n);
      left -= n;
      if (left == 0) co_return 0;
      auto got = co_await sock.recv(kRecvSize);
      if (!got || got->empty()) {
        if (!got && got.error() == SockError::TimedOut) ++st.stats().connections_timed_out;
        co_return -1;
      }
      buf = std::move(*got);
    }
  }
  if (framing.kind == Kind::Chunked) {
    HttpChunkedDecoder decoder;
    std::string dropped;
    while (true) {
      auto used = decoder.feed(buf, dropped);
      if (!used) co_return 400;
      buf.erase(0, *used);
      dropped.clear();
      if (decoder.body_bytes() > st.config.max_body) co_return 413;
      if (decoder.done()) co_return 0;
      auto got = co_await sock.recv(kRecvSize);
      if (!got || got->empty()) {
        if (!got && got.error() == SockError::TimedOut) ++st.stats().connections_timed_out;
        co_return -1;
      }
      buf = std::move(*got);
    }
  }
  co_return 0;
}

std::string request_line_of(const HttpRequestHead& head) {
  return fmt::format("{} {} HTTP/{}.{}", head.method, head.target, head.major_version,
                     head.minor_version);
}

// One connection, from accept to close: requests answered in order (a
// pipelined request waits in `buf` until the previous one is answered).
Task<void> serve_connection(app::Socket sock, SocketAddress peer,
                            std::shared_ptr<ServerState> state, ConnectionSlot slot) {
  (void)slot;
  ServerState& st = *state;
  sock.settimeout(st.config.idle_timeout);
  // Responses are written whole (head with the first chunk): no reason to
  // hold a small one back for an ACK.
  (void)sock.setsockopt(SockOpt::NoDelay, 1);
  const Duration linger = std::min(kLinger, st.config.idle_timeout);
  std::string buf;
  while (true) {
    // The head: read until it parses, or is too large or bad.
    std::optional<HttpRequestHead> head;
    std::optional<HttpError> bad;
    while (!head && !bad) {
      auto parsed = parse_http_request_head(buf);
      if (parsed) {
        buf.erase(0, parsed->size);
        head.emplace(std::move(parsed->head));
        break;
      }
      if (parsed.error() != HttpError::Incomplete) {
        bad = parsed.error();
        break;
      }
      auto got = co_await sock.recv(kRecvSize);
      if (!got || got->empty()) {
        // Idle (timeout), or the client closed or reset: nothing to answer.
        if (!got && got.error() == SockError::TimedOut) ++st.stats().connections_timed_out;
        co_return;
      }
      buf += *got;
    }
    if (bad) {  // 400, 431, 505: the rest of the stream cannot be trusted
      Reply reply = status_reply(http_error_status(*bad), /*close=*/true);
      if (co_await send_reply(sock, st, reply, false, false, "-", peer)) {
        co_await linger_close(sock, linger);
      }
      co_return;
    }
    const std::string line = request_line_of(*head);
    const bool head_only = head->method == "HEAD";
    const bool http10 = head->minor_version == 0;
    const bool keep = http_keep_alive(head->major_version, head->minor_version, head->headers);
    std::optional<Reply> reply;
    // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host (an empty
    // value is allowed); HTTP/1.0 at most one.
    const std::size_t hosts = head->headers.count("host");
    auto framing = http_request_framing(*head);
    if (!framing || hosts > 1 || (!http10 && hosts == 0)) {
      reply = status_reply(400, true);
    } else if (framing->kind == HttpBodyFraming::Kind::Length &&
               framing->length > st.config.max_body) {
      reply = status_reply(413, true);  // RFC 9110 §15.5.14: and close
    } else {
      const int discarded = co_await discard_body(sock, st, buf, *framing);
      if (discarded < 0) co_return;
      if (discarded > 0) reply = status_reply(discarded, true);
    }
    if (!reply && head->method != "GET" && !head_only) {
      reply = status_reply(405);  // RFC 9110 §15.5.6: with Allow
      reply->fields.push_back({"Allow", "GET, HEAD"});
    }
    if (!reply) {
      auto path = http_request_path(head->target);
      if (!path) {
        reply = path.error() == HttpPathError::Traversal ? status_reply(404)
                                                         : status_reply(400, true);
      } else {
        reply = plan_get(st, *raw_target_path(head->target), *path);
      }
    }
    if (!keep) reply->close = true;
    const bool sent = co_await send_reply(sock, st, *reply, head_only, http10 && keep, line, peer);
    if (!sent) co_return;
    if (reply->close) {
      co_await linger_close(sock, linger);
      co_return;
    }
  }
}

}  // namespace

Task<HttpServerExit> http_server(app::Loop& loop, Stack& stack, HttpServerConfig config) {
  auto state = std::make_shared<ServerState>();
  if (!config.stats) config.stats = std::make_shared<HttpServerStats>();
  state->config = std::move(config);
  ServerState& st = *state;
  auto log = [&](const std::string& line) {
    if (st.config.log) st.config.log(line);
  };
  std::error_code ec;
  state->root = fs::canonical(st.config.root, ec);
  if (ec || !fs::is_directory(state->root, ec)) {
    HttpServerExit exit{std::nullopt, fmt::format("root {}: {}", st.config.root,
                                                  ec ? ec.message() : "not a directory")};
    log(exit.reason);
    co_return exit;
  }
  const SocketAddress at{st.config.address, st.config.port};
  auto fail = [&](std::string what, SockError e) {
    HttpServerExit exit{e, fmt::format("{}: {}", what, app::describe(e))};
    log(exit.reason);
    return exit;
  };
  auto server = app::socket(loop, stack, SocketType::Stream);
  if (!server) co_return fail("socket", server.error());
  (void)server->set_reuseaddr();
  if (auto r = server->bind(at); !r) co_return fail("bind " + at.to_string(), r.error());
  if (auto r = server->listen(st.config.backlog); !r) co_return fail("listen", r.error());
  while (true) {
    auto accepted = co_await server->accept();
    if (!accepted) {
      const SockError e = accepted.error();
      if (e == SockError::BadDescriptor || e == SockError::Invalid ||
          e == SockError::OpNotSupported) {
        co_return fail("accept", e);
      }
      // A connection that died in the queue: the next. Out of sockets or
      // buffers: wait a little rather than spin on the error.
      if (e != SockError::ConnAborted && e != SockError::ConnReset) {
        co_await app::sleep(loop, Duration::millis(10));
      }
      continue;
    }
    if (st.stats().connections_active >= st.config.max_connections) {
      ++st.stats().connections_refused;
      (void)accepted->conn.close();
      continue;
    }
    ++st.stats().connections_accepted;
    loop.spawn(serve_connection(std::move(accepted->conn), accepted->addr, state,
                                ConnectionSlot(st.config.stats)));
  }
}

// ---- the client ----------------------------------------------------------------------

namespace {

// Reads more into `buf`: true when bytes came, false at the end of the stream.
Task<SockResult<bool>> read_more(app::Socket& sock, std::string& buf, std::size_t bufsize) {
  auto got = co_await sock.recv(bufsize);
  if (!got) co_return Unexpected{got.error()};
  if (got->empty()) co_return false;
  buf += *got;
  co_return true;
}

// Reads one response (to a HEAD request when `to_head`) into `out`, its
// body to sink(index, ...). `buf` holds what was read ahead and keeps what
// follows the response. True when the connection may carry another.
Task<bool> read_response(app::Socket& sock, std::string& buf, bool to_head,
                         const HttpClientConfig& config, std::size_t index,
                         const HttpIndexedSink& sink, HttpGetResult& out) {
  using Kind = HttpBodyFraming::Kind;
  std::optional<HttpResponseHead> head;
  int interim = 0;
  while (!head) {
    auto parsed = parse_http_response_head(buf, config.max_head);
    if (parsed) {
      buf.erase(0, parsed->size);
      // RFC 9110 §15.2: 1xx responses are interim; the final one follows.
      // 101 would switch protocols, which was not asked for.
      if (parsed->head.status < 200) {
        if (parsed->head.status == 101 || ++interim > 8) {
          out.problem = fmt::format("unexpected {} response", parsed->head.status);
          co_return false;
        }
        continue;
      }
      head.emplace(std::move(parsed->head));
      break;
    }
    if (parsed.error() != HttpError::Incomplete) {
      out.problem = fmt::format("bad response: {}", http_error_text(parsed.error()));
      co_return false;
    }
    auto more = co_await read_more(sock, buf, config.bufsize);
    if (!more) {
      out.error = more.error();
      co_return false;
    }
    if (!*more) {
      out.problem = buf.empty() ? "the server closed the connection without a response"
                                : "the server closed the connection in the response head";
      co_return false;
    }
  }
  out.status = head->status;
  out.reason = head->reason;
  out.headers = head->headers;
  const auto framing = http_response_framing(*head, to_head);
  if (!framing) {
    out.problem = fmt::format("bad response: {}", http_error_text(framing.error()));
    co_return false;
  }
  const bool reusable = framing->kind != Kind::UntilClose &&
                        http_keep_alive(head->major_version, head->minor_version, head->headers);
  // Gives body bytes to the sink; false when it refuses them.
  auto deliver = [&](std::string_view data) {
    if (data.empty()) return true;
    out.body_bytes += data.size();
    if (!sink || sink(index, data)) return true;
    out.problem = "aborted: the sink refused the body";
    return false;
  };
  switch (framing->kind) {
    case Kind::None: break;
    case Kind::Length: {
      std::uint64_t left = framing->length;
      while (true) {
        const auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>(left, static_cast<std::uint64_t>(buf.size())));
        if (!deliver(std::string_view(buf).substr(0, n))) co_return false;
        buf.erase(0, n);
        left -= n;
        if (left == 0) break;
        auto more = co_await read_more(sock, buf, config.bufsize);
        if (!more) {
          out.error = more.error();
          co_return false;
        }
        if (!*more) {
          out.problem = fmt::format("the connection closed after {} of {} body bytes",
                                    framing->length - left, framing->length);
          co_return false;
        }
      }
      break;
    }
    case Kind::Chunked: {
      HttpChunkedDecoder decoder;
      std::string data;
      while (true) {
        auto used = decoder.feed(buf, data);
        if (!used) {
          out.problem = fmt::format("bad response: {}", http_error_text(used.error()));
          co_return false;
        }
        buf.erase(0, *used);
        if (!deliver(data)) co_return false;
        data.clear();
        if (decoder.done()) break;
        auto more = co_await read_more(sock, buf, config.bufsize);
        if (!more) {
          out.error = more.error();
          co_return false;
        }
        if (!*more) {
          out.problem = "the connection closed in the middle of the chunked body";
          co_return false;
        }
      }
      break;
    }
    case Kind::UntilClose: {
      while (true) {
        if (!deliver(buf)) co_return false;
        buf.clear();
        auto more = co_await read_more(sock, buf, config.bufsize);
        if (!more) {
          out.error = more.error();
          co_return false;
        }
        if (!*more) break;  // the end of the stream is the end of the body
      }
      break;
    }
  }
  out.complete = true;
  co_return reusable;
}

// The request, or "" (and `problem`) when the config cannot make one.
std::string request_text(const HttpClientConfig& config, std::string_view target,
                         std::string_view authority, bool close, std::string& problem) {
  if (!is_token(config.method)) {
    problem = fmt::format("invalid method '{}'", config.method);
    return {};
  }
  std::string out = fmt::format(
      "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: wirestack\r\nAccept: */*\r\n", config.method,
      target, authority);
  if (close) out += "Connection: close\r\n";
  for (const auto& f : config.headers) {
    if (!is_token(f.name) || !std::all_of(f.value.begin(), f.value.end(), is_field_byte)) {
      problem = fmt::format("invalid header field '{}'", f.name);
      return {};
    }
    out += fmt::format("{}: {}\r\n", f.name, f.value);
  }
  out += "\r\n";
  return out;
}

// The requests for `targets` on one connection to `server`.
Task<std::vector<HttpGetResult>> exchange(app::Loop& loop, Stack& stack, SocketAddress server,
                                          std::string authority, std::vector<std::string> targets,
                                          HttpIndexedSink sink, HttpClientConfig config) {
  std::vector<HttpGetResult> results(targets.size());
  const std::size_t n = targets.size();
  std::vector<std::string> requests;
  std::string problem;
  for (std::size_t i = 0; i < n && problem.empty(); ++i) {
    if (targets[i].empty() || targets[i].front() != '/' ||
        !std::all_of(targets[i].begin(), targets[i].end(), is_target_byte)) {
      problem = fmt::format("invalid request target '{}'", targets[i]);
      break;
    }
    requests.push_back(request_text(config, targets[i], authority, i + 1 == n, problem));
  }
  auto fail_all = [&](std::optional<SockError> error, const std::string& why) {
    for (auto& r : results) {
      r.error = error;
      r.problem = why;
    }
    return std::move(results);
  };
  if (n == 0) co_return results;
  if (!problem.empty()) co_return fail_all(std::nullopt, problem);
  auto sock = app::socket(loop, stack, SocketType::Stream);
  if (!sock) co_return fail_all(sock.error(), "");
  sock->settimeout(config.timeout);
  if (auto c = co_await sock->connect(server); !c) co_return fail_all(c.error(), "");
  (void)sock->setsockopt(SockOpt::NoDelay, 1);
  const bool to_head = config.method == "HEAD";
  if (config.pipeline) {
    std::string all;
    for (const auto& r : requests) all += r;
    if (auto s = co_await sock->sendall(all); !s) co_return fail_all(s.error(), "");
  }
  std::string buf;
  for (std::size_t i = 0; i < n; ++i) {
    if (!config.pipeline) {
      auto s = co_await sock->sendall(requests[i]);
      if (!s) {
        results[i].error = s.error();
        break;
      }
    }
    const bool reusable =
        co_await read_response(*sock, buf, to_head, config, i, sink, results[i]);
    if (!reusable) break;
  }
  for (auto& r : results) {
    if (!r.complete && !r.error && r.problem.empty()) {
      r.problem = "no response: the connection ended before it";
    }
  }
  (void)sock->close();
  co_return results;
}

}  // namespace

Task<HttpGetResult> http_get(app::Loop& loop, Stack& stack, std::string url, HttpBodySink sink,
                             HttpClientConfig config) {
  auto u = parse_http_url(url);
  if (!u) {
    HttpGetResult r;
    r.problem = "bad URL: " + u.error();
    co_return r;
  }
  HttpIndexedSink indexed = [sink = std::move(sink)](std::size_t, std::string_view data) {
    return !sink || sink(data);
  };
  std::vector<std::string> targets;
  targets.push_back(u->target);
  auto results = co_await exchange(loop, stack, u->address(), u->authority, std::move(targets),
                                   std::move(indexed), std::move(config));
  co_return std::move(results.front());
}

Task<std::vector<HttpGetResult>> http_get_many(app::Loop& loop, Stack& stack,
                                               SocketAddress server,
                                               std::vector<std::string> targets,
                                               HttpIndexedSink sink, HttpClientConfig config) {
  const std::string authority =
      server.port == 80 ? server.ip.to_string() : server.to_string();
  co_return co_await exchange(loop, stack, server, authority, std::move(targets),
                              std::move(sink), std::move(config));
}

}  // namespace ws::apps
