// Fuzzes the Images API's request edge (src/easel/serve, docs/server.md). The first byte picks the
// reading; the rest is the input:
//   0  raw HTTP, served by the server's connection loop and edge (GuardedHttpServer, http_edge): request
//      line and headers (Authorization, Idempotency-Key, any bytes), chunked and compressed bodies,
//      multipart forms, JSON bodies of any depth, then the validators below;
//   1  an edit's multipart fields (lines NAME=VALUE) as the edge hands them to parse_edit_request;
//   2  a JSON job item; 3 a /v1/images/generations body; 4 generation settings alone (as variations and
//      generation jobs read them); 5 a variation's multipart fields.
// Every input must give a validated request or an ApiError/Error (a 4xx) whose body serialises as
// strict UTF-8 JSON — never a crash, a hang, another exception, or an error the server could not send.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/serve/api_error.hpp"
#include "easel/serve/edit_request.hpp"
#include "easel/serve/generate_request.hpp"
#include "easel/serve/http_connections.hpp"
#include "easel/serve/http_edge.hpp"
#include "easel/serve/variation_request.hpp"

namespace {

using easel::serve::ApiError;
using nlohmann::json;

constexpr const char* kKey = "sk-fuzz-key-1";

// The server sends every error body; one it cannot serialise strictly (text that is not UTF-8) was a 500.
void check_sendable(const ApiError& error) {
  try {
    (void)error.body().dump();
  } catch (const json::exception&) {
    std::abort();
  }
}

// Runs one validation; an exception other than the API's own errors is a bug.
template <typename Validate>
void validated(Validate&& validate) {
  try {
    validate();
  } catch (const ApiError& error) {
    check_sendable(error);
  } catch (const easel::Error& error) {  // the server answers these 400 (api_error_from)
    check_sendable(easel::serve::api_error_from(error));
  } catch (...) {
    std::abort();
  }
}

// Multipart fields as the HTTP layer hands them over: lines of NAME=VALUE; image, image[] and mask are
// files holding VALUE's bytes.
easel::serve::ReceivedBody form_body(std::string_view text) {
  easel::serve::ReceivedBody body;
  body.multipart = true;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const auto equals = line.find('=');
    httplib::MultipartFormData part;
    part.name = std::string(line.substr(0, equals));
    part.content = std::string(equals == std::string_view::npos ? std::string_view{} : line.substr(equals + 1));
    part.filename = part.name == "image" || part.name == "image[]" || part.name == "mask" ? part.name + ".png" : "";
    body.parts.push_back(std::move(part));
  }
  return body;
}

constexpr easel::serve::BodyLimits kBodyLimits{32 * 1024, 16, easel::kDefaultMaxJsonDepth};
const easel::serve::RequestLimits kRequestLimits{};

// Raw HTTP from memory: reads the input, discards what the server writes.
class MemoryStream final : public easel::serve::ConnectionStream {
 public:
  explicit MemoryStream(std::string_view input) : input_(input) {}
  bool wait_for_request(std::chrono::milliseconds, const std::function<bool()>&) override {
    return position_ < input_.size();
  }
  bool is_readable() const override { return position_ < input_.size(); }
  bool is_writable() const override { return true; }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 protected:
  ssize_t read_some(char* out, size_t size) override {
    const std::size_t count = std::min(size, input_.size() - position_);
    if (count == 0) failure_ = easel::serve::ReadFailure::ended;
    std::copy_n(input_.data() + position_, count, out);
    position_ += count;
    return static_cast<ssize_t>(count);
  }

 private:
  std::string_view input_;
  std::size_t position_ = 0;
};

// The server's edge with the validators behind it, without the store or the engines.
easel::serve::GuardedHttpServer& edge_server() {
  static easel::serve::GuardedHttpServer* server = [] {
    easel::serve::ConnectionLimits limits;
    limits.max_header_bytes = 8 * 1024;
    limits.max_body_wire_bytes = 2 * kBodyLimits.max_bytes + 1024;
    auto* http = new easel::serve::GuardedHttpServer(limits);
    http->set_payload_max_length(kBodyLimits.max_bytes);
    http->set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
      if (!request.path.starts_with("/v1/")) return httplib::Server::HandlerResponse::Unhandled;
      try {
        const auto key = easel::serve::bearer_key(request);
        if (key && *key != kKey)
          throw ApiError(401, "invalid_request_error", "incorrect API key provided", {}, "invalid_api_key");
        (void)easel::serve::idempotency_key(request);
      } catch (const ApiError& error) {
        check_sendable(error);
        response.set_header("Connection", "close");
        response.status = error.status();
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    using Parse = void (*)(easel::serve::ReceivedBody);
    const auto route = [http](const char* path, Parse parse) {
      http->Post(path, [parse](const httplib::Request& request, httplib::Response& response,
                               const httplib::ContentReader& reader) {
        validated([&] {
          parse(easel::serve::receive_body(request, reader, kBodyLimits, response,
                                           [] { return easel::serve::ReadFailure::none; }));
        });
      });
    };
    route("/v1/images/edits", [](easel::serve::ReceivedBody body) {
      (void)easel::serve::parse_edit_request(easel::serve::fields_from_multipart(std::move(body)), kRequestLimits);
    });
    route("/v1/images/variations", [](easel::serve::ReceivedBody body) {
      (void)easel::serve::parse_variation_request(easel::serve::fields_from_multipart(std::move(body)), kRequestLimits);
    });
    route("/v1/images/generations", [](easel::serve::ReceivedBody body) {
      (void)easel::serve::parse_generate_request(easel::serve::parse_json_body(body.text, kBodyLimits.max_json_depth),
                                                 kRequestLimits);
    });
    route("/v1/jobs", [](easel::serve::ReceivedBody body) {
      const json items = easel::serve::parse_json_body(body.text, kBodyLimits.max_json_depth);
      for (const auto& item : items.is_array() ? items : json::array({items})) {
        (void)easel::serve::parse_edit_request(easel::serve::fields_from_json(item), kRequestLimits);
      }
    });
    return http;
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const easel::serve::RequestLimits& limits = kRequestLimits;
  switch (data[0] % 6) {
    case 0: {
      MemoryStream stream(text);
      edge_server().serve(stream);
      break;
    }
    case 1:
      validated([&] {
        (void)easel::serve::parse_edit_request(easel::serve::fields_from_multipart(form_body(text)), limits);
      });
      break;
    case 2:
      validated([&] {
        (void)easel::serve::parse_edit_request(easel::serve::fields_from_json(easel::serve::parse_json_body(
                                                   std::string(text), kBodyLimits.max_json_depth)),
                                               limits);
      });
      break;
    case 3:
      validated([&] {
        (void)easel::serve::parse_generate_request(
            easel::serve::parse_json_body(std::string(text), kBodyLimits.max_json_depth), limits);
      });
      break;
    case 4:
      validated([&] {
        (void)easel::serve::parse_generation_settings(
            easel::serve::parse_json_body(std::string(text), kBodyLimits.max_json_depth));
      });
      break;
    default:
      validated([&] {
        (void)easel::serve::parse_variation_request(easel::serve::fields_from_multipart(form_body(text)), limits);
      });
      break;
  }
  return 0;
}
