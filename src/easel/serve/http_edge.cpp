#include "easel/serve/http_edge.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "easel/core/utf8.hpp"
#include "easel/serve/api_error.hpp"

namespace easel::serve {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

ApiError missing_key() {
  return ApiError(401, "invalid_request_error", "missing API key: send 'Authorization: Bearer KEY'", {},
                  "missing_api_key");
}

// The declared Content-Length, when there is one that parses.
std::optional<std::uint64_t> declared_length(const httplib::Request& request) {
  if (!request.has_header("Content-Length")) return std::nullopt;
  const std::string text = request.get_header_value("Content-Length");
  std::uint64_t length = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return length;
}

ApiError too_large(std::size_t limit) {
  return ApiError(
      413, "invalid_request_error",
      "the request body is larger than the server's limit of " + std::to_string(limit) + " bytes (--max-body-mb)", {},
      "request_too_large");
}

}  // namespace

std::optional<std::string> bearer_key(const httplib::Request& request) {
  const std::size_t count = request.get_header_value_count("Authorization");
  if (count == 0) return std::nullopt;
  if (count > 1) {
    throw ApiError(400, "invalid_request_error",
                   "the request has " + std::to_string(count) + " Authorization headers; send one", "Authorization",
                   "invalid_authorization");
  }
  const std::string header = request.get_header_value("Authorization");
  const auto scheme_end = std::find_if(header.begin(), header.end(), is_blank);
  if (!equals_ignoring_case(std::string_view(header.data(), static_cast<std::size_t>(scheme_end - header.begin())),
                            "Bearer"))
    throw missing_key();
  const auto key_begin = std::find_if_not(scheme_end, header.end(), is_blank);
  auto key_end = header.end();
  while (key_end != key_begin && is_blank(*(key_end - 1))) --key_end;
  if (key_begin == key_end) throw missing_key();
  return std::string(key_begin, key_end);
}

std::string idempotency_key(const httplib::Request& request) {
  if (!request.has_header("Idempotency-Key")) return {};
  if (request.get_header_value_count("Idempotency-Key") > 1)
    throw invalid_field("Idempotency-Key", "send one Idempotency-Key header");
  const std::string key = request.get_header_value("Idempotency-Key");
  if (key.size() > 255) throw invalid_field("Idempotency-Key", "the Idempotency-Key header is longer than 255 bytes");
  const bool control =
      std::any_of(key.begin(), key.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  if (control || !is_valid_utf8(key)) {
    throw invalid_field("Idempotency-Key", "the Idempotency-Key header must be UTF-8 text without control characters");
  }
  return key;
}

ReceivedBody receive_body(const httplib::Request& request, const httplib::ContentReader& reader,
                          const BodyLimits& limits, httplib::Response& response,
                          const std::function<ReadFailure()>& connection_failure) {
  const auto refuse = [&](const ApiError& error) {
    response.set_header("Connection", "close");
    return error;
  };
  if (const auto length = declared_length(request); length && *length > limits.max_bytes)
    throw refuse(too_large(limits.max_bytes));
  ReceivedBody body;
  body.multipart = request.is_multipart_form_data();
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3); httplib
  // would read one until the connection closes.
  if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding")) return body;
  std::size_t received = 0;
  bool over_size = false;
  bool over_parts = false;
  const auto count = [&](std::size_t size) {
    received += size;
    over_size = received > limits.max_bytes;
    return !over_size;
  };
  bool read = false;
  if (body.multipart) {
    read = reader(
        [&](const httplib::MultipartFormData& part) {
          over_parts = body.parts.size() >= limits.max_parts;
          if (!over_parts) body.parts.push_back(part);
          return !over_parts;
        },
        [&](const char* data, std::size_t size) {
          if (!count(size)) return false;
          body.parts.back().content.append(data, size);
          return true;
        });
  } else {
    read = reader([&](const char* data, std::size_t size) {
      if (!count(size)) return false;
      body.text.append(data, size);
      return true;
    });
  }
  if (read) return body;
  const ReadFailure failure = connection_failure();
  if (over_size || failure == ReadFailure::too_large) throw refuse(too_large(limits.max_bytes));
  if (over_parts) {
    throw refuse(invalid_field("", "the form has more than " + std::to_string(limits.max_parts) + " fields and files",
                               "too_many_fields"));
  }
  if (failure == ReadFailure::timed_out) {
    throw refuse(ApiError(408, "invalid_request_error",
                          "the request body did not arrive within the server's time limit (--body-timeout)", {},
                          "request_timeout"));
  }
  throw refuse(invalid_field(
      "",
      "the request body could not be read: it ended early or its chunked, compressed or multipart framing is malformed",
      "invalid_body"));
}

RequestFields fields_from_multipart(ReceivedBody body) {
  if (!body.multipart) {
    throw invalid_field("", "this endpoint takes multipart/form-data (fields image, prompt, mask, ...)",
                        "invalid_content_type");
  }
  RequestFields fields;
  for (auto& part : body.parts) {
    if (!is_valid_utf8(part.name)) {
      throw invalid_field(with_invalid_utf8_replaced(part.name), "a form field's name is not valid UTF-8",
                          "invalid_encoding");
    }
    if (part.name == "image" || part.name == "image[]" || part.name == "mask") {
      fields.files.emplace(part.name, Upload{with_invalid_utf8_replaced(part.filename), part.content_type,
                                             std::make_shared<const Bytes>(part.content.begin(), part.content.end())});
      continue;
    }
    if (!is_valid_utf8(part.content))
      throw invalid_field(part.name, "'" + part.name + "' is not valid UTF-8 text", "invalid_encoding");
    fields.text.emplace(part.name, std::move(part.content));
  }
  return fields;
}

nlohmann::json parse_json_body(const std::string& text, std::size_t max_depth) {
  try {
    return parse_json_input(text, max_depth);
  } catch (const nlohmann::json::exception& error) {  // parse_error (ill-formed UTF-8 included), out_of_range for 1E999
    // The library's message quotes the bytes it stopped at, which may be anything.
    throw invalid_field("", "the body is not valid JSON: " + with_invalid_utf8_replaced(error.what()), "invalid_json");
  } catch (const JsonTooDeep& error) {
    throw invalid_field("", std::string("the body is refused: ") + error.what(), "json_too_deep");
  }
}

}  // namespace easel::serve
