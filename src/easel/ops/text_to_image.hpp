#pragma once
// One text-to-image request, built from the settings of the generate.image declaration in the registry:
// the one set of limits, defaults, presets and samplers for `easel generate`, POST
// /v1/images/generations (with generation jobs) and EditPlan generate.image steps. Every generative op
// builds its request here too (generation_request, ops/generation.hpp), as its settings are
// generate.image's. A door maps its own spelling (--cfg, guidance_scale, quality) to the registry's
// names, calls text_to_image_request, then adds its own controls (progress, cancel, previews).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "easel/ops/generation_engine.hpp"
#include "easel/ops/param.hpp"

namespace easel {

// generate.image's settings under their registry names, plus what a door adds around them.
struct TextToImageSettings {
  std::string prompt;
  std::string negative;
  std::string model;  // as the door allows (a name, or a path too); empty: the door's default
  std::string base;   // completes a UNet-only model; empty: the base its sidecar names
  // Merged into the model in this order: at most max_loras_per_request, each scale within ±max_lora_scale.
  std::vector<LoraChoice> loras;
  std::optional<std::uint64_t> seed;  // unset: the door's UnsetSeed
  std::optional<int> steps;           // unset: the preset's, else the engine's (20; lcm 4)
  std::optional<double> cfg;          // unset: the engine's (7.5; lcm 1)
  std::string sampler;                // empty: the preset's, else the model's own scheduler
  // A quality preset (ops/generation_presets.hpp): low, medium or high set the steps, sampler and side
  // that are not given; empty or auto leave steps and sampler to the engine (what runs without one).
  std::string preset;
  // The size asked for (generate.image's width and height); unset: the preset's side at `aspect`.
  std::optional<cv::Size> size;
  std::string aspect = "square";  // an aspect preset or W:H, for a size not given
  int count = 1;                  // images from one seed, 1 to max_images_per_request
};

// What a door fills in for a seed not given.
enum class UnsetSeed {
  random,  // `easel generate` and the Images API: a fresh random seed, reported with the images
  zero,    // EditPlan steps: 0 (the edit flow gives each generative step a random seed first and records it)
};

// How one door asks: its name for errors, its default model and seed policy.
struct TextToImageDoor {
  std::string what;           // names the request in errors: "easel generate", "generate.image", …
  std::string default_model;  // the model of a request naming none; empty: such a request is an error
  std::string model_advice;   // how to name a model, ending that error
  UnsetSeed unset_seed = UnsetSeed::zero;
};

// The request `settings` describe, checked against generate.image's declaration (Error(usage) naming
// the setting, in the registry's words; Error(capability) when no model is named and the door has no
// default). The size is generated at the nearest multiple of 8 within max_generation_side, with the
// shape asked for; a caller that asked another size resamples the result (generate.image does).
GenerationRequest text_to_image_request(const TextToImageSettings& settings, const TextToImageDoor& door);

// A LoRA as a door's text gives it, "NAME_OR_PATH[:SCALE]" (scale 1 when none follows the last ':').
LoraChoice parse_lora_choice(const std::string& spec);

// The declaration of one generate.image parameter ("steps", "cfg", "sampler", "seed", …).
const ParamSpec& text_to_image_setting(const std::string& name);

// `value` checked as generate.image checks it. Out of range or not allowed: Error(usage) whose field()
// is `name` and whose words are the registry's, e.g. "generate.image: parameter 'steps' = 2000 is out
// of range [1, 150]" — the same text from every door.
nlohmann::json checked_text_to_image_setting(const std::string& name, const nlohmann::json& value);

}  // namespace easel
