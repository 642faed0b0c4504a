#include "easel/models/hub_transfer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "easel/core/error.hpp"

namespace easel::models {
namespace {

constexpr long stall_seconds = 60;  // a transfer receiving nothing this long fails (and the pull retries it)

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trim(std::string text) {
  const auto space = [](unsigned char c) { return std::isspace(c); };
  text.erase(text.begin(), std::find_if_not(text.begin(), text.end(), space));
  text.erase(std::find_if_not(text.rbegin(), text.rend(), space).base(), text.end());
  return text;
}

// huggingface_hub's normalisation: drop a weak-validator prefix and the quotes.
std::string normalize_etag(std::string etag) {
  if (etag.starts_with("W/")) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return lower(etag);
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

}  // namespace

HubTransfer::HubTransfer(const std::string& url, const std::string& token)
    : handle_(curl_easy_init(), curl_easy_cleanup), headers_(nullptr, curl_slist_free_all) {
  static CurlGlobal global;
  if (!handle_) throw Error(ErrorKind::internal, "libcurl could not start a transfer");
  curl_slist* list = curl_slist_append(nullptr, "Accept-Encoding: identity");
  if (!token.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
  headers_.reset(list);
  CURL* curl = handle_.get();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_.get());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "easel/0.1.0");
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");  // a redirect may not reach file:// or others
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &HubTransfer::on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &HubTransfer::on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  error_[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_);
}

CURLcode HubTransfer::run(std::function<bool(long status, const char* data, std::size_t size)> sink,
                          std::function<void(std::uint64_t received)> on_progress) {
  sink_ = std::move(sink);
  on_progress_ = std::move(on_progress);
  if (on_progress_) {
    curl_easy_setopt(handle_.get(), CURLOPT_XFERINFOFUNCTION, &HubTransfer::on_xfer);
    curl_easy_setopt(handle_.get(), CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(handle_.get(), CURLOPT_NOPROGRESS, 0L);
  }
  const CURLcode code = curl_easy_perform(handle_.get());
  curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &facts_.status);
  return code;
}

void HubTransfer::set_range_from(std::uint64_t offset) {
  if (offset > 0) curl_easy_setopt(handle_.get(), CURLOPT_RANGE, (std::to_string(offset) + "-").c_str());
}

std::string HubTransfer::error_text(CURLcode code) const { return error_[0] ? error_ : curl_easy_strerror(code); }

std::size_t HubTransfer::on_header(char* data, std::size_t size, std::size_t count, void* self_pointer) {
  auto& self = *static_cast<HubTransfer*>(self_pointer);
  const std::string line(data, size * count);
  if (line.starts_with("HTTP/")) {
    ++self.facts_.responses;
  } else if (const auto colon = line.find(':'); colon != std::string::npos) {
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string value = trim(line.substr(colon + 1));
    if (name == "x-linked-etag" && self.facts_.linked_etag.empty()) self.facts_.linked_etag = normalize_etag(value);
    if (name == "etag" && self.facts_.responses == 1) self.facts_.first_etag = normalize_etag(value);
    if (name == "x-linked-size" && !self.facts_.linked_size) {
      char* end = nullptr;
      const unsigned long long parsed = std::strtoull(value.c_str(), &end, 10);
      if (end && *end == '\0' && !value.empty()) self.facts_.linked_size = parsed;
    }
  }
  return size * count;
}

std::size_t HubTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self_pointer) {
  auto& self = *static_cast<HubTransfer*>(self_pointer);
  long status = 0;
  curl_easy_getinfo(self.handle_.get(), CURLINFO_RESPONSE_CODE, &status);
  return self.sink_(status, data, size * count) ? size * count : 0;
}

int HubTransfer::on_xfer(void* self_pointer, curl_off_t, curl_off_t now, curl_off_t, curl_off_t) {
  static_cast<HubTransfer*>(self_pointer)->on_progress_(static_cast<std::uint64_t>(now));
  return 0;
}

}  // namespace easel::models
