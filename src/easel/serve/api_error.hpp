#pragma once
// Errors as OpenAI's API reports them: an HTTP status and {"error": {"message", "type", "param", "code"}}.
// Every failure the server answers with goes through ApiError, so clients (and the official SDKs, which
// pick their exception class from the status) see one shape.
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"

namespace easel::serve {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string type, const std::string& message, std::string param = {}, std::string code = {})
      : std::runtime_error(message),
        status_(status),
        type_(std::move(type)),
        param_(std::move(param)),
        code_(std::move(code)) {}
  int status() const noexcept { return status_; }
  const std::string& type() const noexcept { return type_; }
  const std::string& param() const noexcept { return param_; }
  const std::string& code() const noexcept { return code_; }
  nlohmann::json body() const;

 private:
  int status_;
  std::string type_;
  std::string param_;
  std::string code_;
};

// 400 invalid_request_error naming the request field at fault.
ApiError invalid_field(const std::string& param, const std::string& message, const std::string& code = "invalid_value");

// An engine error (easel::Error) seen while serving a request: the user's input, plan or a missing model
// is the client's problem (400, naming `param` where one field is at fault); anything else is ours (500).
ApiError api_error_from(const Error& error, const std::string& param = {});

// 507: the server's disk is full (or its file size limit reached); nothing of the request was kept.
ApiError insufficient_storage();

// The status line's reason phrase's counterpart for errors httplib raises itself (413, 400 for a
// malformed request line): a body in the same shape.
nlohmann::json error_body_for_status(int status);

}  // namespace easel::serve
