#pragma once
// Quality and aspect-ratio presets for generation, shared by `easel generate` (--quality, --aspect) and
// the server: one table each, documented in docs/diffusion.md ("Presets"). Torch-free.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace easel {

struct QualityPreset {
  std::string name;
  int steps;            // denoising steps
  std::string sampler;  // empty: the model's own scheduler
  int side;             // the generated image has about side × side pixels (the aspect decides the shape)
  std::string meaning;  // one line for help texts and the docs
};

// low, medium, high, auto (in that order).
const std::vector<QualityPreset>& quality_presets();
// Error(usage) naming the presets for an unknown name.
const QualityPreset& quality_preset(const std::string& name);

struct AspectPreset {
  std::string name;  // "square", "landscape", …
  int width;         // the ratio, e.g. 3:2
  int height;
};

// Named aspect ratios (square, landscape, portrait, widescreen, tall/story, ultrawide, photo, instagram).
const std::vector<AspectPreset>& aspect_presets();

// Width × height for `aspect` (a preset name or "W:H", from 1:4 to 4:1) with about side² pixels, each
// side a multiple of 64 (what Stable Diffusion's UNet divides without padding), 64 to
// max_generation_side. Error(usage) for an unknown or extreme aspect.
cv::Size preset_size(const std::string& aspect, int side);

}  // namespace easel
