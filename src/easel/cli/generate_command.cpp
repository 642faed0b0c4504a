// easel generate -p PROMPT -o OUTPUT --model NAME|PATH [--negative TEXT] [--size WxH | --aspect RATIO]
//                [--preset low|medium|high|auto] [--steps N] [--cfg X] [--sampler NAME] [--seed N] [-n N]
//                [--strength X --init IMAGE] [--precision fp32|bf16] [--base NAME|PATH]
//                [--lora NAME|PATH[:SCALE]]... [--timings]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <regex>

#include "easel/cli/commands.hpp"
#include "easel/cli/output_options.hpp"
#include "easel/cli/progress.hpp"
#include "easel/core/error.hpp"
#include "easel/diffusion/precision.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/ops/generation_presets.hpp"
#include "easel/ops/generation_timings.hpp"
#include "easel/ops/text_to_image.hpp"
#include "easel/models/model_store.hpp"
#include "easel/plan/prompt_optimizer.hpp"
#include "easel/settings/environment.hpp"
#ifdef EASEL_WITH_DIFFUSION
#include "easel/diffusion/diffusion_engine.hpp"
#endif

namespace easel::cli {
namespace fs = std::filesystem;
namespace {

struct GenerateOptions {
  std::string prompt;
  std::string negative;
  std::string model;
  std::string base;
  std::vector<std::string> loras;  // NAME_OR_PATH[:SCALE], in the order given
  std::string size;
  std::string aspect;
  std::string preset;
  std::optional<int> steps;
  std::optional<double> cfg;
  std::string sampler;
  std::optional<std::uint64_t> seed;
  int count = 1;
  std::optional<double> strength;
  fs::path init;
  bool optimize_prompt = false;
  std::string precision;  // empty: EASEL_PRECISION, else fp32
  bool timings = false;   // print each stage's time and the memory peak to stderr
  OutputOptions output;
};

// Installs the LibTorch engine computing in `precision` with `threads`, finding models, tokenizer files
// and TAESD through `model_paths` (builds without it have no engine to install).
void install_diffusion_engine([[maybe_unused]] const models::ModelPaths& model_paths,
                              [[maybe_unused]] diffusion::Precision precision, [[maybe_unused]] int threads) {
#ifdef EASEL_WITH_DIFFUSION
  diffusion::DiffusionEngineOptions options;
  options.resolve_model = [model_paths](const std::string& name) { return models::resolve_model(model_paths, name); };
  options.tokenizer_dir = settings::tokenizer_dir_from_environment(model_paths);
  options.taesd_folders = diffusion::taesd_folders_in(model_paths.models_dir);
  options.taesdxl_folders = diffusion::taesdxl_folders_in(model_paths.models_dir);
  options.precision = precision;
  options.threads = threads;
  install_generation_engine(diffusion::make_diffusion_engine(options));
#endif
}

#ifdef EASEL_WITH_DIFFUSION
// Stands in for the engine when its configuration is wrong (a bad EASEL_PRECISION): each generation
// fails with that error, while commands that generate nothing run as usual.
class MisconfiguredEngine : public GenerationEngine {
 public:
  explicit MisconfiguredEngine(Error error) : error_(std::move(error)) {}
  GenerationResult generate(const GenerationRequest&) override { throw error_; }

 private:
  Error error_;
};
#endif

std::pair<int, int> parse_size(const std::string& text) {
  static const std::regex pattern(R"((\d{1,5})[xX](\d{1,5}))");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) {
    throw Error(ErrorKind::usage, "--size " + text + " is not WIDTHxHEIGHT (e.g. 512x512)");
  }
  const int width = std::stoi(match[1]);
  const int height = std::stoi(match[2]);
  if (width % 8 != 0 || height % 8 != 0 || width < 8 || height < 8 || width > max_generation_side ||
      height > max_generation_side) {
    throw Error(ErrorKind::usage, "--size " + text + ": width and height must be multiples of 8 from 8 to " +
                                      std::to_string(max_generation_side));
  }
  return {width, height};
}

// out.png → out.png for one image; out-1.png, out-2.png, … for several.
fs::path numbered(const fs::path& output, int index, int count) {
  if (count == 1) return output;
  fs::path path = output;
  path.replace_filename(output.stem().string() + "-" + std::to_string(index + 1) + output.extension().string());
  return path;
}

// Steps done so far and the time they took give the remaining time.
class DenoisingProgress {
 public:
  void operator()(int done, int total) {
    if (done == 0) {
      started_ = std::chrono::steady_clock::now();
      return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    char what[64];
    std::snprintf(what, sizeof what, "denoising, about %.0f s left", seconds / done * (total - done));
    line_.step(static_cast<std::size_t>(done - 1), static_cast<std::size_t>(total), what);
  }

 private:
  ProgressLine line_;
  std::chrono::steady_clock::time_point started_;  // denoising began
};

// The registry's description of a generate.image parameter, with its range or choices.
std::string setting_help(const std::string& name) {
  const ParamSpec& spec = text_to_image_setting(name);
  std::string allowed;
  if (!spec.choices.empty()) {
    for (const auto& choice : spec.choices) allowed += (allowed.empty() ? "" : ", ") + choice;
  } else if (spec.min && spec.max) {
    const auto number = [](double value) {
      return value == std::floor(value) ? std::to_string(static_cast<long long>(value)) : json(value).dump();
    };
    allowed = number(*spec.min) + " to " + number(*spec.max);
  }
  return spec.description + (allowed.empty() ? "" : " (" + allowed + ")");
}

// The request the options describe: generate.image's settings under their registry names, checked and
// completed as every door's are (ops/text_to_image.hpp: explicit --size, --steps and --sampler win over
// --preset; without a seed a random one is drawn and reported). Values are checked before the prompt
// optimizer or the initial image do any work.
GenerationRequest request_from(const GenerateOptions& options) {
  TextToImageSettings settings;
  settings.prompt = options.prompt;
  settings.negative = options.negative;
  settings.model = options.model;
  settings.base = options.base;
  for (const std::string& lora : options.loras) settings.loras.push_back(parse_lora_choice(lora));
  settings.seed = options.seed;
  settings.steps = options.steps;
  settings.cfg = options.cfg;
  settings.sampler = options.sampler;
  settings.preset = options.preset;
  if (!options.aspect.empty()) settings.aspect = options.aspect;
  if (!options.size.empty()) {
    const auto [width, height] = parse_size(options.size);
    settings.size = cv::Size(width, height);
  }
  settings.count = options.count;
  GenerationRequest request =
      text_to_image_request(settings, {"easel generate", "", "give --model NAME|PATH", UnsetSeed::random});
  if (options.optimize_prompt) {
    const OptimizedPrompt optimized = optimize_prompt(options.prompt);
    request.prompt = optimized.prompt;
    if (request.negative_prompt.empty()) request.negative_prompt = optimized.negative;
    std::cerr << "revised prompt: " << optimized.prompt << "\n";
  }
  if (!options.init.empty()) {
    request.mode = GenerationMode::image_to_image;
    request.image = read_image_file(options.init, options.output.limits()).image;
    request.strength = options.strength.value_or(0.75);
  }
  return request;
}

json lora_report(const std::vector<LoraChoice>& loras) {
  json report = json::array();
  for (const LoraChoice& lora : loras) report.push_back({{"file", lora.name}, {"scale", lora.scale}});
  return report;
}

// What was made and how, for the outputs' metadata and the report.
json generation_settings(const GenerateOptions& options, const GenerationRequest& request,
                         const GenerationResult& result, diffusion::Precision precision) {
  return {
      {"prompt", options.prompt},
      {"revised_prompt", options.optimize_prompt ? json(request.prompt) : json()},
      {"negative", request.negative_prompt},
      {"model", result.model},
      {"base", result.base.empty() ? json() : json(result.base)},
      {"loras", lora_report(result.loras)},
      {"sampler", result.sampler},
      {"steps", result.steps},
      {"cfg", result.guidance},
      {"seed", request.seed},
      {"count", request.count},
      {"precision", diffusion::precision_name(precision)},
      {"preset", options.preset.empty() ? json() : json(options.preset)},
      {"aspect", options.aspect.empty() ? json() : json(options.aspect)},
      {"size", std::to_string(result.images.front().width()) + "x" + std::to_string(result.images.front().height())},
      {"init", options.init.empty() ? json() : json(options.init.string())},
      {"strength", options.init.empty() ? json() : json(request.strength)}};
}

// Writes the report, then every image; a failure removes what was written, so no partial output stays.
std::vector<fs::path> write_outputs(const GenerateOptions& options, const json& report,
                                    const std::vector<std::vector<std::uint8_t>>& encoded) {
  if (!options.output.report.empty()) {
    const std::string text = report.dump(2) + "\n";
    write_file_atomically(options.output.report,
                          std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  std::vector<fs::path> written;
  try {
    for (int i = 0; i < static_cast<int>(encoded.size()); ++i) {
      const fs::path path = numbered(options.output.output, i, options.count);
      write_file_atomically(path, encoded[static_cast<std::size_t>(i)]);
      written.push_back(path);
    }
  } catch (const Error&) {
    std::error_code ignored;
    for (const auto& path : written) fs::remove(path, ignored);
    if (!options.output.report.empty()) fs::remove(options.output.report, ignored);
    throw;
  }
  return written;
}

void run_generate_command(const GenerateOptions& options, const models::ModelPaths& model_paths) {
  const EncodeOptions encoding = options.output.encode_options();  // refuses a bad output name before any work
  GenerationRequest request = request_from(options);
  // --precision wins over EASEL_PRECISION; the engine installed at startup has loaded nothing yet.
  const diffusion::Precision precision = options.precision.empty()
                                             ? settings::precision_from_environment()
                                             : diffusion::parse_precision(options.precision, "--precision");
  install_diffusion_engine(model_paths, precision, settings::threads_from_environment());
  DenoisingProgress progress;
  request.on_step = [&progress](int done, int total) { progress(done, total); };

  const auto started = std::chrono::steady_clock::now();
  const GenerationResult result = generation_engine("easel generate").generate(request);
  const double generate_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  const json settings = generation_settings(options, request, result, precision);
  OutputMetadata metadata;
  metadata.source_type = DigitalSourceType::trained_algorithmic_media;
  metadata.plan_json = json{{"generate", settings}}.dump();
  const auto encode_started = std::chrono::steady_clock::now();
  std::vector<std::vector<std::uint8_t>> encoded;
  for (const auto& image : result.images) encoded.push_back(encode_image(image, encoding, metadata));
  const double encode_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - encode_started).count();
  if (options.timings) std::cerr << generation_timings_table(result.timings, encode_ms, generate_ms + encode_ms);

  json timings = generation_timings_json(result.timings, encode_ms);
  timings["generate"] = generate_ms;
  json report = {{"generate", settings},
                 {"outputs", json::array()},
                 {"timings_ms", timings},
                 {"peak_rss_mib", peak_rss_mib(result.timings)},
                 {"usage", {{"input_tokens", 0}, {"output_tokens", 0}, {"compute_ms", generate_ms + encode_ms}}}};
  for (int i = 0; i < static_cast<int>(encoded.size()); ++i) {
    report["outputs"].push_back({{"path", numbered(options.output.output, i, options.count).string()},
                                 {"bytes", encoded[static_cast<std::size_t>(i)].size()}});
  }
  const std::vector<fs::path> written = write_outputs(options, report, encoded);
  if (options.output.json) {
    std::cout << json{{"outputs", report["outputs"]},
                      {"seed", request.seed},
                      {"precision", diffusion::precision_name(precision)},
                      {"report", options.output.report.empty() ? json() : json(options.output.report.string())}}
                     .dump(2)
              << "\n";
    return;
  }
  for (std::size_t i = 0; i < written.size(); ++i) {
    std::cout << "wrote " << written[i].string() << " (" << result.images[i].width() << "x" << result.images[i].height()
              << ", " << format_name(encoding.format) << ", " << encoded[i].size() << " bytes)\n";
  }
  std::cout << "seed " << request.seed << ", precision " << diffusion::precision_name(precision) << "\n";
  if (!options.output.report.empty()) std::cout << "report " << options.output.report.string() << "\n";
}

}  // namespace

void install_generation([[maybe_unused]] const models::ModelPaths& model_paths) {
#ifdef EASEL_WITH_DIFFUSION
  try {
    install_diffusion_engine(model_paths, settings::precision_from_environment(), settings::threads_from_environment());
  } catch (const Error& error) {
    install_generation_engine(std::make_shared<MisconfiguredEngine>(error));
  }
#endif
}

void add_generate_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths) {
  auto options = std::make_shared<GenerateOptions>();
  auto* command = app.add_subcommand(
      "generate", "Generate images from a prompt with a Stable Diffusion model (or from an image: --init)");
  command->add_option("-p,--prompt", options->prompt, "What to generate")->required();
  command
      ->add_option("--model", options->model,
                   "Model: a name (easel models list), a .safetensors file or a diffusers folder")
      ->required();
  command->add_option("--base", options->base,
                      "Base model whose text encoder, tokenizer and VAE complete a UNet-only --model (default: the "
                      "base its sidecar names)");
  command->add_option("--lora", options->loras,
                      "LoRA to merge into the model: a name (easel models list) or .safetensors file, with an optional "
                      ":SCALE (default 1, within ±" +
                          std::to_string(static_cast<int>(max_lora_scale)) + "); repeat for several (at most " +
                          std::to_string(max_loras_per_request) + ")");
  command->add_option("--negative", options->negative, "What to steer away from (with --cfg above 1)");
  auto* size = command->add_option("--size", options->size,
                                   "WIDTHxHEIGHT, multiples of 8 up to " + std::to_string(max_generation_side) +
                                       " (default: from --preset and --aspect, 512x512)");
  std::string aspects;
  for (const auto& preset : aspect_presets()) aspects += (aspects.empty() ? "" : ", ") + preset.name;
  command
      ->add_option("--aspect", options->aspect,
                   "Aspect ratio W:H (1:4 to 4:1) or " + aspects + "; the size follows --preset")
      ->excludes(size);
  std::string qualities;
  for (const auto& preset : quality_presets()) qualities += "; " + preset.name + ": " + preset.meaning;
  // --quality is the output's JPEG/WebP quality (OutputOptions), so the generation preset is --preset.
  command
      ->add_option("--preset", options->preset,
                   "Quality preset of steps, sampler and size (--steps, --sampler, --size override it)" + qualities)
      ->check(CLI::IsMember({"low", "medium", "high", "auto"}));
  // Steps, guidance and sampler are generate.image's parameters: their limits and choices come from the
  // registry and are checked there (request_from), with the words the API and plans use.
  command->add_option("--steps", options->steps, setting_help("steps"));
  command->add_option("--cfg", options->cfg, setting_help("cfg"));
  command->add_option("--sampler", options->sampler, setting_help("sampler"));
  command
      ->add_option("--seed", options->seed,
                   "Seed (0 to 2^53-1; default random, printed): the same seed gives the same image")
      ->check(CLI::Range(std::uint64_t{0}, (std::uint64_t{1} << 53) - 1));
  command
      ->add_option("-n", options->count,
                   "Number of images (1-" + std::to_string(max_images_per_request) +
                       "); OUTPUT gets -1, -2, … before its extension")
      ->check(CLI::Range(1, max_images_per_request));
  auto* strength = command
                       ->add_option("--strength", options->strength,
                                    "With --init: how much to change the image, 0 < X ≤ 1 (default 0.75)")
                       ->check(CLI::Range(0.0, 1.0));
  auto* init =
      command->add_option("--init", options->init, "Start from this image (image-to-image); the output has its size");
  strength->needs(init);
  command->add_flag("--timings", options->timings,
                    "Print each stage's time (load, conditioning, every step, decode, post-processing, encoding) and "
                    "the peak resident memory to stderr; the report's timings_ms always has them");
  command->add_option("--precision", options->precision,
                      "Compute precision: fp32 (exact: a seed reproduces the reference image) or bf16 (faster on CPUs "
                      "with avx512_bf16 or "
                      "amx_bf16, slightly different images); default: EASEL_PRECISION, else fp32");
  command->add_flag(
      "--optimize-prompt", options->optimize_prompt,
      "Expand the prompt into subject, setting, lighting, camera, texture and style first (see `easel prompt`)");
  options->output.declare(*command, true);
  command->callback([&action, &model_paths, options, init, command] {
    if (init->count() > 0 && (command->count("--size") > 0 || command->count("--aspect") > 0)) {
      throw Error(ErrorKind::usage,
                  "generate: --size and --aspect do not apply with --init (the output takes the initial image's size)");
    }
    if (!options->aspect.empty())
      preset_size(options->aspect, quality_preset(options->preset.empty() ? "auto" : options->preset).side);
    if (options->strength && *options->strength <= 0)
      throw Error(ErrorKind::usage, "generate: --strength must be above 0");
    if (!options->precision.empty()) (void)diffusion::parse_precision(options->precision, "--precision");
    action = [options, &model_paths] { run_generate_command(*options, model_paths); };
  });
}

}  // namespace easel::cli
