#pragma once
// Which operations can generate and which of them a diffusion model's UNet runs, read from the
// registry, so that what `easel models list`, GET /v1/models and the web say follows the operations
// Easel has.
#include <string>
#include <vector>

namespace easel {

// The registry's operations that take a `model` parameter (they run, or can run, a diffusion model),
// sorted by name.
std::vector<std::string> generative_operations();

// The registry's operations that take a `model` parameter and that a UNet with `in_channels` input
// channels serves: 4 (text-to-image) runs the operations that declare a plain "diffusion" model
// (generation from noise or from an image) and inpaints the others by blending its latents inside the
// mask; 9 (inpainting) runs only those inpainting operations; 8 (instruct-pix2pix) runs the operations
// that declare "diffusion:instruct". Any other count serves nothing. Sorted by name.
std::vector<std::string> operations_for_unet(int in_channels);

}  // namespace easel
