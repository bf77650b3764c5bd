// A tiny blocking HTTP/1.1 client over raw loopback sockets, so tests can
// send exactly the bytes they mean (malformed, pipelined, unsigned).
#pragma once

#include <map>
#include <string>

namespace testing {

struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers; // lowercase names
    std::string body;
    std::string header(const std::string& name) const;
};

// A socket connected to 127.0.0.1:port (REQUIREs success).
int connect_to(int port);
void send_text(int fd, const std::string& text);
// Reads one Content-Length framed response; `pending` keeps bytes beyond it.
Reply read_reply(int fd, std::string& pending);
// Connects, sends `request`, reads one response and closes.
Reply round_trip(int port, const std::string& request);
// True when the peer closed (or reset) fd without sending anything more.
bool closed_by_peer(int fd);

} // namespace testing
