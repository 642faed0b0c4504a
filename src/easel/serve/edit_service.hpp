#pragma once
// The HTTP door of the edit flow (run/edit_flow.hpp): decodes the upload, writes the references and the
// mask where the plan can read them, hands the edit flow an EditOrder, then encodes the images, names
// the request's fields and models in place of server paths, and counts usage. The same function serves
// synchronous requests and queued jobs.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/models/model_paths.hpp"
#include "easel/ops/run_context.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/serve/decoded_image_cache.hpp"
#include "easel/serve/edit_request.hpp"
#include "easel/serve/images_response.hpp"
#include "easel/serve/store.hpp"
#include "easel/serve/usage.hpp"
#include "easel/serve/work_control.hpp"

namespace easel::serve {

struct EditContext {
  Store& store;
  std::string owner;                  // whose inputs count as seen before
  std::filesystem::path scratch_dir;  // for the converted mask file, removed after the run
  DecodeLimits limits;
  DecodedImageCache& decoded;  // source images decoded recently
  // The server's default model and segmenter, in the API's words. No default: every door must pass the
  // server's (a streamed edit once ran without it, ignoring EASEL_SEGMENTATION and EASEL_MODEL).
  RunContext run;
  // Where the request's model names are looked up: the server's models directory and Hugging Face cache.
  models::ModelPaths model_paths;
  // Fraction done, before each plan step and after each denoising step of a generative one.
  std::function<void(double)> progress = {};
  // May throw WorkInterrupted; called before each plan step and each denoising step.
  std::function<void()> check = {};
  // Streaming: called with the encoded image after each of the first `request.partial_images` steps
  // that are not the last one (index from 0).
  std::function<void(const Bytes&, int index)> partial = {};
};

// `images` has `request.n` entries; `easel` is {plan, report, references, mask, seeds}: the plan and report
// of the first image, and for each image the seed its generative steps were offset to.
using EditResult = ImagesResult;

// n > 1 needs a generative step (an op with a `seed` parameter): image i renders the plan with every
// generative step's seed + i (a step without a seed gets a random one first, recorded in the plan).
// Throws ApiError (400 naming the field) for inputs the engine refuses, WorkInterrupted when stopped.
EditResult run_edit_request(const EditRequest& request, const EditContext& context);

const char* media_type(ImageFormat format);

}  // namespace easel::serve
