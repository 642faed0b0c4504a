#pragma once
// Runs one validated edit request through the shared data flow (DESIGN §1): decode → plan (the
// instruction planner, or an explicit EditPlan) → the caller's mask → run_edit (executor + verifier) →
// encode, and counts its usage. The same function serves synchronous requests and queued jobs.
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/serve/edit_request.hpp"
#include "easel/serve/images_response.hpp"
#include "easel/serve/store.hpp"
#include "easel/serve/usage.hpp"

namespace easel::serve {

// Thrown by EditControl::check to stop a run between steps (a cancelled job, or one past its timeout).
class EditInterrupted : public std::runtime_error {
 public:
  EditInterrupted(bool timed_out, const std::string& message) : std::runtime_error(message), timed_out_(timed_out) {}
  bool timed_out() const noexcept { return timed_out_; }

 private:
  bool timed_out_;
};

struct EditContext {
  Store& store;
  std::string owner;                  // whose inputs count as seen before
  std::filesystem::path scratch_dir;  // for the converted mask file, removed after the run
  DecodeLimits limits;
  std::function<void(double)> progress = {};  // fraction done, before each step
  std::function<void()> check = {};           // may throw EditInterrupted, called before each step
  // Streaming: called with the encoded image after each of the first `request.partial_images` steps
  // that are not the last one (index from 0).
  std::function<void(const Bytes&, int index)> partial = {};
};

// `images` has `request.n` entries; `easel` is {plan, report, references, mask}.
using EditResult = ImagesResult;

// Throws ApiError (400 naming the field) for inputs the engine refuses, EditInterrupted when stopped.
EditResult run_edit_request(const EditRequest& request, const EditContext& context);

const char* media_type(ImageFormat format);


}  // namespace easel::serve
