// HTTP/1.1 (apps/http.hpp): the sans-I/O parsers on their own (request
// and response heads, limits, body framing, chunked decoding split
// anywhere, URLs, paths), then the file server and the client on the
// simulator — files from a temporary directory byte for byte, HEAD, the
// error statuses and when they close, path traversal, persistence,
// pipelining, the idle timeout, the connection limit, fifty clients at
// once — and the client against scripted servers (chunked, until-close,
// errors).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/http.hpp"
#include "base/rng.hpp"
#include "base/sha256.hpp"
#include "tcp_world.hpp"

namespace ws::apps {
namespace {

using namespace tcp_testing;  // NOLINT(google-build-using-namespace): test helpers
namespace fs = std::filesystem;

Duration secs(std::int64_t n) { return Duration::seconds(n); }

// ---- request heads -----------------------------------------------------------------

TEST(HttpParse, RequestHead) {
  const std::string head =
      "GET /a/b?x=1 HTTP/1.1\r\nHost: 192.0.2.20\r\nAccept:   */*  \r\nX-Empty:\r\n"
      "x-twice: 1\r\nX-Twice: 2\r\n\r\n";
  auto p = parse_http_request_head(head + "next");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size, head.size()) << "the rest belongs to the body or the next request";
  EXPECT_EQ(p->head.method, "GET");
  EXPECT_EQ(p->head.target, "/a/b?x=1");
  EXPECT_EQ(p->head.major_version, 1);
  EXPECT_EQ(p->head.minor_version, 1);
  const auto& h = p->head.headers;
  EXPECT_EQ(h.size(), 5u);
  EXPECT_EQ(h.get("HOST"), "192.0.2.20") << "field names are case-insensitive";
  EXPECT_EQ(h.get("accept"), "*/*") << "surrounding whitespace is not part of the value";
  EXPECT_EQ(h.get("X-Empty"), "");
  EXPECT_EQ(h.count("X-TWICE"), 2u);
  EXPECT_EQ(h.get("x-twice"), "1");
  EXPECT_FALSE(h.get("Content-Length").has_value());
  EXPECT_EQ(h.fields()[0], (HttpField{"Host", "192.0.2.20"}));
}

TEST(HttpParse, RequestHeadToleratesBareLfAndLeadingEmptyLines) {
  auto p = parse_http_request_head("GET / HTTP/1.0\nHost: h\n\nrest");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size, 24u);
  EXPECT_EQ(p->head.minor_version, 0);
  EXPECT_EQ(p->head.headers.get("host"), "h");
  auto q = parse_http_request_head("\r\n\nHEAD /x HTTP/1.1\r\nHost: h\n\r\n");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->head.method, "HEAD");
  EXPECT_EQ(q->size, 31u);
}

TEST(HttpParse, RequestHeadIncompleteUntilTheEmptyLine) {
  const std::string head = "GET /index.html HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n";
  for (std::size_t n = 0; n < head.size(); ++n) {
    auto p = parse_http_request_head(head.substr(0, n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), HttpError::Incomplete) << n;
  }
  EXPECT_TRUE(parse_http_request_head(head));
}

TEST(HttpParse, BadRequestLines) {
  struct Case {
    std::string line;
    HttpError error;
  };
  const std::vector<Case> cases{
      {"GET /", HttpError::BadStartLine},
      {"GET / HTTP/1.1 extra", HttpError::BadStartLine},
      {"GET  / HTTP/1.1", HttpError::BadStartLine},
      {"GET /\tx HTTP/1.1", HttpError::BadStartLine},
      {"G(T / HTTP/1.1", HttpError::BadStartLine},
      {" GET / HTTP/1.1", HttpError::BadStartLine},
      {"GET / http/1.1", HttpError::BadStartLine},
      {"GET / HTTP/1", HttpError::BadStartLine},
      {"GET / HTTP/1.10", HttpError::BadStartLine},
      {"GET / HTTP/11", HttpError::BadStartLine},
      {"GET \x01 HTTP/1.1", HttpError::BadStartLine},
      {"GET /\x80 HTTP/1.1", HttpError::BadStartLine},
      {"GET /a\rb HTTP/1.1", HttpError::BadStartLine},
      {"GET / HTTP/2.0", HttpError::UnsupportedVersion},
      {"GET / HTTP/0.9", HttpError::UnsupportedVersion},
  };
  for (const auto& c : cases) {
    auto p = parse_http_request_head(c.line + "\r\nHost: h\r\n\r\n");
    ASSERT_FALSE(p) << c.line;
    EXPECT_EQ(p.error(), c.error) << c.line;
    EXPECT_EQ(http_error_status(c.error), c.error == HttpError::UnsupportedVersion ? 505 : 400);
  }
  // Well-formed, if unusual: any token is a method, HTTP/1.9 is 1.x.
  auto p = parse_http_request_head("BREW * HTTP/1.9\r\n\r\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->head.method, "BREW");
  EXPECT_EQ(p->head.minor_version, 9);
}

TEST(HttpParse, BadFieldLines) {
  for (const std::string field : {"Host : h", "Host", ": h", " Host: h", "\tHost: h", "Ho st: h",
                                  "Host: a\x01", "Host: a\x7f", "Host: a\rb"}) {
    auto p = parse_http_request_head("GET / HTTP/1.1\r\n" + field + "\r\n\r\n");
    ASSERT_FALSE(p) << field;
    EXPECT_EQ(p.error(), HttpError::BadHeader) << field;
  }
  EXPECT_EQ(parse_http_request_head(std::string("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 29)).error(),
            HttpError::BadHeader);
  // obs-fold (RFC 9112 §5.2): a continuation line is rejected.
  auto p = parse_http_request_head("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), HttpError::BadHeader);
  // obs-text and HTAB in a value are fine.
  auto q = parse_http_request_head("GET / HTTP/1.1\r\nX-A: caf\xc3\xa9\tnoir\r\n\r\n");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->head.headers.get("x-a"), "caf\xc3\xa9\tnoir");
}

TEST(HttpParse, HeadLimits) {
  // 8 KiB, the empty line included: exactly at the limit parses, a byte
  // more does not — complete or not.
  const std::string start = "GET / HTTP/1.1\r\nX-Pad: ";
  const std::string end = "\r\n\r\n";
  const std::string at_limit = start + std::string(kHttpMaxRequestHead - start.size() - 4, 'a') + end;
  ASSERT_EQ(at_limit.size(), kHttpMaxRequestHead);
  EXPECT_TRUE(parse_http_request_head(at_limit));
  const std::string over = start + std::string(kHttpMaxRequestHead - start.size() - 3, 'a') + end;
  EXPECT_EQ(parse_http_request_head(over).error(), HttpError::HeadTooLarge);
  EXPECT_EQ(parse_http_request_head(over.substr(0, kHttpMaxRequestHead)).error(),
            HttpError::Incomplete);
  EXPECT_EQ(parse_http_request_head(std::string(kHttpMaxRequestHead + 1, 'x')).error(),
            HttpError::HeadTooLarge)
      << "no need to wait for the end of a head already too large";
  EXPECT_EQ(http_error_status(HttpError::HeadTooLarge), 431);

  // 100 field lines parse, 101 do not.
  std::string fields;
  for (int i = 0; i < 100; ++i) fields += fmt::format("X-{}: {}\r\n", i, i);
  auto p = parse_http_request_head("GET / HTTP/1.1\r\n" + fields + "\r\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->head.headers.size(), 100u);
  auto q = parse_http_request_head("GET / HTTP/1.1\r\n" + fields + "X-100: 100\r\n\r\n");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error(), HttpError::TooManyHeaders);
  EXPECT_EQ(http_error_status(HttpError::TooManyHeaders), 431);
  // Empty lines before the request line count towards the size.
  EXPECT_EQ(parse_http_request_head(std::string(kHttpMaxRequestHead + 1, '\n')).error(),
            HttpError::HeadTooLarge);
}

// ---- response heads ------------------------------------------------------------------

TEST(HttpParse, ResponseHead) {
  auto p = parse_http_response_head(
      "HTTP/1.1 404 Not Found\r\nContent-Length: 14\r\nContent-Type: text/plain\r\n\r\nbody");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->head.status, 404);
  EXPECT_EQ(p->head.reason, "Not Found");
  EXPECT_EQ(p->head.headers.get("content-length"), "14");
  EXPECT_EQ(p->size, 72u);
  auto q = parse_http_response_head("HTTP/1.0 204\n\n");
  ASSERT_TRUE(q) << "no reason phrase, bare LF";
  EXPECT_EQ(q->head.status, 204);
  EXPECT_EQ(q->head.reason, "");
  EXPECT_EQ(q->head.minor_version, 0);
  EXPECT_TRUE(parse_http_response_head("HTTP/1.1 200 \r\n\r\n")) << "an empty reason";
  for (const std::string line : {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 200OK",
                                 "HTTX/1.1 200 OK", "HTTP/1.1  200 OK", "HTTP/1.1 099 Low",
                                 "HTTP/1.1 600 High", "\r\nHTTP/1.1 200 OK", "HTTP/1.1 200 \x01"}) {
    auto r = parse_http_response_head(line + "\r\n\r\n");
    ASSERT_FALSE(r) << line;
    EXPECT_EQ(r.error(), HttpError::BadStartLine) << line;
  }
  EXPECT_EQ(parse_http_response_head("HTTP/2.0 200 OK\r\n\r\n").error(),
            HttpError::UnsupportedVersion);
  EXPECT_EQ(parse_http_response_head("HTTP/1.1 200 OK\r\nX: 1\r\n").error(),
            HttpError::Incomplete);
  EXPECT_EQ(parse_http_response_head("HTTP/1.1 200 OK\r\nX : 1\r\n\r\n").error(),
            HttpError::BadHeader);
}

// ---- framing and persistence ---------------------------------------------------------------

HttpRequestHead request(const std::string& fields, const std::string& version = "HTTP/1.1") {
  auto p = parse_http_request_head("POST / " + version + "\r\nHost: h\r\n" + fields + "\r\n");
  EXPECT_TRUE(p) << fields;
  return p ? p->head : HttpRequestHead{};
}
HttpResponseHead response(const std::string& status_line, const std::string& fields) {
  auto p = parse_http_response_head(status_line + "\r\n" + fields + "\r\n");
  EXPECT_TRUE(p) << status_line << fields;
  return p ? p->head : HttpResponseHead{};
}

TEST(HttpParse, RequestBodyFraming) {
  using Kind = HttpBodyFraming::Kind;
  EXPECT_EQ(*http_request_framing(request("")), (HttpBodyFraming{Kind::None, 0}));
  EXPECT_EQ(*http_request_framing(request("Content-Length: 0\r\n")), (HttpBodyFraming{Kind::None, 0}));
  EXPECT_EQ(*http_request_framing(request("Content-Length: 42\r\n")),
            (HttpBodyFraming{Kind::Length, 42}));
  EXPECT_EQ(*http_request_framing(request("Content-Length: 7, 7\r\ncontent-length: 7\r\n")),
            (HttpBodyFraming{Kind::Length, 7}));
  EXPECT_EQ(*http_request_framing(request("Transfer-Encoding: chunked\r\n")),
            (HttpBodyFraming{Kind::Chunked, 0}));
  EXPECT_EQ(*http_request_framing(request("Transfer-Encoding: gzip, CHUNKED\r\n")),
            (HttpBodyFraming{Kind::Chunked, 0}));
  for (const std::string bad :
       {"Content-Length: 7, 8\r\n", "Content-Length: 1\r\nContent-Length: 2\r\n",
        "Content-Length: -1\r\n", "Content-Length: 0x10\r\n", "Content-Length: \r\n",
        "Content-Length: 1 2\r\n", "Content-Length: 9999999999999999999\r\n",
        "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"}) {
    auto f = http_request_framing(request(bad));
    ASSERT_FALSE(f) << bad;
    EXPECT_EQ(f.error(), HttpError::BadFraming) << bad;
  }
  EXPECT_FALSE(http_request_framing(request("Transfer-Encoding: chunked\r\n", "HTTP/1.0")))
      << "Transfer-Encoding in HTTP/1.0 is faulty framing (RFC 9112 §6.1)";
}

TEST(HttpParse, ResponseBodyFraming) {
  using Kind = HttpBodyFraming::Kind;
  const auto length = response("HTTP/1.1 200 OK", "Content-Length: 10\r\n");
  EXPECT_EQ(*http_response_framing(length, false), (HttpBodyFraming{Kind::Length, 10}));
  EXPECT_EQ(*http_response_framing(length, true), (HttpBodyFraming{Kind::None, 0})) << "HEAD";
  for (const std::string status : {"HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified",
                                   "HTTP/1.1 100 Continue"}) {
    EXPECT_EQ(*http_response_framing(response(status, "Content-Length: 10\r\n"), false),
              (HttpBodyFraming{Kind::None, 0}))
        << status;
  }
  EXPECT_EQ(*http_response_framing(response("HTTP/1.1 200 OK", ""), false),
            (HttpBodyFraming{Kind::UntilClose, 0}));
  EXPECT_EQ(*http_response_framing(
                response("HTTP/1.1 200 OK", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"),
                false),
            (HttpBodyFraming{Kind::Chunked, 0}))
      << "Transfer-Encoding overrides Content-Length";
  EXPECT_EQ(*http_response_framing(response("HTTP/1.1 200 OK", "Transfer-Encoding: gzip\r\n"),
                                   false),
            (HttpBodyFraming{Kind::UntilClose, 0}));
  EXPECT_FALSE(http_response_framing(response("HTTP/1.1 200 OK", "Content-Length: x\r\n"), false));
}

TEST(HttpParse, KeepAlive) {
  auto keep = [](const std::string& version, const std::string& fields) {
    const auto h = request(fields, version);
    return http_keep_alive(h.major_version, h.minor_version, h.headers);
  };
  EXPECT_TRUE(keep("HTTP/1.1", ""));
  EXPECT_FALSE(keep("HTTP/1.1", "Connection: close\r\n"));
  EXPECT_FALSE(keep("HTTP/1.1", "Connection: Upgrade, CLOSE\r\n"));
  EXPECT_FALSE(keep("HTTP/1.1", "Connection: foo\r\nconnection: close\r\n"));
  EXPECT_TRUE(keep("HTTP/1.1", "Connection: closed\r\n")) << "a token, not a prefix";
  EXPECT_FALSE(keep("HTTP/1.0", ""));
  EXPECT_TRUE(keep("HTTP/1.0", "Connection: Keep-Alive\r\n"));
  EXPECT_FALSE(keep("HTTP/1.0", "Connection: keep-alive, close\r\n"));
}

// ---- chunked coding ----------------------------------------------------------------------

constexpr std::string_view kChunked =
    "4\r\nWiki\r\n5;name=value\r\npedia\r\nE \r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n";
constexpr std::string_view kDechunked = "Wikipedia in\r\n\r\nchunks.";

TEST(HttpChunked, DecodesWholeWithExtensionsAndTrailers) {
  HttpChunkedDecoder d;
  std::string out;
  const std::string input = std::string(kChunked) + "GET /next";
  auto used = d.feed(input, out);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, kChunked.size()) << "bytes after the last chunk are not consumed";
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, kDechunked);
  EXPECT_EQ(d.body_bytes(), kDechunked.size());
  auto again = d.feed("more", out);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u) << "done: nothing more is consumed";
}

TEST(HttpChunked, DecodesSplitAnywhere) {
  // Every split into two reads, then byte by byte.
  for (std::size_t cut = 0; cut <= kChunked.size(); ++cut) {
    HttpChunkedDecoder d;
    std::string out;
    auto a = d.feed(kChunked.substr(0, cut), out);
    ASSERT_TRUE(a) << cut;
    EXPECT_EQ(*a, cut);
    if (cut < kChunked.size()) {
      EXPECT_FALSE(d.done()) << cut;
    }
    auto b = d.feed(kChunked.substr(cut), out);
    ASSERT_TRUE(b) << cut;
    EXPECT_EQ(*b, kChunked.size() - cut);
    EXPECT_TRUE(d.done()) << cut;
    EXPECT_EQ(out, kDechunked) << cut;
  }
  HttpChunkedDecoder d;
  std::string out;
  for (const char c : kChunked) {
    ASSERT_FALSE(d.done());
    auto r = d.feed(std::string_view(&c, 1), out);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);
  }
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, kDechunked);
}

TEST(HttpChunked, BareLfAndUppercaseHex) {
  HttpChunkedDecoder d;
  std::string out;
  ASSERT_TRUE(d.feed("A\nabcdefghij\n0\n\n", out));
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, "abcdefghij");
}

TEST(HttpChunked, Errors) {
  for (const std::string bad : {"x\r\n", "\r\n", ";ext\r\n", "5\r\nhelloX\r\n", "5\r\nhello\rX",
                                "3 x\r\nabc\r\n", "1\r\na\r\n0\r\nbad trailer\r\n\r\n",
                                "1000000000000000\r\n", "1\r\na\r\n0\r\n: v\r\n\r\n",
                                "5\r\r\nhello\r\n"}) {
    HttpChunkedDecoder d;
    std::string out;
    auto r = d.feed(bad, out);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), HttpError::BadChunk) << bad;
    EXPECT_FALSE(d.feed("0\r\n\r\n", out)) << "an error is final";
  }
  // A size line longer than 4 KiB (extensions) or a trailer longer than 8 KiB.
  HttpChunkedDecoder d;
  std::string out;
  EXPECT_FALSE(d.feed("1;" + std::string(5000, 'x'), out));
  HttpChunkedDecoder t;
  ASSERT_TRUE(t.feed("0\r\n", out));
  std::string trailer;
  for (int i = 0; i < 1000; ++i) trailer += "X-Trailer: abc\r\n";
  EXPECT_FALSE(t.feed(trailer, out));
  // Big chunk sizes are fine (up to 15 hex digits; leading zeros do not count).
  HttpChunkedDecoder big;
  ASSERT_TRUE(big.feed("00000000000000000000FFFFFFFFFFFFFFF\r\n", out));
  EXPECT_FALSE(big.done());
}

// ---- URLs, paths, types ---------------------------------------------------------------------

TEST(HttpUrlParse, Good) {
  auto u = parse_http_url("http://192.0.2.20/index.html");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->host, Ipv4Address(192, 0, 2, 20));
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/index.html");
  EXPECT_EQ(u->authority, "192.0.2.20");
  EXPECT_EQ(u->address(), (SocketAddress{Ipv4Address(192, 0, 2, 20), 80}));
  auto v = parse_http_url("HTTP://10.0.0.1:8080");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->port, 8080);
  EXPECT_EQ(v->target, "/");
  EXPECT_EQ(v->authority, "10.0.0.1:8080");
  auto w = parse_http_url("http://10.0.0.1:/a%20b?q=1#frag");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->port, 80);
  EXPECT_EQ(w->target, "/a%20b?q=1");
  auto x = parse_http_url("http://10.0.0.1?q");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->target, "/?q");
}

TEST(HttpUrlParse, Bad) {
  struct Case {
    std::string url, error;
  };
  const std::vector<Case> cases{
      {"192.0.2.20/x", "not a URL: '192.0.2.20/x' (expected http://HOST[:PORT]/path)"},
      {"https://192.0.2.20/", "https is not supported: use http://"},
      {"ftp://192.0.2.20/", "only http:// URLs are supported, not ftp://"},
      {"http://example.com/",
       "the host must be an IPv4 address such as 192.0.2.20, not 'example.com'"},
      {"http:///x", "the host must be an IPv4 address such as 192.0.2.20, not ''"},
      {"http://192.0.2.256/", "the host must be an IPv4 address such as 192.0.2.20, not '192.0.2.256'"},
      {"http://192.0.2.20:0/", "bad port '0'"},
      {"http://192.0.2.20:65536/", "bad port '65536'"},
      {"http://192.0.2.20:8x/", "bad port '8x'"},
      {"http://u@192.0.2.20/", "user information in URLs is not supported"},
      {"http://192.0.2.20/a b", "the URL has a space or control character: percent-encode it"},
  };
  for (const auto& c : cases) {
    auto u = parse_http_url(c.url);
    ASSERT_FALSE(u) << c.url;
    EXPECT_EQ(u.error(), c.error);
  }
}

TEST(HttpPath, DecodesAndNormalises) {
  EXPECT_EQ(http_percent_decode("%41b%2fc%2F"), "Ab/c/");
  EXPECT_FALSE(http_percent_decode("%"));
  EXPECT_FALSE(http_percent_decode("%4"));
  EXPECT_FALSE(http_percent_decode("%zz"));
  struct Case {
    std::string target, path;
  };
  const std::vector<Case> good{
      {"/", "/"},
      {"/a", "/a"},
      {"/a/", "/a/"},
      {"//a/./b//c%20d/?x=../..", "/a/b/c d/"},
      {"/a/.", "/a"},
      {"/%7Euser/x.txt#frag", "/~user/x.txt"},
      {"http://192.0.2.20/a/b", "/a/b"},
      {"HTTP://192.0.2.20", "/"},
      {"http://192.0.2.20?q", "/"},
      {"/...", "/..."},
      {"/a..b", "/a..b"},
  };
  for (const auto& c : good) {
    auto p = http_request_path(c.target);
    ASSERT_TRUE(p) << c.target;
    EXPECT_EQ(*p, c.path) << c.target;
  }
  for (const std::string t : {"/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/x", "/%2E%2e",
                              "/a/..%2f..%2fb", "/a/%2e%2e%2fb"}) {
    auto p = http_request_path(t);
    ASSERT_FALSE(p) << t;
    EXPECT_EQ(p.error(), HttpPathError::Traversal) << t;
  }
  for (const std::string t : {"*", "a/b", "", "/%zz", "/a%00b", "/a%0", "ftp://h/x"}) {
    auto p = http_request_path(t);
    ASSERT_FALSE(p) << t;
    EXPECT_EQ(p.error(), HttpPathError::Malformed) << t;
  }
}

TEST(HttpPath, ContentTypesAndReasons) {
  EXPECT_EQ(http_content_type("/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(http_content_type("/A.HTM"), "text/html; charset=utf-8");
  EXPECT_EQ(http_content_type("notes.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(http_content_type("/s.css"), "text/css; charset=utf-8");
  EXPECT_EQ(http_content_type("/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http_content_type("/d.json"), "application/json");
  EXPECT_EQ(http_content_type("/p.png"), "image/png");
  EXPECT_EQ(http_content_type("/p.JPG"), "image/jpeg");
  EXPECT_EQ(http_content_type("/p.jpeg"), "image/jpeg");
  EXPECT_EQ(http_content_type("/i.svg"), "image/svg+xml");
  EXPECT_EQ(http_content_type("/x.bin"), "application/octet-stream");
  EXPECT_EQ(http_content_type("/Makefile"), "application/octet-stream");
  EXPECT_EQ(http_content_type("/dir.html/file"), "application/octet-stream");
  EXPECT_EQ(http_reason(200), "OK");
  EXPECT_EQ(http_reason(413), "Content Too Large");
  EXPECT_EQ(http_reason(431), "Request Header Fields Too Large");
  EXPECT_EQ(http_reason(505), "HTTP Version Not Supported");
  EXPECT_EQ(http_reason(299), "");
}

// ---- the server and the client on the simulator ----------------------------------------

// A fresh directory under the system's temporary directory, removed at the end.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            fmt::format("wirestack-http-{}-{}-{}", ::getpid(), test ? test->name() : "x", counter++);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void write(const std::string& relative, std::string_view content) const {
    const fs::path p = path_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    ASSERT_TRUE(out.good()) << p;
  }

 private:
  fs::path path_;
};

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::string s(n, '\0');
  Rng rng(seed);
  rng.fill({reinterpret_cast<std::uint8_t*>(s.data()), s.size()});
  return s;
}

std::string sha256(std::string_view s) {
  Sha256 h;
  h.update({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  return h.hex();
}

constexpr std::string_view kSmall = "hello, world\n";

// A server host serving `www` (inside a temporary directory: its parent
// holds a secret that must never be served), and its counters and log.
struct Site {
  explicit Site(std::uint64_t seed, std::size_t clients = 1) : w(seed, clients) {
    dir.write("secret.txt", "TOP SECRET\n");
    dir.write("www/small.txt", kSmall);
  }
  std::string root() const { return (dir.path() / "www").string(); }
  HttpServerConfig config() {
    HttpServerConfig c;
    c.root = root();
    c.stats = stats;
    c.log = [this](std::string_view line) { log.emplace_back(without_ports(std::string(line))); };
    return c;
  }
  void serve(HttpServerConfig c) {
    w.loop.spawn(app::store_result(http_server(w.loop, w.server->stack(), std::move(c)), exit));
  }
  void serve() { serve(config()); }
  SocketAddress address() const { return {w.server_ip(), 80}; }
  std::string url(std::string_view target) const {
    return fmt::format("http://{}{}", w.server_ip().to_string(), target);
  }
  // Runs `task` (started `after` from now) to its end; nullopt if it did not end in time.
  template <class T>
  std::optional<T> run(app::Task<T> task, Duration after = ms(10), Duration limit = secs(120)) {
    std::optional<T> out;
    const TaskId id = start(w.loop, after, std::move(task), out);
    EXPECT_TRUE(w.loop.run_until_done(id, w.sim.now() + limit)) << "did not finish";
    return out;
  }
  // GET url → (result, body).
  std::pair<HttpGetResult, std::string> get(std::string_view target, HttpClientConfig config = {},
                                            std::size_t client = 0) {
    std::string body;
    auto r = run(http_get(w.loop, w.client(client), url(target),
                          [&body](std::string_view d) {
                            body.append(d);
                            return true;
                          },
                          std::move(config)));
    return {r ? std::move(*r) : HttpGetResult{}, std::move(body)};
  }

  TempDir dir;
  std::shared_ptr<HttpServerStats> stats = std::make_shared<HttpServerStats>();
  std::vector<std::string> log;  // (before the world: its tasks write here)
  std::optional<HttpServerExit> exit;
  World w;
};

// What a raw client saw: every byte, and whether (and when) the server closed.
struct Raw {
  std::string data;
  bool eof = false;
  Instant eof_at = Instant::never();
  std::optional<SockError> error;
};

// Connects, sends `pieces` one after the other, then reads until the
// server closes, or nothing came for `wait`.
app::Task<Raw> raw_exchange(app::Loop& loop, Stack& stack, SocketAddress server,
                            std::vector<std::string> pieces, Duration wait = secs(5)) {
  Raw out;
  auto s = app::socket(loop, stack, SocketType::Stream);
  if (!s) co_return out;
  if (auto c = co_await s->connect(server); !c) {
    out.error = c.error();
    co_return out;
  }
  for (const auto& piece : pieces) {
    auto sent = co_await s->sendall(piece);
    if (!sent) {
      out.error = sent.error();
      break;
    }
  }
  s->settimeout(wait);
  while (true) {
    auto got = co_await s->recv(64 * 1024);
    if (!got) {
      if (got.error() != SockError::TimedOut) out.error = got.error();
      break;
    }
    if (got->empty()) {
      out.eof = true;
      out.eof_at = loop.now();
      break;
    }
    out.data += *got;
  }
  co_return out;
}

struct Response {
  HttpResponseHead head;
  std::string body;
};

// The responses in a raw byte stream (bodies by Content-Length, as the server sends them).
std::vector<Response> responses(std::string_view data, bool to_head = false) {
  std::vector<Response> out;
  while (!data.empty()) {
    auto p = parse_http_response_head(data);
    if (!p) {
      ADD_FAILURE() << "not a response: " << py_bytes(std::string(data.substr(0, 200)));
      break;
    }
    const auto length = p->head.headers.get("content-length");
    EXPECT_TRUE(length.has_value()) << "Content-Length always";
    const std::size_t n = to_head || !length ? 0 : std::stoul(std::string(*length));
    EXPECT_LE(p->size + n, data.size()) << "a whole body";
    out.push_back({p->head, std::string(data.substr(p->size, n))});
    data.remove_prefix(std::min(data.size(), p->size + n));
  }
  return out;
}

std::string h(std::string_view fields = "") {  // the usual request fields
  return "Host: 192.0.2.20\r\n" + std::string(fields) + "\r\n";
}

TEST(HttpServer, GetsSmallAndLargeFilesIntact) {
  Site site(1);
  const std::string big = random_bytes(2 * 1024 * 1024, 7);
  site.dir.write("www/big.bin", big);
  site.dir.write("www/page.html", "<p>hi</p>");
  site.serve();

  auto [small, small_body] = site.get("/small.txt");
  ASSERT_TRUE(small.ok()) << small.problem;
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.reason, "OK");
  EXPECT_EQ(small_body, kSmall);
  EXPECT_EQ(small.body_bytes, kSmall.size());
  EXPECT_EQ(small.headers.get("Content-Length"), std::to_string(kSmall.size()));
  EXPECT_EQ(small.headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(small.headers.get("Connection"), "close") << "the client asked to close";

  auto [large, large_body] = site.get("/big.bin");
  ASSERT_TRUE(large.ok()) << large.problem;
  EXPECT_EQ(large.status, 200);
  EXPECT_EQ(large.body_bytes, big.size());
  EXPECT_EQ(large.headers.get("content-length"), "2097152");
  EXPECT_EQ(large.headers.get("content-type"), "application/octet-stream");
  EXPECT_EQ(sha256(large_body), sha256(big));
  EXPECT_TRUE(large_body == big);

  auto [page, page_body] = site.get("/page.html");
  EXPECT_EQ(page.headers.get("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(page_body, "<p>hi</p>");

  EXPECT_EQ(site.stats->connections_accepted, 3u);
  EXPECT_EQ(site.stats->requests, 3u);
  EXPECT_EQ(site.stats->responses_2xx, 3u);
  EXPECT_EQ(site.stats->body_bytes_sent, kSmall.size() + big.size() + 9);
  EXPECT_EQ(site.log, (Lines{"192.0.2.10:* \"GET /small.txt HTTP/1.1\" 200 13",
                             "192.0.2.10:* \"GET /big.bin HTTP/1.1\" 200 2097152",
                             "192.0.2.10:* \"GET /page.html HTTP/1.1\" 200 9"}));
  EXPECT_FALSE(site.exit.has_value()) << "the server serves on";
}

TEST(HttpServer, HeadSendsTheHeadersWithoutTheBody) {
  Site site(2);
  site.dir.write("www/big.bin", random_bytes(300000, 3));
  site.serve();
  HttpClientConfig head;
  head.method = "HEAD";
  auto [r, body] = site.get("/big.bin", head);
  ASSERT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("content-length"), "300000") << "the length GET would have";
  EXPECT_EQ(r.body_bytes, 0u);
  EXPECT_EQ(body, "");
  // On the wire: the head and nothing after it, even for an error.
  auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                   {"HEAD /big.bin HTTP/1.1\r\n" + h() + "HEAD /nope HTTP/1.1\r\n" +
                                    h("Connection: close\r\n")}));
  ASSERT_TRUE(raw);
  EXPECT_TRUE(raw->eof);
  const auto rs = responses(raw->data, /*to_head=*/true);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].head.status, 200);
  EXPECT_EQ(rs[0].head.headers.get("content-length"), "300000");
  EXPECT_EQ(rs[1].head.status, 404);
  EXPECT_EQ(rs[1].head.headers.get("content-length"), "14");
  EXPECT_EQ(site.stats->body_bytes_sent, 0u);
}

TEST(HttpServer, MissingFileIs404) {
  Site site(3);
  site.serve();
  auto [r, body] = site.get("/nope.txt");
  ASSERT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.reason, "Not Found");
  EXPECT_EQ(body, "404 Not Found\n");
  EXPECT_EQ(r.headers.get("content-length"), "14");
  EXPECT_EQ(site.stats->responses_4xx, 1u);
  EXPECT_EQ(site.log, (Lines{"192.0.2.10:* \"GET /nope.txt HTTP/1.1\" 404 14"}));
}

TEST(HttpServer, OtherMethodsAre405AndSmallBodiesAreDiscarded) {
  // On one connection: a DELETE, a POST with a 5-byte body, a PUT with a
  // chunked body, then a GET — answered 405, 405, 405, 200: the bodies
  // were read and dropped, and the connection stayed open.
  Site site(4);
  site.serve();
  auto raw = site.run(raw_exchange(
      site.w.loop, site.w.client(), site.address(),
      {"DELETE /small.txt HTTP/1.1\r\n" + h(),
       "POST /small.txt HTTP/1.1\r\n" + h("Content-Length: 5\r\n") + "hel", "lo",
       "PUT /x HTTP/1.1\r\n" + h("Transfer-Encoding: chunked\r\n") + "3\r\nabc\r\n0\r\n\r\n",
       "GET /small.txt HTTP/1.1\r\n" + h("Connection: close\r\n")}));
  ASSERT_TRUE(raw);
  EXPECT_TRUE(raw->eof);
  const auto rs = responses(raw->data);
  ASSERT_EQ(rs.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rs[i].head.status, 405) << i;
    EXPECT_EQ(rs[i].head.headers.get("allow"), "GET, HEAD") << i;
    EXPECT_FALSE(rs[i].head.headers.get("connection").has_value()) << i;
  }
  EXPECT_EQ(rs[3].head.status, 200);
  EXPECT_EQ(rs[3].body, kSmall);
  EXPECT_EQ(site.stats->connections_accepted, 1u);
  EXPECT_EQ(site.stats->responses_4xx, 3u);
  EXPECT_EQ(site.log.at(1), "192.0.2.10:* \"POST /small.txt HTTP/1.1\" 405 23");
}

// One raw request per case on its own connection: the status, and that the
// server closed without answering what followed.
void expect_closing_error(Site& site, const std::string& request, int status) {
  auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                   {request + "GET /small.txt HTTP/1.1\r\n" + h()}));
  ASSERT_TRUE(raw) << request;
  EXPECT_TRUE(raw->eof) << "closed: " << py_bytes(request.substr(0, 80));
  const auto rs = responses(raw->data);
  ASSERT_EQ(rs.size(), 1u) << "nothing after the error is answered: "
                           << py_bytes(request.substr(0, 80));
  EXPECT_EQ(rs[0].head.status, status) << py_bytes(request.substr(0, 80));
  EXPECT_EQ(rs[0].head.headers.get("connection"), "close");
  EXPECT_EQ(rs[0].body, fmt::format("{} {}\n", status, http_reason(status)));
}

TEST(HttpServer, MalformedRequestsAre400AndClose) {
  Site site(5);
  site.serve();
  for (const std::string& bad : Lines{
           "GARBAGE\r\n\r\n",
           "GET /small.txt HTTP/1.1\r\nBad Header: x\r\n\r\n",
           "GET /small.txt HTTP/1.1\r\nHost : x\r\n\r\n",
           "GET /small.txt HTTP/1.1\r\n\r\n",                                // no Host
           "GET /small.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",          // two
           "GET /small.txt HTTP/1.1\r\n" + h("Content-Length: x\r\n"),
           "GET /small.txt HTTP/1.1\r\n" + h("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n"),
           "POST / HTTP/1.1\r\n" + h("Transfer-Encoding: chunked\r\n") + "zz\r\n",
           "GET * HTTP/1.1\r\n" + h(),
           "GET /a%zz HTTP/1.1\r\n" + h(),
           "GET /small.txt%00.html HTTP/1.1\r\n" + h(),
       }) {
    expect_closing_error(site, bad, 400);
  }
  EXPECT_EQ(site.stats->responses_4xx, 11u);
  EXPECT_EQ(site.stats->responses_2xx, 0u);
  EXPECT_EQ(site.log.at(0), "192.0.2.10:* \"-\" 400 16");
}

TEST(HttpServer, LargeBodiesAre413AndClose) {
  Site site(6);
  site.serve();
  // Announced larger than 1 MiB: answered before the body is read.
  expect_closing_error(
      site, "POST /x HTTP/1.1\r\n" + h("Content-Length: 1048577\r\n") + std::string(1000, 'b'),
      413);
  // Chunked: found out while reading.
  expect_closing_error(site,
                       "POST /x HTTP/1.1\r\n" + h("Transfer-Encoding: chunked\r\n") +
                           "100001\r\n" + std::string(0x100001, 'c') + "\r\n0\r\n\r\n",
                       413);
  // Exactly 1 MiB is read (and dropped), then answered (405) on an open connection.
  auto raw = site.run(raw_exchange(
      site.w.loop, site.w.client(), site.address(),
      {"POST /x HTTP/1.1\r\n" + h("Content-Length: 1048576\r\n") + std::string(1048576, 'd') +
       "GET /small.txt HTTP/1.1\r\n" + h("Connection: close\r\n")}));
  ASSERT_TRUE(raw);
  const auto rs = responses(raw->data);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].head.status, 405);
  EXPECT_EQ(rs[1].head.status, 200);
}

TEST(HttpServer, LargeHeadsAre431AndClose) {
  Site site(7);
  site.serve();
  expect_closing_error(site, "GET / HTTP/1.1\r\n" + h("X-Big: " + std::string(9000, 'a') + "\r\n"),
                       431);
  std::string fields;
  for (int i = 0; i < 101; ++i) fields += fmt::format("X-{}: {}\r\n", i, i);
  expect_closing_error(site, "GET / HTTP/1.1\r\n" + h(fields), 431);
  // The endless head: no empty line ever comes.
  expect_closing_error(site, "GET / HTTP/1.1\r\n" + std::string(20000, 'x'), 431);
  // 100 fields (Host included) are fine.
  std::string ninety_nine;
  for (int i = 0; i < 99; ++i) ninety_nine += fmt::format("X-{}: {}\r\n", i, i);
  auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                   {"GET /small.txt HTTP/1.1\r\n" + h(ninety_nine) +
                                    "GET /small.txt HTTP/1.1\r\n" + h("Connection: close\r\n")}));
  ASSERT_TRUE(raw);
  const auto rs = responses(raw->data);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].head.status, 200);
}

TEST(HttpServer, VersionsOtherThan1xAre505) {
  Site site(8);
  site.serve();
  expect_closing_error(site, "GET /small.txt HTTP/2.0\r\n" + h(), 505);
  expect_closing_error(site, "GET /small.txt HTTP/3.1\r\n" + h(), 505);
  EXPECT_EQ(site.stats->responses_5xx, 2u);
}

TEST(HttpServer, PathTraversalNeverLeavesTheRoot) {
  Site site(9);
  // Links inside the root pointing out of it are not followed out.
  fs::create_symlink(site.dir.path() / "secret.txt", site.dir.path() / "www" / "link.txt");
  fs::create_directory_symlink(site.dir.path(), site.dir.path() / "www" / "up");
  site.dir.write("www/sub/ok.txt", "ok");
  site.serve();
  for (const std::string target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/sub/../../secret.txt",
        "/sub/%2E%2E/%2e%2e/secret.txt", "/link.txt", "/up/secret.txt", "/up/www/link.txt",
        "/../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/../../../../etc/passwd",
        "http://192.0.2.20/../secret.txt", "/up/", "/./../secret.txt"}) {
    auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                     {"GET " + target + " HTTP/1.1\r\n" + h("Connection: close\r\n")}));
    ASSERT_TRUE(raw) << target;
    const auto rs = responses(raw->data);
    ASSERT_EQ(rs.size(), 1u) << target;
    EXPECT_TRUE(rs[0].head.status == 404 || rs[0].head.status == 400)
        << target << " → " << rs[0].head.status;
    EXPECT_EQ(raw->data.find("SECRET"), std::string::npos) << target;
    EXPECT_EQ(raw->data.find("root:"), std::string::npos) << target;
  }
  EXPECT_EQ(site.stats->responses_2xx, 0u);
  // What is inside is served, in every form of the target.
  for (const std::string target : {"/sub/ok.txt", "/sub/./ok.txt", "//sub//ok.txt", "/s%75b/ok.txt",
                                   "http://192.0.2.20/sub/ok.txt?x=/../secret.txt"}) {
    auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                     {"GET " + target + " HTTP/1.1\r\n" + h("Connection: close\r\n")}));
    ASSERT_TRUE(raw);
    const auto rs = responses(raw->data);
    ASSERT_EQ(rs.size(), 1u) << target;
    EXPECT_EQ(rs[0].head.status, 200) << target;
    EXPECT_EQ(rs[0].body, "ok") << target;
  }
}

TEST(HttpServer, DirectoriesServeTheirIndexOrAListing) {
  Site site(10);
  site.dir.write("www/index.html", "<h1>home</h1>");
  site.dir.write("www/docs/a.txt", "a");
  site.dir.write("www/docs/b c&d.txt", "b");
  site.dir.write("www/docs/sub/x.txt", "x");
  site.serve();
  auto [home, home_body] = site.get("/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.headers.get("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(home_body, "<h1>home</h1>");
  auto [list, list_body] = site.get("/docs/");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.headers.get("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(list_body.find("<title>Index of /docs/</title>"), std::string::npos) << list_body;
  EXPECT_NE(list_body.find("<a href=\"a.txt\">a.txt</a>"), std::string::npos) << list_body;
  EXPECT_NE(list_body.find("<a href=\"b%20c%26d.txt\">b c&amp;d.txt</a>"), std::string::npos)
      << list_body;
  EXPECT_NE(list_body.find("<a href=\"sub/\">sub/</a>"), std::string::npos) << list_body;
  EXPECT_NE(list_body.find("<a href=\"../\">"), std::string::npos) << list_body;
  EXPECT_EQ(list.headers.get("content-length"), std::to_string(list_body.size()));
  auto [moved, moved_body] = site.get("/docs");
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(moved.headers.get("location"), "/docs/");
  EXPECT_EQ(site.stats->responses_3xx, 1u);
}

TEST(HttpServer, TwoRequestsOnOnePersistentConnection) {
  Site site(11);
  const std::string big = random_bytes(200000, 11);
  site.dir.write("www/big.bin", big);
  site.serve();
  std::vector<std::string> bodies(2);
  auto rs = site.run(http_get_many(site.w.loop, site.w.client(), site.address(),
                                   {"/small.txt", "/big.bin"},
                                   [&bodies](std::size_t i, std::string_view d) {
                                     bodies.at(i).append(d);
                                     return true;
                                   }));
  ASSERT_TRUE(rs);
  ASSERT_EQ(rs->size(), 2u);
  for (const auto& r : *rs) {
    EXPECT_TRUE(r.ok()) << r.problem;
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_EQ(bodies[0], kSmall);
  EXPECT_TRUE(bodies[1] == big);
  EXPECT_FALSE((*rs)[0].headers.get("connection").has_value()) << "kept open";
  EXPECT_EQ((*rs)[1].headers.get("connection"), "close") << "the last request asked to close";
  EXPECT_EQ(site.stats->connections_accepted, 1u) << "one connection for both";
  EXPECT_EQ(site.stats->requests, 2u);
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  Site site(12);
  site.serve();
  // HTTP/1.1 with Connection: close, HTTP/1.0 without keep-alive: the server
  // closes after the response (the client sees its FIN at once).
  for (const std::string& request :
       Lines{"GET /small.txt HTTP/1.1\r\n" + h("Connection: close\r\n"),
             "GET /small.txt HTTP/1.0\r\n\r\n"}) {
    const Instant sent = site.w.sim.now();
    auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                     {request + "GET /small.txt HTTP/1.1\r\n" + h()}, secs(20)));
    ASSERT_TRUE(raw);
    EXPECT_TRUE(raw->eof) << request;
    EXPECT_LT(raw->eof_at, sent + secs(1)) << "at once, not after the idle timeout";
    const auto rs = responses(raw->data);
    ASSERT_EQ(rs.size(), 1u) << "a request after the close is not answered";
    EXPECT_EQ(rs[0].head.status, 200);
    EXPECT_EQ(rs[0].head.headers.get("connection"), "close");
  }
  // HTTP/1.0 with keep-alive stays open (until the client's wait ends).
  auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                   {"GET /small.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
                                   secs(3)));
  ASSERT_TRUE(raw);
  EXPECT_FALSE(raw->eof);
  const auto rs = responses(raw->data);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].head.headers.get("connection"), "keep-alive");
  EXPECT_EQ(rs[0].body, kSmall);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  Site site(13);
  site.dir.write("www/a.txt", "first");
  site.dir.write("www/b.txt", std::string(100000, 'b'));
  site.serve();
  // All three requests in one send (one segment for the small ones).
  auto raw = site.run(raw_exchange(
      site.w.loop, site.w.client(), site.address(),
      {"GET /a.txt HTTP/1.1\r\n" + h() + "GET /missing HTTP/1.1\r\n" + h() +
       "GET /b.txt HTTP/1.1\r\n" + h("Connection: close\r\n")}));
  ASSERT_TRUE(raw);
  EXPECT_TRUE(raw->eof);
  const auto rs = responses(raw->data);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].head.status, 200);
  EXPECT_EQ(rs[0].body, "first");
  EXPECT_EQ(rs[1].head.status, 404);
  EXPECT_EQ(rs[2].head.status, 200);
  EXPECT_EQ(rs[2].body, std::string(100000, 'b'));
  // The client's pipelining: every request sent before the first response is read.
  HttpClientConfig pipelined;
  pipelined.pipeline = true;
  std::vector<std::string> bodies(4);
  auto many = site.run(http_get_many(site.w.loop, site.w.client(), site.address(),
                                     {"/b.txt", "/a.txt", "/nope", "/small.txt"},
                                     [&bodies](std::size_t i, std::string_view d) {
                                       bodies.at(i).append(d);
                                       return true;
                                     },
                                     pipelined));
  ASSERT_TRUE(many);
  ASSERT_EQ(many->size(), 4u);
  EXPECT_EQ((*many)[0].status, 200);
  EXPECT_EQ((*many)[1].status, 200);
  EXPECT_EQ((*many)[2].status, 404);
  EXPECT_EQ((*many)[3].status, 200);
  EXPECT_EQ(bodies, (Lines{std::string(100000, 'b'), "first", "404 Not Found\n", std::string(kSmall)}));
  EXPECT_EQ(site.stats->connections_accepted, 2u);
  EXPECT_EQ(site.stats->requests, 7u);
}

TEST(HttpServer, AnIdleConnectionTimesOut) {
  Site site(14);
  HttpServerConfig c = site.config();
  c.idle_timeout = secs(2);
  site.serve(std::move(c));
  const Instant sent = site.w.sim.now();
  auto raw = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(),
                                   {"GET /small.txt HTTP/1.1\r\n" + h()}, secs(60)));
  ASSERT_TRUE(raw);
  EXPECT_EQ(responses(raw->data).size(), 1u);
  EXPECT_TRUE(raw->eof) << "closed by the server";
  EXPECT_GT(raw->eof_at, sent + secs(2));
  EXPECT_LT(raw->eof_at, sent + secs(3));
  EXPECT_EQ(site.stats->connections_timed_out, 1u);
  EXPECT_EQ(site.stats->connections_active, 0u);
  // Also one that never sends anything.
  auto silent = site.run(raw_exchange(site.w.loop, site.w.client(), site.address(), {}, secs(60)));
  ASSERT_TRUE(silent);
  EXPECT_TRUE(silent->eof);
  EXPECT_EQ(silent->data, "");
  EXPECT_EQ(site.stats->connections_timed_out, 2u);
}

TEST(HttpServer, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  Site site(15);
  HttpServerConfig c = site.config();
  c.max_connections = 2;
  site.serve(std::move(c));
  auto& loop = site.w.loop;
  Stack& client = site.w.client();
  std::optional<Raw> idle1, idle2, refused, later;
  std::vector<TaskId> ids{
      start(loop, ms(10), raw_exchange(loop, client, site.address(), {}, secs(5)), idle1),
      start(loop, ms(20), raw_exchange(loop, client, site.address(), {}, secs(5)), idle2),
      start(loop, ms(100), raw_exchange(loop, client, site.address(), {}, secs(5)), refused),
      // After the idle two have gone, there is room again.
      start(loop, secs(7),
            raw_exchange(loop, client, site.address(),
                         {"GET /small.txt HTTP/1.1\r\n" + h("Connection: close\r\n")}, secs(5)),
            later),
  };
  ASSERT_TRUE(loop.run_until_all_done(ids, t0 + secs(60)));
  EXPECT_FALSE(idle1->eof);
  EXPECT_FALSE(idle2->eof);
  EXPECT_TRUE(refused->eof);
  EXPECT_EQ(refused->data, "") << "closed at once, nothing answered";
  EXPECT_LT(refused->eof_at, t0 + ms(200));
  ASSERT_EQ(responses(later->data).size(), 1u);
  EXPECT_EQ(responses(later->data)[0].body, kSmall);
  EXPECT_EQ(site.stats->connections_refused, 1u);
  EXPECT_EQ(site.stats->connections_accepted, 3u);
}

TEST(HttpServer, FiftyClientsAtOnce) {
  constexpr std::size_t kHosts = 10;
  constexpr std::size_t kPerHost = 5;
  Site site(16, kHosts);
  std::vector<std::string> files;
  for (std::size_t i = 0; i < kPerHost; ++i) {
    files.push_back(random_bytes(20000 + 1000 * i, 100 + i));
    site.dir.write(fmt::format("www/f{}.bin", i), files.back());
  }
  site.serve();
  auto& loop = site.w.loop;
  std::vector<std::optional<HttpGetResult>> results(kHosts * kPerHost);
  std::vector<std::string> bodies(results.size());
  std::vector<TaskId> ids;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ids.push_back(start(loop, ms(10),
                        http_get(loop, site.w.client(i / kPerHost),
                                 site.url(fmt::format("/f{}.bin", i % kPerHost)),
                                 [&bodies, i](std::string_view d) {
                                   bodies[i].append(d);
                                   return true;
                                 }),
                        results[i]));
  }
  ASSERT_TRUE(loop.run_until_all_done(ids, t0 + secs(60)));
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i]) << i;
    EXPECT_TRUE(results[i]->ok()) << i << ": " << results[i]->problem;
    EXPECT_EQ(results[i]->status, 200) << i;
    EXPECT_TRUE(bodies[i] == files[i % kPerHost]) << i;
  }
  EXPECT_EQ(site.stats->connections_accepted, 50u);
  EXPECT_EQ(site.stats->connections_refused, 0u);
  EXPECT_EQ(site.stats->responses_2xx, 50u);
  site.w.sim.run_for(secs(5));
  EXPECT_EQ(site.stats->connections_active, 0u) << "every connection task ended";
}

TEST(HttpServer, ReportsWhyItCannotStart) {
  Site site(17);
  HttpServerConfig missing = site.config();
  missing.root = (site.dir.path() / "nowhere").string();
  auto r = site.run(http_server(site.w.loop, site.w.server->stack(), missing));
  ASSERT_TRUE(r);
  EXPECT_NE(r->reason.find("nowhere"), std::string::npos) << r->reason;
  site.serve();
  auto second = site.run(http_server(site.w.loop, site.w.server->stack(), site.config()));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->error, SockError::AddrInUse) << second->reason;
}

// ---- the client against scripted servers ----------------------------------------------------

// Accepts one connection on port 80, reads the request head, sends
// `pieces` `gap` apart, then closes (or holds the connection open 10 s).
app::Task<void> scripted_server(app::Loop& loop, Stack& stack, std::vector<std::string> pieces,
                                Duration gap, bool close) {
  auto s = *app::socket(loop, stack, SocketType::Stream);
  (void)s.bind({Ipv4Address::any(), 80});
  (void)s.listen(1);
  auto a = co_await s.accept();
  if (!a) co_return;
  (void)a->conn.setsockopt(SockOpt::NoDelay, 1);
  std::string got;
  while (got.find("\r\n\r\n") == std::string::npos) {
    auto r = co_await a->conn.recv(4096);
    if (!r || r->empty()) co_return;
    got += *r;
  }
  for (const auto& piece : pieces) {
    co_await app::sleep(loop, gap);
    (void)co_await a->conn.sendall(piece);
  }
  if (!close) co_await app::sleep(loop, secs(10));
  (void)a->conn.close();
}

struct ClientRun {
  HttpGetResult result;
  std::string body;
};

ClientRun client_against(std::uint64_t seed, std::vector<std::string> pieces, bool close,
                         std::function<bool(std::string_view)> sink = {}) {
  World w(seed);
  w.loop.spawn(scripted_server(w.loop, w.server->stack(), std::move(pieces), ms(50), close));
  ClientRun out;
  std::optional<HttpGetResult> r;
  HttpBodySink collect = [&out, sink](std::string_view d) {
    out.body.append(d);
    return !sink || sink(d);
  };
  const TaskId id = start(w.loop, ms(10),
                          http_get(w.loop, w.client(),
                                   fmt::format("http://{}/x", w.server_ip().to_string()), collect),
                          r);
  EXPECT_TRUE(w.loop.run_until_done(id, t0 + secs(60)));
  if (r) out.result = std::move(*r);
  return out;
}

TEST(HttpClient, ChunkedBodySplitAcrossSegments) {
  // The server keeps the connection open: the last chunk ends the body.
  auto run = client_against(
      21,
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "lo\r\n7;x=y\r\n, worl",
       "d\r\n0\r\n", "\r\n"},
      /*close=*/false);
  EXPECT_TRUE(run.result.ok()) << run.result.problem;
  EXPECT_EQ(run.result.status, 200);
  EXPECT_EQ(run.body, "hello, world");
  EXPECT_EQ(run.result.body_bytes, 12u);
}

TEST(HttpClient, BodyUntilCloseAndInterimResponses) {
  auto run = client_against(
      22, {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nX-A: b\r\n\r\nsome ", "bytes"},
      /*close=*/true);
  EXPECT_TRUE(run.result.ok()) << run.result.problem;
  EXPECT_EQ(run.result.status, 200);
  EXPECT_EQ(run.result.headers.get("x-a"), "b");
  EXPECT_EQ(run.body, "some bytes");
}

TEST(HttpClient, TheSinkCanAbort) {
  auto run = client_against(
      23, {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345", "67890"}, /*close=*/true,
      [](std::string_view) { return false; });
  EXPECT_FALSE(run.result.ok());
  EXPECT_EQ(run.result.problem, "aborted: the sink refused the body");
  EXPECT_EQ(run.body, "12345");
}

TEST(HttpClient, ErrorsAreReported) {
  auto truncated =
      client_against(24, {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n123"}, /*close=*/true);
  EXPECT_FALSE(truncated.result.ok());
  EXPECT_EQ(truncated.result.problem, "the connection closed after 3 of 10 body bytes");
  auto garbage = client_against(25, {"HELLO\r\n\r\n"}, true);
  EXPECT_EQ(garbage.result.problem, "bad response: malformed request or status line");
  auto nothing = client_against(26, {}, true);
  EXPECT_EQ(nothing.result.problem, "the server closed the connection without a response");
  auto bad_chunk = client_against(
      27, {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX"}, true);
  EXPECT_EQ(bad_chunk.result.problem, "bad response: malformed chunked body");

  World w(28);
  std::optional<HttpGetResult> refused, bad_url;
  auto a = start(w.loop, ms(10),
                 http_get(w.loop, w.client(), fmt::format("http://{}/", w.server_ip().to_string()), {}),
                 refused);
  auto b = start(w.loop, ms(10), http_get(w.loop, w.client(), "http://example.com/", {}), bad_url);
  ASSERT_TRUE(w.loop.run_until_all_done({a, b}, t0 + secs(60)));
  EXPECT_EQ(refused->error, SockError::ConnRefused);
  EXPECT_FALSE(refused->ok());
  EXPECT_EQ(bad_url->problem,
            "bad URL: the host must be an IPv4 address such as 192.0.2.20, not 'example.com'");
}

}  // namespace
}  // namespace ws::apps
