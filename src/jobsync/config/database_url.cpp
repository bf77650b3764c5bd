#include "jobsync/config/database_url.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <memory>
#include <string_view>

namespace jobsync {

namespace {

// Where the text after "postgresql://" or "postgres://" starts, or npos.
std::size_t uri_rest_start(std::string_view url)
{
    for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (url.substr(0, scheme.size()) == scheme) {
            return scheme.size();
        }
    }
    return std::string_view::npos;
}

// libpq percent-decodes every part of a URI and refuses %00.
std::optional<std::string> percent_problem(std::string_view rest)
{
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] != '%') {
            continue;
        }
        if (i + 2 >= rest.size() || !std::isxdigit(static_cast<unsigned char>(rest[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(rest[i + 2]))) {
            return "a '%' that does not start a %XX escape (write a literal '%' as %25)";
        }
        if (rest[i + 1] == '0' && rest[i + 2] == '0') {
            return "the escape %00, which libpq refuses";
        }
    }
    return std::nullopt;
}

// libpq takes the user info up to the first '@' or '/'; an '@' after that,
// before the query, means the user name or password holds one of them.
std::optional<std::string> user_info_problem(std::string_view rest)
{
    const std::size_t stop = rest.find_first_of("@/");
    if (stop == std::string_view::npos) {
        return std::nullopt;
    }
    const std::size_t after = stop + 1;
    const std::string_view next =
        rest.substr(after, rest.find_first_of(rest[stop] == '@' ? "/?" : "?", after) - after);
    if (next.find('@') == std::string_view::npos) {
        return std::nullopt;
    }
    return rest[stop] == '@'
               ? "an unencoded '@' in its user name or password (percent-encode it as %40)"
               : "an unencoded '/' in its user name or password (percent-encode it as %2F)";
}

} // namespace

bool database_url_holds_password(const std::string& url)
{
    const std::size_t rest = uri_rest_start(url);
    if (rest == std::string::npos) {
        return url.find("password") != std::string::npos;
    }
    const std::size_t at = url.find('@', rest);
    const bool in_userinfo =
        at != std::string::npos && url.substr(rest, at - rest).find(':') != std::string::npos;
    return in_userinfo || url.find("password=") != std::string::npos;
}

std::optional<std::string> database_url_problem(const std::string& url)
{
    const std::size_t rest = uri_rest_start(url);
    if (rest != std::string::npos) {
        const std::string_view after_scheme = std::string_view(url).substr(rest);
        if (auto problem = percent_problem(after_scheme)) {
            return problem;
        }
        if (auto problem = user_info_problem(after_scheme)) {
            return problem;
        }
    }
    char* error = nullptr;
    const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(url.c_str(), &error), &PQconninfoFree);
    const std::unique_ptr<char, decltype(&PQfreemem)> message(error, &PQfreemem);
    if (options) {
        return std::nullopt;
    }
    std::string reason = message ? message.get() : "out of memory";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
        reason.pop_back();
    }
    // libpq's reason quotes the text around the mistake, which may be the password.
    return database_url_holds_password(url)
               ? std::string("text libpq cannot parse (its reason is withheld: it would quote "
                             "the password); check the quoting of conninfo values")
               : "text libpq cannot parse: " + reason;
}

} // namespace jobsync
