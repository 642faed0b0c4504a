#pragma once
// One exception type for every failure a user can cause or meet. Its kind decides the exit status of
// the CLI (and later the HTTP status), so callers never parse messages to classify an error.
#include <stdexcept>
#include <string>
#include <utility>

namespace easel {

enum class ErrorKind {
  internal = 1,    // a bug or an unexpected environment failure
  usage = 2,       // bad command-line arguments or option values
  input = 3,       // an input image or file that cannot be used (corrupt, too large, wrong type)
  plan = 4,        // an invalid EditPlan: unknown op, bad parameter, bad region, mask of the wrong size
  capability = 5,  // a step needs a model or engine that is not installed
  output = 6,      // the result could not be written
};

class Error : public std::runtime_error {
 public:
  // `field` names the part of a request the error is about as the shared middle names it (e.g. "seed",
  // "variants"), so each door can say it in its own words (`--seed`, `n`); empty when none.
  Error(ErrorKind kind, const std::string& message, std::string field = {})
      : std::runtime_error(message), kind_(kind), field_(std::move(field)) {}
  ErrorKind kind() const noexcept { return kind_; }
  int exit_code() const noexcept { return static_cast<int>(kind_); }
  const std::string& field() const noexcept { return field_; }

 private:
  ErrorKind kind_;
  std::string field_;
};

inline const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::internal:
      return "internal";
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::input:
      return "input";
    case ErrorKind::plan:
      return "plan";
    case ErrorKind::capability:
      return "capability";
    case ErrorKind::output:
      return "output";
  }
  return "internal";
}

}  // namespace easel
