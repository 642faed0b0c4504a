#pragma once
// Stopping a running request: a cancelled job, one past its timeout, a streaming client that left.
// The caller's `check` throws WorkInterrupted; it is polled between plan steps and, through the
// generation engine's `cancelled` hook, before every denoising step of a generative step.
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace easel::serve {

class WorkInterrupted : public std::runtime_error {
 public:
  WorkInterrupted(bool timed_out, const std::string& message) : std::runtime_error(message), timed_out_(timed_out) {}
  bool timed_out() const noexcept { return timed_out_; }

 private:
  bool timed_out_;
};

// Bridges a `check` that throws to the engine's `cancelled` poll, which must return true instead (the
// engine then unwinds with GenerationCancelled): remembers why, so the caller can rethrow the reason.
class GenerationWatch {
 public:
  explicit GenerationWatch(std::function<void()> check);
  // For GenerationRequest::cancelled / GenerationControl::cancelled; empty when there is no check.
  std::function<bool()> cancelled() const;
  // Called on GenerationCancelled: throws the WorkInterrupted the check raised.
  [[noreturn]] void rethrow() const;

 private:
  std::function<void()> check_;
  std::shared_ptr<std::optional<WorkInterrupted>> stop_;
};

}  // namespace easel::serve
