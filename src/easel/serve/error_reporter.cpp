#include "easel/serve/error_reporter.hpp"

#include <algorithm>
#include <iostream>
#include <string_view>

namespace easel::serve {
namespace {

constexpr std::string_view kRedacted = "[server path]";

bool ends_token(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == ')' || c == ',' || c == ';' || c == ']';
}

bool starts_token_after(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == '(' || c == '[' || c == '=' || c == ':' ||
         c == ',';
}

std::size_t token_end(const std::string& text, std::size_t from) {
  std::size_t end = from;
  while (end < text.size() && !ends_token(text[end])) ++end;
  return end;
}

// What replaces the path text[at, end): the redaction, then the path's file name when it has one (a
// name with an extension, as in "write bare-sd1.easel.json"), which tells the client what to do without
// showing where the server keeps it.
std::string replacement(const std::string& text, std::size_t at, std::size_t end) {
  const std::string_view path(text.data() + at, end - at);
  const auto slash = path.find_last_of('/');
  const std::string_view name = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
  const bool file_name = name.find('.') != std::string_view::npos && name.find('.') > 0;
  return std::string(kRedacted) + (file_name ? "/" + std::string(name) : "");
}

}  // namespace

ErrorReporter::ErrorReporter(std::vector<std::string> server_paths) {
  for (auto& path : server_paths) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.size() > 1 && path.front() == '/') roots_.push_back(std::move(path));
  }
  // Longest first, so that a folder inside another is replaced whole.
  std::sort(roots_.begin(), roots_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string ErrorReporter::redacted(const std::string& text) const {
  std::string out = text;
  for (const auto& root : roots_) {
    for (auto at = out.find(root); at != std::string::npos; at = out.find(root, at + kRedacted.size())) {
      const std::size_t end = token_end(out, at);
      out.replace(at, end - at, replacement(out, at, end));
    }
  }
  // Any other absolute path: a token of two or more segments from '/', except the API's own endpoints.
  for (std::size_t at = 0; at < out.size(); ++at) {
    if (out[at] != '/' || (at > 0 && !starts_token_after(out[at - 1]))) continue;
    const std::size_t end = token_end(out, at);
    const std::string_view token(out.data() + at, end - at);
    if (std::count(token.begin(), token.end(), '/') >= 2 && !token.starts_with("/v1/") &&
        !token.starts_with(kRedacted)) {
      out.replace(at, end - at, replacement(out, at, end));
    }
  }
  return out;
}

nlohmann::json ErrorReporter::client_body(const ApiError& error, const std::string& where) const {
  if (error.status() == 500) {
    log("easel serve: " + where + ": internal error (" + error.code() + "): " + error.what());
    return ApiError(500, error.type(),
                    "internal error; the server's log has the details under " + where.substr(0, where.find(' ')), {},
                    error.code())
        .body();
  }
  const std::string message = redacted(error.what());
  if (message != error.what())
    log("easel serve: " + where + ": " + std::to_string(error.status()) + " " + error.code() + ": " + error.what());
  if (error.status() > 500 && error.status() != 503)
    log("easel serve: " + where + ": " + std::to_string(error.status()) + " " + error.code() + ": " + message);
  return ApiError(error.status(), error.type(), message, error.param(), error.code()).body();
}

void ErrorReporter::log(const std::string& line) const {
  std::lock_guard lock(log_mutex_);
  std::cerr << line << std::endl;
}

}  // namespace easel::serve
