#include "easel/serve/edit_service.hpp"

#include <chrono>
#include <memory>

#include <opencv2/imgcodecs.hpp>

#include "easel/models/model_store.hpp"
#include "easel/ops/region.hpp"
#include "easel/ops/registry.hpp"
#include "easel/plan/planner.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/run/step_files.hpp"
#include "easel/serve/api_error.hpp"

namespace easel::serve {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// A file that exists for one run only.
class ScratchFile {
 public:
  explicit ScratchFile(fs::path path) : path_(std::move(path)) {}
  ~ScratchFile() {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A plan sent over HTTP names files only as the request's own uploads ("image[1]", "mask") and models
// only by name: nothing a client writes becomes a path on the server.
void bind_client_files(EditPlan& plan, const PlanInputs& inputs) {
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& step = plan.steps[i];
    const std::string where = "step " + std::to_string(i + 1) + " (" + step.op + ")";
    for (json* path : file_paths_of(step)) {
      const std::string field = path->is_string() ? path->get<std::string>() : path->dump();
      std::string bound;
      if (field == "mask") bound = inputs.mask;
      for (std::size_t k = 0; k < inputs.references.size(); ++k) {
        if (field == "image[" + std::to_string(k + 1) + "]") bound = inputs.references[k];
      }
      if (bound.empty()) {
        throw invalid_field("plan", where + " reads the file \"" + field + "\"; a plan sent to the server can only name this request's uploads (" +
                                        (inputs.references.empty() ? std::string() : "image[1] to image[" + std::to_string(inputs.references.size()) + "], ") +
                                        "or mask when one is sent)");
      }
      *path = bound;
    }
    if (step.params.is_object() && step.params.contains("model") && step.params["model"].is_string()) {
      step.params["model"] = models::resolve_model_name(step.params["model"].get<std::string>()).string();
    }
  }
}

EditPlan plan_for(const EditRequest& request, const PlanInputs& inputs) {
  if (request.plan) {
    try {
      EditPlan plan = edit_plan_from_json(*request.plan);
      bind_client_files(plan, inputs);
      validate_plan(plan);
      return plan;
    } catch (const Error& error) {
      throw api_error_from(error, "plan");
    }
  }
  try {
    return plan_instruction(request.prompt, inputs);
  } catch (const Error& error) {
    throw api_error_from(error, "prompt");
  }
}

// OpenAI's convention (alpha 0 = edit) becomes Easel's plain one (white = edit, black = keep), written
// as a grey PNG under a name the server chooses: nothing from the request becomes a path.
void write_edit_mask(const Upload& mask, const Image& source, const fs::path& file, const DecodeLimits& limits) {
  DecodedImage decoded;
  try {
    decoded = decode_image(*mask.bytes, limits);
  } catch (const Error& error) {
    throw invalid_field("mask", std::string("'mask' cannot be decoded: ") + error.what(), "invalid_image");
  }
  if (!decoded.info.has_alpha) throw invalid_field("mask", "'mask' must have an alpha channel: fully transparent pixels (alpha 0) mark the area to edit");
  if (decoded.image.width() != source.width() || decoded.image.height() != source.height()) {
    throw invalid_field("mask", "'mask' is " + std::to_string(decoded.image.width()) + "x" + std::to_string(decoded.image.height()) +
                                    " but the image is " + std::to_string(source.width()) + "x" + std::to_string(source.height()) + "; they must match");
  }
  cv::Mat alpha;
  cv::extractChannel(decoded.image.to_rgba8().mat(), alpha, 3);
  cv::Mat edit_area = alpha == 0;
  if (!cv::imwrite(file.string(), edit_area)) throw ApiError(500, "server_error", "cannot write the converted mask", {}, "internal_error");
}

// For an explicit plan, as the planner does for a prompt: the mask becomes the target of every step
// that would touch the whole image and accepts a mask.
void restrict_to_mask(EditPlan& plan, const fs::path& file) {
  for (auto& step : plan.steps) {
    const auto& regions = registry().get(step.op).regions;
    if (targets_whole_image(step.target) && std::find(regions.begin(), regions.end(), RegionKind::mask) != regions.end()) {
      step.target = json{{"mask", file.string()}};
    }
  }
}

const char* file_extension(ImageFormat format) {
  switch (format) {
    case ImageFormat::png: return ".png";
    case ImageFormat::jpeg: return ".jpg";
    case ImageFormat::webp: return ".webp";
  }
  return ".png";
}

// Scratch paths are the server's business: responses and output metadata name the request's fields.
json with_field_names(const json& value, const std::vector<std::pair<std::string, std::string>>& names) {
  std::string text = value.dump();
  for (const auto& [path, name] : names) {
    for (auto at = text.find(path); at != std::string::npos; at = text.find(path, at + name.size())) text.replace(at, path.size(), name);
  }
  return json::parse(text);
}

std::string unsupported_summary(const EditPlan& plan) {
  std::string text;
  for (const auto& item : plan.unsupported) text += (text.empty() ? "" : "; ") + ("\"" + item.clause + "\": " + item.reason);
  return text.empty() ? "the prompt names no edit" : text;
}

Image flatten_over_white(const Image& image) {
  cv::Mat rgba = image.to_float().mat();
  std::vector<cv::Mat> channels;
  cv::split(rgba, channels);
  for (int c = 0; c < 3; ++c) channels[static_cast<std::size_t>(c)] = channels[static_cast<std::size_t>(c)].mul(channels[3]) + (1.0 - channels[3]);
  channels[3].setTo(1.0);
  cv::Mat merged;
  cv::merge(channels, merged);
  return Image(merged).to_rgba8();
}

}  // namespace

const char* media_type(ImageFormat format) {
  switch (format) {
    case ImageFormat::png: return "image/png";
    case ImageFormat::jpeg: return "image/jpeg";
    case ImageFormat::webp: return "image/webp";
  }
  return "application/octet-stream";
}

EditResult run_edit_request(const EditRequest& request, const EditContext& context) {
  if (request.n != 1) {
    throw invalid_field("n", "the edit engine is deterministic: n > 1 would return identical images; use n=1");
  }
  EditResult result;
  auto started = std::chrono::steady_clock::now();
  DecodedImage source;
  try {
    source = decode_image(*request.images.front().bytes, context.limits);
  } catch (const Error& error) {
    throw invalid_field("image", std::string("'image' cannot be decoded: ") + error.what(), "invalid_image");
  }
  const double decode_ms = milliseconds_since(started);

  result.usage.text_tokens = text_tokens(request.prompt);
  for (const auto& image : request.images) {
    const ImageInfo info = probe_image(*image.bytes);
    const auto tokens = image_tokens(info.width, info.height);
    result.usage.image_tokens += tokens;
    if (context.store.note_input_seen(sha256_hex(*image.bytes), context.owner)) result.usage.cached_tokens += tokens;
  }

  started = std::chrono::steady_clock::now();
  // References and the mask reach the planner and the ops as files under names the server chooses.
  std::vector<std::unique_ptr<ScratchFile>> scratch;
  std::vector<std::pair<std::string, std::string>> field_names;
  PlanInputs inputs;
  if (request.images.size() > 1 || request.mask) fs::create_directories(context.scratch_dir);
  for (std::size_t i = 1; i < request.images.size(); ++i) {
    const auto& bytes = *request.images[i].bytes;
    scratch.push_back(std::make_unique<ScratchFile>(context.scratch_dir / (random_id("ref_") + file_extension(probe_image(bytes).format))));
    write_file_atomically(scratch.back()->path(), bytes);
    inputs.references.push_back(scratch.back()->path().string());
    field_names.emplace_back(scratch.back()->path().string(), "image[" + std::to_string(i) + "]");
  }
  if (request.mask) {
    scratch.push_back(std::make_unique<ScratchFile>(context.scratch_dir / (random_id("mask_") + ".png")));
    write_edit_mask(*request.mask, source.image, scratch.back()->path(), context.limits);
    inputs.mask = scratch.back()->path().string();
    field_names.emplace_back(inputs.mask, "mask");
  }
  EditPlan plan = plan_for(request, inputs);
  if (request.plan && request.mask) restrict_to_mask(plan, inputs.mask);
  int masked_steps = 0;
  bool references_used = false;
  for (const auto& step : plan.steps) {
    if (request.mask && step.target == json{{"mask", inputs.mask}}) ++masked_steps;
    const std::string params = step.params.dump();
    for (const auto& reference : inputs.references) references_used = references_used || params.find(reference) != std::string::npos;
  }
  if (plan.steps.empty()) {
    throw invalid_field(request.plan ? "plan" : "prompt", "nothing in the prompt maps to an edit this server can do: " + unsupported_summary(plan) +
                                                               " (GET /v1/models and `easel ops` list the operations)", "unsupported_instruction");
  }
  if (!request.size.automatic()) {
    const std::string aspect = std::to_string(request.size.width) + ":" + std::to_string(request.size.height);
    plan.steps.push_back({"image.crop", {{"region", "all"}}, {{"aspect", aspect}}, "size " + aspect + " (request field)"});
    plan.steps.push_back({"image.resize", {{"region", "all"}}, {{"width", request.size.width}, {"height", request.size.height}},
                          "size (request field)"});
  }
  try {
    validate_plan(plan);
  } catch (const Error& error) {
    throw api_error_from(error, request.plan ? "plan" : "prompt");
  }
  const double plan_ms = milliseconds_since(started);

  EncodeOptions encode;
  encode.format = request.output_format;
  encode.quality = std::max(1, request.output_compression);
  OutputMetadata metadata;
  metadata.plan_json = with_field_names(to_json(plan), field_names).dump();
  ResultCache cache{fs::path()};
  EditOutcome outcome;
  try {
    // Partial images are the renders of the plan's first steps; each shares the cache with the next,
    // so the final render below recomputes nothing.
    const std::size_t partials = context.partial ? std::min<std::size_t>(static_cast<std::size_t>(request.partial_images), plan.steps.size() - 1) : 0;
    for (std::size_t done = 1; done <= partials; ++done) {
      if (context.check) context.check();
      const std::vector<PlanStep> prefix(plan.steps.begin(), plan.steps.begin() + static_cast<std::ptrdiff_t>(done));
      const RenderResult partial = Executor(cache).render(source.image, prefix);
      Image image = partial.state.image;
      if (request.background == "opaque" || request.output_format == ImageFormat::jpeg) image = flatten_over_white(image);
      context.partial(encode_image(image, encode, metadata), static_cast<int>(done - 1));
    }
    outcome = run_edit(source.image, plan.steps, cache, [&](std::size_t index, std::size_t count, const std::string&) {
      if (context.check) context.check();
      if (context.progress) context.progress(static_cast<double>(index) / static_cast<double>(count));
    });
  } catch (const Error& error) {
    throw api_error_from(error, request.plan ? "plan" : "prompt");
  }
  if (context.check) context.check();

  Image output = outcome.render.state.image;
  if (request.background == "opaque" || request.output_format == ImageFormat::jpeg) output = flatten_over_white(output);
  json report = build_report(plan, outcome, {{"plan", plan_ms}, {"decode", decode_ms}});
  started = std::chrono::steady_clock::now();
  result.images.push_back(encode_image(output, encode, metadata));
  report["timings_ms"]["encode"] = milliseconds_since(started);
  result.width = output.width();
  result.height = output.height();
  result.transparent = output.has_transparency();
  result.usage.output_tokens = image_tokens(result.width, result.height) * static_cast<std::int64_t>(result.images.size());
  report["usage"]["input_tokens"] = result.usage.input_tokens();
  report["usage"]["output_tokens"] = result.usage.output_tokens;
  report["input"] = {{"width", source.info.width}, {"height", source.info.height}, {"format", format_name(source.info.format)}};
  report = with_field_names(report, field_names);
  result.easel = {{"plan", report["plan"]},
                  {"report", report},
                  {"references", {{"count", request.images.size() - 1}, {"used", references_used}}},
                  {"mask", {{"given", request.mask.has_value()}, {"steps_restricted", masked_steps}}}};
  return result;
}

}  // namespace easel::serve
