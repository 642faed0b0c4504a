#pragma once
// The generation engine as the rest of Easel sees it: plain structs in, images out, no LibTorch.
// The diffusion library implements it (easel/diffusion/diffusion_engine.hpp) and the `easel` binary
// installs it at startup; without it every generative op fails with Error(capability) saying so.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

enum class GenerationMode {
  text_to_image,   // prompt → image
  image_to_image,  // prompt + image, noised to `strength` and denoised
  inpaint,         // prompt + image + mask: repaint the masked pixels
  instruct,        // instruction + image (InstructPix2Pix)
};

// Largest width or height the engine generates at; larger inputs are scaled down for the model and
// the result scaled back. Sizes are multiples of 8 (the autoencoder's factor); other sizes are padded.
constexpr int max_generation_side = 2048;
constexpr int max_images_per_request = 8;

// LoRA files one generation may apply, and the largest scale either way (negative scales subtract a
// LoRA, as "slider" LoRAs are used).
constexpr int max_loras_per_request = 8;
constexpr double max_lora_scale = 10;

// A LoRA applied to a generation: a name in the models directory (as `model`) or a path to its
// .safetensors file, and the scale its change is applied at.
struct LoraChoice {
  std::string name;
  double scale = 1.0;
  bool operator==(const LoraChoice&) const = default;
};

// The largest seed (2^53 - 1: every JSON reader keeps it exact).
inline constexpr std::uint64_t kLargestSeed = (std::uint64_t{1} << 53) - 1;

// A fresh random seed, for runs that were given none.
std::uint64_t random_seed();

struct GenerationRequest {
  GenerationMode mode = GenerationMode::text_to_image;
  std::string model;  // a name in the models directory, or a path (.safetensors file or diffusers folder)
  // The model whose text encoder, tokenizer and VAE complete a UNet-only `model` (a name or path, as
  // `model`); empty: the base the model's sidecar names, if any (docs/models.md, "Base models").
  std::string base;
  // Merged into the model's text encoder and UNet in this order (docs/models.md, "LoRA").
  std::vector<LoraChoice> loras;
  std::string prompt;
  std::string negative_prompt;
  int width = 512;  // text-to-image only; the other modes take the input's size
  int height = 512;
  // Set when the request leaves the size to the model (text-to-image without a size): `width`×`height`
  // is `aspect` at about `side`² pixels for SD1.x/SD2.x's 512-pixel training size, and the engine scales
  // `side` by the model's native size / 512 (SDXL 1024, SDXL-Turbo 512; docs/diffusion.md, "Sizes").
  struct DefaultSize {
    std::string aspect;
    int side = 512;
  };
  std::optional<DefaultSize> default_size;
  int steps = 0;                   // 0: 20 (4 with the lcm sampler)
  std::optional<double> guidance;  // CFG scale; unset: 7.5, SDXL 5 (1, i.e. none, with the lcm sampler)
  std::string sampler;             // a name from ops/samplers.hpp; empty: the model's own
  std::uint64_t seed = 0;
  int count = 1;                // images, one batch drawn from `seed` (as diffusers' num_images_per_prompt)
  double strength = 0.75;       // image-to-image and inpainting
  double image_guidance = 1.5;  // instruction edits
  Image image;                  // image-to-image, inpainting, instruction edits
  cv::Mat mask;                 // inpainting: CV_32F weights in [0, 1] of the image's size; ≥ 0.5 is repainted
  // (steps done, steps in the run): once with 0 when denoising starts (the model is loaded and the
  // prompt encoded), then after each step.
  std::function<void(int, int)> on_step;
  // Polled before each step; true stops the run with GenerationCancelled.
  std::function<bool()> cancelled;
  // Partial images: `previews` calls, evenly spaced over the run (never after the last step), each
  // with the image the current prediction of the final latents decodes to and the steps done so far.
  int previews = 0;
  std::function<void(const Image&, int)> on_preview;
};

// Where one generation's time went, in milliseconds, and the process's memory peak: for `easel generate
// --timings`, its report and the API's `easel` extension (docs/diffusion.md, "Stage timings").
struct GenerationTimings {
  double load_ms = 0;  // reading, converting and prepacking the model and merging its LoRAs; ≈ 0 when loaded already
  // Encoding the prompts, and for the image modes the input image into latents: all before the first step.
  double conditioning_ms = 0;
  std::vector<double> step_ms;      // each denoising step (with the previews decoded after it)
  double decode_ms = 0;             // the VAE decode of the final latents
  double postprocess_ms = 0;        // the decoded images as 8-bit images in the request's framing
  double first_step_ms = 0;         // from the request to the end of the first step (time to first step)
  std::int64_t peak_rss_bytes = 0;  // the process's peak resident memory when the generation ended
};

struct GenerationResult {
  std::vector<Image> images;      // RGBA 8-bit, the request's size (the input's size for image modes)
  std::string model;              // the resolved model path
  std::string base;               // the resolved base path; empty: none was used
  std::vector<LoraChoice> loras;  // the LoRA files merged (resolved paths) and their scales
  std::string sampler;
  int steps = 0;  // denoising steps actually run
  double guidance = 0;
  std::string precision;  // what the networks computed in: "fp32" or "bf16"
  GenerationTimings timings;
};

class GenerationCancelled : public std::runtime_error {
 public:
  GenerationCancelled() : std::runtime_error("generation cancelled") {}
};

class GenerationEngine {
 public:
  virtual ~GenerationEngine() = default;
  // Throws Error(usage) for bad settings, Error(capability) for a missing model or tokenizer,
  // Error(input) for model files that cannot be used, GenerationCancelled when cancelled.
  virtual GenerationResult generate(const GenerationRequest& request) = 0;
};

// Installs the process's engine (the CLI does this at startup; tests may install their own).
void install_generation_engine(std::shared_ptr<GenerationEngine> engine);
bool has_generation_engine();
// The installed engine; Error(capability) naming `what` when this build has none.
GenerationEngine& generation_engine(const std::string& what);

}  // namespace easel
