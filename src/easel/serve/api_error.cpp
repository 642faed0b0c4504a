#include "easel/serve/api_error.hpp"

namespace easel::serve {

nlohmann::json ApiError::body() const {
  const auto optional = [](const std::string& value) {
    return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  return {{"error", {{"message", what()}, {"type", type_}, {"param", optional(param_)}, {"code", optional(code_)}}}};
}

ApiError invalid_field(const std::string& param, const std::string& message, const std::string& code) {
  return ApiError(400, "invalid_request_error", message, param, code);
}

ApiError api_error_from(const Error& error, const std::string& param) {
  switch (error.kind()) {
    case ErrorKind::usage:
      return ApiError(400, "invalid_request_error", error.what(), param, "invalid_value");
    case ErrorKind::input:
      return ApiError(400, "invalid_request_error", error.what(), param, "invalid_image");
    case ErrorKind::plan:
      return ApiError(400, "invalid_request_error", error.what(), param, "invalid_plan");
    case ErrorKind::capability:
      return ApiError(400, "invalid_request_error", error.what(), param, "model_not_available");
    case ErrorKind::output:
      return ApiError(500, "server_error", error.what(), {}, "output_failed");
    case ErrorKind::internal:
      break;
  }
  return ApiError(500, "server_error", error.what(), {}, "internal_error");
}

ApiError insufficient_storage() {
  return ApiError(507, "server_error", "the server's storage is full, so nothing of this request was kept; retry later",
                  {}, "insufficient_storage");
}

nlohmann::json error_body_for_status(int status) {
  switch (status) {
    case 400:
      return ApiError(400, "invalid_request_error", "the request could not be parsed as HTTP").body();
    case 404:
      return ApiError(404, "invalid_request_error", "no such endpoint; see docs/server.md", {}, "unknown_url").body();
    case 413:
      return ApiError(413, "invalid_request_error", "request body is larger than the server's limit (--max-body-mb)",
                      {}, "request_too_large")
          .body();
    case 408:
      return ApiError(408, "invalid_request_error", "the request did not arrive within the server's time limit", {},
                      "request_timeout")
          .body();
    case 414:
      return ApiError(414, "invalid_request_error", "request URI is too long", {}, "uri_too_long").body();
    default:
      break;
  }
  if (status >= 500) return ApiError(status, "server_error", "internal server error", {}, "internal_error").body();
  return ApiError(status, "invalid_request_error", "request failed with status " + std::to_string(status)).body();
}

}  // namespace easel::serve
