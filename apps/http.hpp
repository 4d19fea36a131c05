// HTTP/1.1: a static file server and a small client, written against the
// coroutine socket API (app::Socket), so the same code runs in the
// simulator (SimLoop, virtual time) and on a real device.
//
//   std::optional<apps::HttpServerExit> exit;  // set only if it stops (bind failed...)
//   loop.spawn(app::store_result(apps::http_server(loop, stack, {.root = "/srv/www"}), exit));
//   auto r = co_await apps::http_get(loop, stack, "http://192.0.2.20/index.html",
//                                    [&](std::string_view data) { out.write(data); return true; });
//   // r.status, r.headers, r.body_bytes; r.error (a SockError) or r.problem (in words)
//
// Why in two layers: the message syntax is parsed by pure functions over
// bytes (sans-I/O: request and response heads, body framing, chunked
// decoding, URLs, paths), unit tested on their own; the coroutines only
// move bytes between those functions and the socket.
//
// The rules, by where they are written down:
// - RFC 9112 (HTTP/1.1 message syntax): §2.2 message parsing (CRLF, a bare
//   LF tolerated, empty lines before a request ignored), §2.3 the version,
//   §3 the request line, §3.2 the target forms and Host, §4 the status
//   line, §5 field lines (no whitespace before the colon, obs-fold
//   rejected), §6.1–6.3 the body length (Transfer-Encoding over
//   Content-Length, both at once rejected), §7.1 chunked coding, §9.3
//   persistence, §9.6 tear-down (the server half-closes and drains before
//   closing, so its last response is not lost to an RST).
// - RFC 9110 (HTTP semantics): §5.1 case-insensitive field names, §6.6.1
//   no Date without a clock, §8.3 Content-Type, §8.6 Content-Length, §9.3.1
//   GET, §9.3.2 HEAD (the same header fields, no content), §15 the status
//   codes; RFC 6585 §5 for 431.
// - RFC 3986 §2.1 percent-encoding, §3.2.2 the host of an http URL.
//
// Bounds: a request head is at most 8 KiB and 100 field lines (431
// beyond), a request body at most 1 MiB (413 beyond; smaller bodies are
// read and discarded), a response head the client accepts at most 64 KiB.
// Files are streamed in chunks (64 KiB), never read whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/socket.hpp"
#include "base/result.hpp"

namespace ws::apps {

// ---- limits -------------------------------------------------------------------

inline constexpr std::size_t kHttpMaxRequestHead = 8 * 1024;   // bytes, the empty line included
inline constexpr std::size_t kHttpMaxResponseHead = 64 * 1024;  // what the client accepts
inline constexpr std::size_t kHttpMaxHeaderLines = 100;         // field lines per head
inline constexpr std::uint64_t kHttpMaxRequestBody = 1024 * 1024;

// ---- errors -------------------------------------------------------------------

enum class HttpError : std::uint8_t {
  Incomplete,          // not an error yet: the head (or chunk) goes on; read more
  BadStartLine,        // request line (RFC 9112 §3) or status line (§4)
  BadHeader,           // a field line (§5): no colon, space before it, obs-fold, bad bytes
  HeadTooLarge,        // longer than the limit
  TooManyHeaders,      // more field lines than the limit
  UnsupportedVersion,  // a well-formed version whose major is not 1
  BadFraming,          // Content-Length / Transfer-Encoding that cannot delimit a body (§6.3)
  BadChunk,            // chunked coding (§7.1)
};

// "malformed request or status line", ... — for messages.
std::string_view http_error_text(HttpError e);
// The status a server answers a request with this error with: 400, 431 or 505.
int http_error_status(HttpError e);
// "OK", "Not Found"... (RFC 9110 §15); "" for a code it does not know.
std::string_view http_reason(int status);

// ---- messages -----------------------------------------------------------------

struct HttpField {
  std::string name;   // as received
  std::string value;  // without the surrounding whitespace
  bool operator==(const HttpField&) const = default;
};

// The header section: fields in order; names compare case-insensitively
// (RFC 9110 §5.1).
class HttpHeaders {
 public:
  void add(std::string name, std::string value);
  // The first field of that name.
  std::optional<std::string_view> get(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  // Whether any field of that name, read as a comma-separated list, has
  // `token` as an element (case-insensitive): has_token("Connection", "close").
  bool has_token(std::string_view name, std::string_view token) const;
  const std::vector<HttpField>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<HttpField> fields_;
};

struct HttpRequestHead {
  std::string method;  // case-sensitive token (RFC 9110 §9.1)
  std::string target;  // as sent: "/a/b?c", "http://host/a", "*"
  int major_version = 1;
  int minor_version = 1;
  HttpHeaders headers;
};

struct HttpResponseHead {
  int major_version = 1;
  int minor_version = 1;
  int status = 0;
  std::string reason;
  HttpHeaders headers;
};

// A head parsed from the front of a buffer: `size` bytes of it, the empty
// line included; what follows is the body or the next message.
template <class Head>
struct HttpParsed {
  Head head;
  std::size_t size = 0;
};

// Parses the request head at the front of `data` (RFC 9112 §2.2, §3, §5).
// Incomplete while no empty line has ended it and `data` is within
// `max_head`; HeadTooLarge once the head is longer than `max_head`.
// Lines end in CRLF or a bare LF; empty lines before the request line are
// skipped (they count towards max_head).
Result<HttpParsed<HttpRequestHead>, HttpError> parse_http_request_head(
    std::string_view data, std::size_t max_head = kHttpMaxRequestHead,
    std::size_t max_lines = kHttpMaxHeaderLines);
// The same for a response head (status line, RFC 9112 §4). A missing
// reason phrase ("HTTP/1.1 204") is accepted.
Result<HttpParsed<HttpResponseHead>, HttpError> parse_http_response_head(
    std::string_view data, std::size_t max_head = kHttpMaxResponseHead,
    std::size_t max_lines = kHttpMaxHeaderLines);

// How a message body is delimited (RFC 9112 §6.3).
struct HttpBodyFraming {
  enum class Kind : std::uint8_t { None, Length, Chunked, UntilClose };
  Kind kind = Kind::None;
  std::uint64_t length = 0;  // Kind::Length
  bool operator==(const HttpBodyFraming&) const = default;
};

// A request: chunked when Transfer-Encoding ends in "chunked", else the
// Content-Length, else none. Errors (BadFraming): both fields at once,
// a Transfer-Encoding not ending in chunked, an invalid or conflicting
// Content-Length ("5, 5" is 5).
Result<HttpBodyFraming, HttpError> http_request_framing(const HttpRequestHead& head);
// A response to a request (`to_head`: the request was HEAD): none for
// HEAD, 1xx, 204 and 304; chunked; Content-Length; else until close.
Result<HttpBodyFraming, HttpError> http_response_framing(const HttpResponseHead& head,
                                                         bool to_head);

// RFC 9112 §9.3: does the connection persist after this message? "close"
// in Connection ends it; otherwise HTTP/1.1 (and later 1.x) persists and
// HTTP/1.0 only with "keep-alive".
bool http_keep_alive(int major_version, int minor_version, const HttpHeaders& headers);

// Chunked transfer coding (RFC 9112 §7.1), decoded incrementally: feed it
// the bytes as they arrive, split anywhere. Chunk extensions and trailer
// fields are checked for size and ignored. A chunk-size line is at most
// 4 KiB, the trailer section 8 KiB.
class HttpChunkedDecoder {
 public:
  // Decodes what it can of `in`, appending body bytes to `out`; returns
  // how many bytes of `in` it consumed: all of them until done(), after
  // which the rest belongs to the next message. An error is final.
  Result<std::size_t, HttpError> feed(std::string_view in, std::string& out);
  bool done() const { return state_ == State::Done; }
  std::uint64_t body_bytes() const { return body_; }

 private:
  enum class State : std::uint8_t { Size, Data, DataEnd, Trailer, Done, Failed };
  Result<std::size_t, HttpError> fail();
  bool end_line();  // the line in line_ is complete: act on it; false on an error

  State state_ = State::Size;
  std::string line_;  // the size, data-end or trailer line so far
  std::uint64_t remaining_ = 0;
  std::uint64_t body_ = 0;
  std::size_t trailer_bytes_ = 0;
};

// ---- URLs and paths ---------------------------------------------------------------

// http://HOST[:PORT][/path][?query] with HOST an IPv4 address literal.
struct HttpUrl {
  Ipv4Address host;
  std::uint16_t port = 80;
  std::string target = "/";  // origin-form: the path and query ("/" when the URL has none)
  std::string authority;     // for Host: "192.0.2.20", or "192.0.2.20:8080" off port 80
  SocketAddress address() const { return {host, port}; }
};

// The error says what is wrong, e.g. "only http:// URLs are supported".
Result<HttpUrl, std::string> parse_http_url(std::string_view url);

// "%41b" → "Ab" (RFC 3986 §2.1); nullopt for a '%' not followed by two
// hex digits.
std::optional<std::string> http_percent_decode(std::string_view s);

enum class HttpPathError : std::uint8_t {
  Malformed,  // not a path, bad %-encoding, a NUL: 400
  Traversal,  // a ".." segment: 404, whatever lies there
};

// The decoded, normalised path of a request target, for finding a file:
// the query is dropped, an absolute-form target ("http://h/p") gives its
// path, empty and "." segments are removed; the result starts with '/'
// and keeps a trailing '/'. "/a//./b%20c/" → "/a/b c/".
Result<std::string, HttpPathError> http_request_path(std::string_view target);

// From the file name's extension (case-insensitive): html/htm, txt, css,
// js, json, png, jpg/jpeg, svg; anything else application/octet-stream.
std::string_view http_content_type(std::string_view path);

// ---- the server ------------------------------------------------------------------

struct HttpServerStats {
  std::uint64_t connections_accepted = 0;   // each served by a task of its own
  std::uint64_t connections_refused = 0;    // closed at once: max_connections were open
  std::uint64_t connections_active = 0;     // open now
  std::uint64_t connections_timed_out = 0;  // idle (or stalled) longer than idle_timeout
  std::uint64_t requests = 0;               // request heads answered, bad ones included
  std::uint64_t responses_2xx = 0;
  std::uint64_t responses_3xx = 0;
  std::uint64_t responses_4xx = 0;
  std::uint64_t responses_5xx = 0;
  std::uint64_t body_bytes_sent = 0;
};

struct HttpServerConfig {
  std::string root = ".";  // the directory served; nothing outside it ever is
  Ipv4Address address = Ipv4Address::any();
  std::uint16_t port = 80;
  int backlog = 128;
  std::size_t max_connections = 512;  // open at once; more are closed at once (counted)
  // A connection waiting this long for a request (or for the client to
  // take data) is closed: each socket call's timeout.
  Duration idle_timeout = Duration::seconds(30);
  std::size_t file_chunk = 64 * 1024;           // bytes read and sent at a time
  std::uint64_t max_body = kHttpMaxRequestBody;  // larger request bodies: 413
  // The counters, shared with the caller (made when null). Connection
  // tasks keep it alive, so it may be read while they run.
  std::shared_ptr<HttpServerStats> stats;
  // One line per request: 192.0.2.10:49152 "GET /x HTTP/1.1" 200 1234
  // (the body bytes sent); "-" for a request line that did not parse.
  std::function<void(std::string_view line)> log;
};

// Why the server stopped (it serves for ever otherwise).
struct HttpServerExit {
  std::optional<SockError> error;  // a socket call failed
  std::string reason;              // in words: "bind 0.0.0.0:80: EADDRINUSE (...)"
};

// Listens on address:port and serves GET and HEAD of the files under
// root, one task per connection, until cancelled.
app::Task<HttpServerExit> http_server(app::Loop& loop, Stack& stack, HttpServerConfig config);

// ---- the client ----------------------------------------------------------------

// Receives the body as it arrives; returning false aborts the transfer.
using HttpBodySink = std::function<bool(std::string_view data)>;
// For several requests: which one (0, 1, ...) the bytes belong to.
using HttpIndexedSink = std::function<bool(std::size_t request, std::string_view data)>;

struct HttpClientConfig {
  std::string method = "GET";     // or HEAD (whose response has no body)
  std::vector<HttpField> headers;  // more request fields, after Host, User-Agent and Accept
  std::optional<Duration> timeout = Duration::seconds(30);  // each socket call
  std::size_t bufsize = 64 * 1024;                          // bytes per recv
  std::size_t max_head = kHttpMaxResponseHead;
  // http_get_many: send every request before reading the first response
  // (pipelining, RFC 9112 §9.3.2) instead of one after the other.
  bool pipeline = false;
};

struct HttpGetResult {
  int status = 0;  // 0: no response
  std::string reason;
  HttpHeaders headers;
  std::uint64_t body_bytes = 0;  // given to the sink
  bool complete = false;         // a response arrived, its body whole by its framing
  std::optional<SockError> error;  // a socket call failed (connect, send, recv)
  std::string problem;             // otherwise what went wrong, in words; "" when nothing
  bool ok() const { return complete && !error && problem.empty(); }
};

// GET url (with Connection: close), the body streamed to `sink`.
app::Task<HttpGetResult> http_get(app::Loop& loop, Stack& stack, std::string url,
                                  HttpBodySink sink, HttpClientConfig config = {});

// Several requests on one persistent connection, answered in order: every
// request but the last keeps the connection open, the last asks to close
// it. A result per target; those after the connection ended say so in
// `problem`.
app::Task<std::vector<HttpGetResult>> http_get_many(app::Loop& loop, Stack& stack,
                                                    SocketAddress server,
                                                    std::vector<std::string> targets,
                                                    HttpIndexedSink sink,
                                                    HttpClientConfig config = {});

}  // namespace ws::apps
