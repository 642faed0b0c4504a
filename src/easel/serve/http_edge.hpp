#pragma once
// What every request goes through before a handler acts on it (DESIGN §1, "validated once at the edge"):
// its headers checked (one Authorization header carrying a bearer key, the scheme in any case; an
// Idempotency-Key that is short UTF-8 text) and its body read with a size cap that holds while reading —
// for chunked and compressed bodies too — into text or multipart fields whose names and values are
// UTF-8, and JSON whose nesting is bounded. The server and the request fuzz target share these.
#include <httplib.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "easel/core/json_input.hpp"
#include "easel/serve/http_connections.hpp"
#include "easel/serve/edit_request.hpp"

namespace easel::serve {

struct BodyLimits {
  std::size_t max_bytes = 64ull << 20;  // after any Content-Encoding is undone
  std::size_t max_parts = 64;           // multipart fields and files together
  std::size_t max_json_depth = kDefaultMaxJsonDepth;
};

// The key of "Authorization: Bearer KEY" (the scheme in any case, RFC 9110 §11.1); nullopt without an
// Authorization header. Throws ApiError: 400 for more than one Authorization header, 401 for another
// scheme or an empty key.
std::optional<std::string> bearer_key(const httplib::Request& request);

// The Idempotency-Key header, "" when absent. Throws ApiError(400, param Idempotency-Key) unless it is at
// most 255 bytes of UTF-8 without control characters.
std::string idempotency_key(const httplib::Request& request);

struct ReceivedBody {
  bool multipart = false;
  std::string text;                       // a body that is not multipart/form-data
  httplib::MultipartFormDataItems parts;  // multipart/form-data, in order
};

// Reads the request's body through httplib's content reader, counting bytes as they arrive: a declared
// or received size over `limits.max_bytes` is a 413 (before reading, when Content-Length says so), a body
// that stops arriving before its deadline a 408 (`connection_failure()` tells, after a failed read, what
// the connection saw), a malformed one a 400. With any of these the response is marked
// "Connection: close": the rest of the body is not read.
ReceivedBody receive_body(const httplib::Request& request, const httplib::ContentReader& reader,
                          const BodyLimits& limits, httplib::Response& response,
                          const std::function<ReadFailure()>& connection_failure);

// Multipart fields as the validators read them: parts named image, image[] and mask are files, the
// others text. Throws ApiError(400) for a body that is not multipart, and naming the field for a field
// name or text value that is not UTF-8.
RequestFields fields_from_multipart(ReceivedBody body);

// A JSON body. Throws ApiError(400): `invalid_json` for malformed JSON or text that is not UTF-8,
// `json_too_deep` for nesting deeper than `max_depth`.
nlohmann::json parse_json_body(const std::string& text, std::size_t max_depth);

}  // namespace easel::serve
