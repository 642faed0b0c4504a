#include "easel/serve/edit_service.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include <opencv2/imgcodecs.hpp>

#include "easel/models/model_store.hpp"
#include "easel/run/edit_flow.hpp"
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
  const auto bind = [&](json& path, const std::string& where) {
    const std::string field = path.is_string() ? path.get<std::string>() : path.dump();
    std::string bound;
    if (field == "mask") bound = inputs.mask;
    for (std::size_t k = 0; k < inputs.references.size(); ++k) {
      if (field == "image[" + std::to_string(k + 1) + "]") bound = inputs.references[k];
    }
    if (bound.empty()) {
      throw invalid_field("plan", where + " reads the file \"" + field +
                                      "\"; a plan sent to the server can only name this request's uploads (" +
                                      (inputs.references.empty()
                                           ? std::string()
                                           : "image[1] to image[" + std::to_string(inputs.references.size()) + "], ") +
                                      "or mask when one is sent)");
    }
    path = bound;
  };
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& step = plan.steps[i];
    const std::string where = "step " + std::to_string(i + 1) + " (" + step.op + ")";
    for (json* path : file_paths_of(step)) bind(*path, where);
    if (step.params.is_object() && step.params.contains("model") && step.params["model"].is_string() &&
        !is_model_name(step.params["model"].get<std::string>())) {
      throw invalid_field(
          "plan", where + " names the model \"" + step.params["model"].get<std::string>() +
                      "\"; a plan sent to the server names models by name (GET /v1/models lists them), never by path");
    }
  }
  for (std::size_t i = 0; i < plan.preserve.size(); ++i) {
    json& target = plan.preserve[i].target;
    if (target.is_object() && target.contains("mask")) bind(target["mask"], "preserve " + std::to_string(i + 1));
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
  if (!decoded.info.has_alpha)
    throw invalid_field("mask",
                        "'mask' must have an alpha channel: fully transparent pixels (alpha 0) mark the area to edit");
  if (decoded.image.width() != source.width() || decoded.image.height() != source.height()) {
    throw invalid_field("mask", "'mask' is " + std::to_string(decoded.image.width()) + "x" +
                                    std::to_string(decoded.image.height()) + " but the image is " +
                                    std::to_string(source.width()) + "x" + std::to_string(source.height()) +
                                    "; they must match");
  }
  cv::Mat alpha;
  cv::extractChannel(decoded.image.to_rgba8().mat(), alpha, 3);
  cv::Mat edit_area = alpha == 0;
  if (!cv::imwrite(file.string(), edit_area))
    throw ApiError(500, "server_error", "cannot write the converted mask", {}, "internal_error");
}

const char* file_extension(ImageFormat format) {
  switch (format) {
    case ImageFormat::png:
      return ".png";
    case ImageFormat::jpeg:
      return ".jpg";
    case ImageFormat::webp:
      return ".webp";
  }
  return ".png";
}

// Scratch paths and model paths are the server's business: responses and output metadata name the
// request's fields and the models' names.
class FieldNames {
 public:
  void add(std::string path, std::string name) { names_.emplace_back(std::move(path), std::move(name)); }
  // Every model a plan's steps name (and the default), as the client names it.
  void add_models(const EditPlan& plan, const std::string& default_model, const models::ModelPaths& model_paths) {
    std::vector<std::string> models;
    for (const auto& step : plan.steps) {
      if (const auto model = step.params.find("model"); model != step.params.end() && model->is_string())
        models.push_back(model->get<std::string>());
    }
    if (!default_model.empty()) models.push_back(default_model);
    for (const auto& model : models) {
      try {
        const std::string path = models::resolve_model(model_paths, model).string();
        add(path, models::model_display_name(model_paths, path));
      } catch (const Error&) {
        // Not installed: a step that needs it fails naming it, and there is no path to hide.
      }
    }
  }
  json applied_to(const json& value) const { return with_paths_renamed(value, names_); }

 private:
  std::vector<std::pair<std::string, std::string>> names_;
};

Image flatten_over_white(const Image& image) {
  cv::Mat rgba = image.to_float().mat();
  std::vector<cv::Mat> channels;
  cv::split(rgba, channels);
  for (int c = 0; c < 3; ++c)
    channels[static_cast<std::size_t>(c)] =
        channels[static_cast<std::size_t>(c)].mul(channels[3]) + (1.0 - channels[3]);
  channels[3].setTo(1.0);
  cv::Mat merged;
  cv::merge(channels, merged);
  return Image(merged).to_rgba8();
}

// The request's uploads as files the plan can read, under names the server chooses.
struct UploadedFiles {
  std::vector<std::unique_ptr<ScratchFile>> scratch;
  PlanInputs inputs;
  FieldNames names;
};

void write_uploads(const EditRequest& request, const Image& source, const EditContext& context, UploadedFiles& files) {
  if (request.images.size() > 1 || request.mask) fs::create_directories(context.scratch_dir);
  for (std::size_t i = 1; i < request.images.size(); ++i) {
    const auto& bytes = *request.images[i].bytes;
    files.scratch.push_back(std::make_unique<ScratchFile>(
        context.scratch_dir / (random_id("ref_") + file_extension(probe_image(bytes).format))));
    write_file_atomically(files.scratch.back()->path(), bytes);
    files.inputs.references.push_back(files.scratch.back()->path().string());
    files.names.add(files.scratch.back()->path().string(), "image[" + std::to_string(i) + "]");
  }
  if (request.mask) {
    files.scratch.push_back(std::make_unique<ScratchFile>(context.scratch_dir / (random_id("mask_") + ".png")));
    write_edit_mask(*request.mask, source, files.scratch.back()->path(), context.limits);
    files.inputs.mask = files.scratch.back()->path().string();
    files.names.add(files.inputs.mask, "mask");
  }
}

// The flow names the order's fields; the HTTP API says them as the request's.
ApiError in_request_words(const Error& error, const EditRequest& request) {
  const std::map<std::string, std::string> fields = {{"instruction", "prompt"},
                                                     {"plan", "plan"},
                                                     {"variants", "n"},
                                                     {"seed", request.seed ? "seed" : "n"},
                                                     {"model", "model"}};
  const auto field = fields.find(error.field());
  std::string param = field != fields.end() ? field->second : std::string(request.plan ? "plan" : "prompt");
  if (error.kind() == ErrorKind::capability) param = "model";
  if (dynamic_cast<const NothingToDo*>(&error) != nullptr)
    return invalid_field(param, error.what(), "unsupported_instruction");
  return api_error_from(error, param);
}

EditOrder order_from(const EditRequest& request, const UploadedFiles& files, const EditContext& context) {
  EditOrder order;
  order.instruction = request.prompt;
  if (request.plan) {
    try {
      order.plan = edit_plan_from_json(*request.plan);
    } catch (const Error& error) {
      throw api_error_from(error, "plan");
    }
    bind_client_files(*order.plan, files.inputs);
  }
  order.inputs = files.inputs;
  order.model = is_edit_model_alias(request.model) ? context.run.default_model : request.model;
  if (!is_edit_model_alias(request.model)) {
    try {
      models::resolve_model_name(context.model_paths, request.model);
    } catch (const Error& error) {
      throw invalid_field("model",
                          "'model' " + request.model +
                              " is not an installed diffusion model (GET /v1/models lists them): " + error.what(),
                          "model_not_found");
    }
  }
  order.seed = request.seed;
  order.variants = request.n;
  if (!request.size.automatic()) order.size = cv::Size(request.size.width, request.size.height);
  return order;
}

}  // namespace

const char* media_type(ImageFormat format) {
  switch (format) {
    case ImageFormat::png:
      return "image/png";
    case ImageFormat::jpeg:
      return "image/jpeg";
    case ImageFormat::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

namespace {

// The source image, decoded once per content and owner (the decoded-image cache), as the run's own copy.
struct DecodedSource {
  Image image;
  DecodedImageCache::Lookup lookup;
  std::string hash;
  double decode_ms = 0;
};

DecodedSource decode_source(const EditRequest& request, const EditContext& context) {
  const auto started = std::chrono::steady_clock::now();
  DecodedSource source;
  const Bytes& bytes = *request.images.front().bytes;
  source.hash = sha256_hex(bytes);
  try {
    source.lookup = context.decoded.get_or_decode(context.owner + ":" + source.hash, bytes, context.limits);
  } catch (const Error& error) {
    throw invalid_field("image", std::string("'image' cannot be decoded: ") + error.what(), "invalid_image");
  }
  // The cached pixels are shared by every request (and thread) that sends this image: the run gets its
  // own copy (a memcpy, far cheaper than decoding), so nothing a step does can reach the cache.
  source.image = source.lookup.decoded->image.clone();
  source.decode_ms = milliseconds_since(started);
  return source;
}

// Input tokens: the prompt and every image, those this owner sent before counted as cached.
void count_inputs(const EditRequest& request, const std::string& source_hash, const EditContext& context,
                  Usage& usage) {
  usage.text_tokens = text_tokens(request.prompt);
  for (std::size_t i = 0; i < request.images.size(); ++i) {
    const Bytes& bytes = *request.images[i].bytes;
    const ImageInfo info = probe_image(bytes);
    const auto tokens = image_tokens(info.width, info.height);
    usage.image_tokens += tokens;
    if (context.store.note_input_seen(i == 0 ? source_hash : sha256_hex(bytes), context.owner))
      usage.cached_tokens += tokens;
  }
}

// The response's `easel` block: the plan and report in the request's names, what the references and the
// mask did, the seeds.
json easel_block(const EditRequest& request, const EditPlan& plan, const UploadedFiles& files, const json& report,
                 const json& seeds) {
  int masked_steps = 0;
  bool references_used = false;
  for (const auto& step : plan.steps) {
    if (request.mask && step.target == json{{"mask", files.inputs.mask}}) ++masked_steps;
    const std::string params = step.params.dump();
    for (const auto& reference : files.inputs.references)
      references_used = references_used || params.find(reference) != std::string::npos;
  }
  return {{"plan", report["plan"]},
          {"report", report},
          {"references", {{"count", request.images.size() - 1}, {"used", references_used}}},
          {"mask", {{"given", request.mask.has_value()}, {"steps_restricted", masked_steps}}},
          {"seeds", seeds}};
}

}  // namespace

EditResult run_edit_request(const EditRequest& request, const EditContext& context) {
  EditResult result;
  const DecodedSource source = decode_source(request, context);
  count_inputs(request, source.hash, context, result.usage);

  auto started = std::chrono::steady_clock::now();
  UploadedFiles files;
  write_uploads(request, source.image, context, files);
  const EditOrder order = order_from(request, files, context);
  EditPlan plan;
  try {
    plan = plan_edit(order);
  } catch (const Error& error) {
    throw in_request_words(error, request);
  }
  files.names.add_models(plan, context.run.default_model, context.model_paths);
  const double plan_ms = milliseconds_since(started);

  EditControl control;
  if (context.progress) control.on_progress = [&](const EditProgress& at) { context.progress(at.fraction()); };
  control.check = context.check;
  OutputMetadata partial_metadata;
  partial_metadata.plan_json = files.names.applied_to(to_json(plan)).dump();
  EncodeOptions encode;
  encode.format = request.output_format;
  encode.quality = std::max(1, request.output_compression);
  const auto finish = [&](Image image) {
    if (request.background == "opaque" || request.output_format == ImageFormat::jpeg) image = flatten_over_white(image);
    return image;
  };
  int partial_index = 0;
  if (context.partial && request.partial_images > 0) {
    control.partial_images = request.partial_images;
    control.on_partial = [&](const Image& image) {
      context.partial(encode_image(finish(image), encode, partial_metadata), partial_index++);
    };
  }
  ResultCache cache{fs::path()};
  EditRender render;
  try {
    render = render_edit(source.image, {}, plan, request.n, cache, context.run, control,
                         {{"plan", plan_ms}, {"decode", source.decode_ms}});
  } catch (const Error& error) {
    throw in_request_words(error, request);
  }

  for (std::size_t i = 0; i < render.images.size(); ++i) {
    const Image output = finish(render.images[i]);
    started = std::chrono::steady_clock::now();
    OutputMetadata metadata;
    metadata.plan_json = files.names.applied_to(to_json(render.plans[i])).dump();
    result.images.push_back(encode_image(output, encode, metadata));
    if (i == 0) {
      render.report["timings_ms"]["encode"] = milliseconds_since(started);
      result.width = output.width();
      result.height = output.height();
      result.transparent = output.has_transparency();
    }
  }
  result.usage.output_tokens =
      image_tokens(result.width, result.height) * static_cast<std::int64_t>(result.images.size());
  json report = render.report;
  report["usage"]["input_tokens"] = result.usage.input_tokens();
  report["usage"]["output_tokens"] = result.usage.output_tokens;
  const ImageInfo& info = source.lookup.decoded->info;
  report["input"] = {{"width", info.width},
                     {"height", info.height},
                     {"format", format_name(info.format)},
                     {"decoded_from_cache", source.lookup.from_cache}};
  result.easel = easel_block(request, plan, files, files.names.applied_to(report), render.seeds);
  return result;
}

}  // namespace easel::serve
