#pragma once
// One HTTP GET with the Hugging Face hub's conventions (libcurl), for `easel models pull`: follows the
// resolve endpoint's redirects to a CDN, sends the access token as a bearer token (curl does not
// forward it to another host), asks for identity encoding, gives up on a stalled connection, and keeps
// the headers huggingface_hub reads to verify a file (file_download.py).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <curl/curl.h>

namespace easel::models {

// What the server said about one file.
struct ResponseFacts {
  long status = 0;
  std::string linked_etag;  // X-Linked-Etag of the resolve response: an LFS file's SHA-256
  std::string first_etag;   // ETag of the first response (the resolve endpoint), not of a CDN it redirects to
  std::optional<std::uint64_t> linked_size;
  int responses = 0;
};

class HubTransfer {
 public:
  // `token`: the hub access token; empty: none is sent.
  HubTransfer(const std::string& url, const std::string& token);
  HubTransfer(const HubTransfer&) = delete;
  HubTransfer& operator=(const HubTransfer&) = delete;

  // Runs the transfer. `sink` receives the final response's body once its status is known; returning
  // false stops the transfer (CURLE_WRITE_ERROR). `on_progress` gets the body bytes received so far.
  CURLcode run(std::function<bool(long status, const char* data, std::size_t size)> sink,
               std::function<void(std::uint64_t received)> on_progress = {});
  // Asks for the bytes from `offset` on (nothing when 0).
  void set_range_from(std::uint64_t offset);
  const ResponseFacts& facts() const { return facts_; }
  std::string error_text(CURLcode code) const;

 private:
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self_pointer);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self_pointer);
  static int on_xfer(void* self_pointer, curl_off_t, curl_off_t now, curl_off_t, curl_off_t);

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle_;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_;
  ResponseFacts facts_;
  char error_[CURL_ERROR_SIZE];
  std::function<bool(long, const char*, std::size_t)> sink_;
  std::function<void(std::uint64_t)> on_progress_;
};

}  // namespace easel::models
