#include "easel/serve/edit_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>

#include <opencv2/imgcodecs.hpp>

#include "easel/models/model_store.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/region.hpp"
#include "easel/ops/registry.hpp"
#include "easel/plan/planner.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/run/step_files.hpp"
#include "easel/serve/api_error.hpp"
#include "easel/serve/generation_service.hpp"

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

// Steps whose op takes a seed: the generative ones, whose result the seed decides.
std::vector<std::size_t> seeded_steps(const EditPlan& plan) {
  std::vector<std::size_t> indices;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& params = registry().get(plan.steps[i].op).params;
    if (std::any_of(params.begin(), params.end(), [](const ParamSpec& param) { return param.name == "seed"; })) indices.push_back(i);
  }
  return indices;
}

}  // namespace

void append_size_steps(EditPlan& plan, const OutputSize& size) {
  if (size.automatic()) return;
  const std::string aspect = std::to_string(size.width) + ":" + std::to_string(size.height);
  plan.steps.push_back({"image.crop", {{"region", "all"}}, {{"aspect", aspect}}, "size " + aspect + " (request field)"});
  plan.steps.push_back({"image.resize", {{"region", "all"}}, {{"width", size.width}, {"height", size.height}}, "size (request field)"});
}

const char* media_type(ImageFormat format) {
  switch (format) {
    case ImageFormat::png: return "image/png";
    case ImageFormat::jpeg: return "image/jpeg";
    case ImageFormat::webp: return "image/webp";
  }
  return "application/octet-stream";
}

EditResult run_edit_request(const EditRequest& request, const EditContext& context) {
  EditResult result;
  auto started = std::chrono::steady_clock::now();
  const Bytes& source_bytes = *request.images.front().bytes;
  const std::string source_hash = sha256_hex(source_bytes);
  DecodedImageCache::Lookup source;
  try {
    source = context.decoded.get_or_decode(context.owner + ":" + source_hash, source_bytes, context.limits);
  } catch (const Error& error) {
    throw invalid_field("image", std::string("'image' cannot be decoded: ") + error.what(), "invalid_image");
  }
  // The cached pixels are shared by every request (and thread) that sends this image: the run gets its
  // own copy (a memcpy, far cheaper than decoding), so nothing a step does can reach the cache.
  const Image source_image = source.decoded->image.clone();
  const double decode_ms = milliseconds_since(started);

  result.usage.text_tokens = text_tokens(request.prompt);
  for (std::size_t i = 0; i < request.images.size(); ++i) {
    const Bytes& bytes = *request.images[i].bytes;
    const ImageInfo info = probe_image(bytes);
    const auto tokens = image_tokens(info.width, info.height);
    result.usage.image_tokens += tokens;
    if (context.store.note_input_seen(i == 0 ? source_hash : sha256_hex(bytes), context.owner)) result.usage.cached_tokens += tokens;
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
    write_edit_mask(*request.mask, source_image, scratch.back()->path(), context.limits);
    inputs.mask = scratch.back()->path().string();
    field_names.emplace_back(inputs.mask, "mask");
  }
  EditPlan plan = plan_for(request, inputs);
  if (request.plan && request.mask) restrict_to_mask(plan, inputs.mask);
  // Models are named to the client as it names them, never by their path on this machine.
  for (const auto& step : plan.steps) {
    if (const auto model = step.params.find("model"); model != step.params.end() && model->is_string()) {
      field_names.emplace_back(model->get<std::string>(), models::model_display_name(model->get<std::string>()));
    }
  }
  if (const char* fallback = std::getenv("EASEL_MODEL"); fallback != nullptr && *fallback != '\0') {
    try {
      const std::string path = models::resolve_model(fallback).string();
      field_names.emplace_back(path, models::model_display_name(path));
    } catch (const Error&) {
      // Not installed: a step that needs it fails naming EASEL_MODEL, and there is no path to hide.
    }
  }
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
  const std::vector<std::size_t> generative = seeded_steps(plan);
  if (request.n > 1 && generative.empty()) {
    throw invalid_field("n", "this edit has no generative step, so it is deterministic: n > 1 would return identical images; use n=1");
  }
  // Seeds are fixed before rendering, so the plan in the response (and in each output's metadata)
  // reproduces each image exactly.
  for (const std::size_t index : generative) {
    json& params = plan.steps[index].params;
    if (params.value("seed", json()).is_null()) params["seed"] = random_seed();
    constexpr std::uint64_t largest_seed = (std::uint64_t{1} << 53) - 1;
    if (params["seed"].is_number_unsigned() && params["seed"].get<std::uint64_t>() > largest_seed - static_cast<std::uint64_t>(request.n - 1)) {
      throw invalid_field("n", "seed + n - 1 would pass the largest seed, 2^53 - 1; give a smaller seed or fewer images");
    }
  }
  append_size_steps(plan, request.size);
  try {
    validate_plan(plan);
  } catch (const Error& error) {
    throw api_error_from(error, request.plan ? "plan" : "prompt");
  }
  const double plan_ms = milliseconds_since(started);

  EncodeOptions encode;
  encode.format = request.output_format;
  encode.quality = std::max(1, request.output_compression);
  const auto finish = [&](Image image) {
    if (request.background == "opaque" || request.output_format == ImageFormat::jpeg) image = flatten_over_white(image);
    return image;
  };
  ResultCache cache{fs::path()};
  // Progress over all n renders: plan steps, and the denoising steps inside a generative one.
  const double renders = static_cast<double>(request.n);
  std::size_t render_index = 0;
  std::size_t step_index = 0;
  std::size_t step_count = plan.steps.size();
  const auto report_progress = [&](double within_step) {
    if (!context.progress) return;
    const double in_render = (static_cast<double>(step_index) + within_step) / static_cast<double>(step_count);
    context.progress((static_cast<double>(render_index) + in_render) / renders);
  };
  // Partial images, at most partial_images in all: the denoising previews of generative steps (placed
  // into the picture), and the renders of the plan's first steps.
  int partials_sent = 0;
  OutputMetadata partial_metadata;
  const auto send_partial = [&](const Image& image) {
    if (!context.partial || partials_sent >= request.partial_images) return;
    context.partial(encode_image(finish(image), encode, partial_metadata), partials_sent++);
  };
  GenerationWatch watch(context.check);
  GenerationControl control;
  control.cancelled = watch.cancelled();
  if (context.progress) control.on_step = [&](int done, int total) { report_progress(total > 0 ? static_cast<double>(done) / total : 0.0); };
  if (context.partial && request.partial_images > 0) {
    control.previews = request.partial_images;
    control.on_preview = [&](const Image& preview, int) { send_partial(preview); };
  }
  const ScopedGenerationControl generative_steps_report(control);

  json first_report;
  json seeds = json::array();
  std::vector<PlanStep> steps = plan.steps;
  try {
    for (render_index = 0; render_index < static_cast<std::size_t>(request.n); ++render_index) {
      for (const std::size_t index : generative) {
        steps[index].params["seed"] = plan.steps[index].params["seed"].get<std::uint64_t>() + render_index;
      }
      if (!generative.empty()) seeds.push_back(steps[generative.front()].params["seed"]);
      OutputMetadata metadata;
      EditPlan rendered = plan;
      rendered.steps = steps;
      metadata.plan_json = with_field_names(to_json(rendered), field_names).dump();
      partial_metadata = metadata;
      // Renders of the plan's first steps share the cache with the next, so the final render recomputes nothing.
      const std::size_t prefixes = context.partial ? std::min<std::size_t>(static_cast<std::size_t>(request.partial_images), steps.size() - 1) : 0;
      for (std::size_t done = 1; done <= prefixes && partials_sent < request.partial_images; ++done) {
        if (context.check) context.check();
        const std::vector<PlanStep> prefix(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(done));
        send_partial(Executor(cache).render(source_image, prefix).state.image);
      }
      const EditOutcome outcome = run_edit(source_image, steps, cache, [&](std::size_t index, std::size_t count, const std::string&) {
        if (context.check) context.check();
        step_index = index;
        step_count = count;
        report_progress(0.0);
      });
      if (context.check) context.check();
      const Image output = finish(outcome.render.state.image);
      started = std::chrono::steady_clock::now();
      result.images.push_back(encode_image(output, encode, metadata));
      if (render_index == 0) {
        first_report = build_report(rendered, outcome, {{"plan", plan_ms}, {"decode", decode_ms}});
        first_report["timings_ms"]["encode"] = milliseconds_since(started);
        result.width = output.width();
        result.height = output.height();
        result.transparent = output.has_transparency();
      }
    }
  } catch (const GenerationCancelled&) {
    watch.rethrow();
  } catch (const Error& error) {
    throw api_error_from(error, request.plan ? "plan" : "prompt");
  }

  result.usage.output_tokens = image_tokens(result.width, result.height) * static_cast<std::int64_t>(result.images.size());
  json report = first_report;
  report["usage"]["input_tokens"] = result.usage.input_tokens();
  report["usage"]["output_tokens"] = result.usage.output_tokens;
  report["input"] = {{"width", source.decoded->info.width}, {"height", source.decoded->info.height},
                     {"format", format_name(source.decoded->info.format)}, {"decoded_from_cache", source.from_cache}};
  report = with_field_names(report, field_names);
  result.easel = {{"plan", report["plan"]},
                  {"report", report},
                  {"references", {{"count", request.images.size() - 1}, {"used", references_used}}},
                  {"mask", {{"given", request.mask.has_value()}, {"steps_restricted", masked_steps}}},
                  {"seeds", seeds}};
  return result;
}

}  // namespace easel::serve
