#pragma once
// Complete diffusers folders assembled (by symbolic links) from the reference's parts, the way real
// models ship: an SD-Turbo-like folder (sd2 with its trailing Euler ε scheduler) and full inpainting and
// InstructPix2Pix folders (their UNet and scheduler, sd1's text encoder and VAE). The reference keeps
// the shared tokenizer files once, in sd/tokenizer: point EASEL_TOKENIZER there.
#include <filesystem>

namespace easel::diffusion::test {

std::filesystem::path turbo_model_folder();
std::filesystem::path inpaint_model_folder();
std::filesystem::path instruct_model_folder();
// Sets EASEL_TOKENIZER to the reference tokenizer folder for this process and the CLI runs it starts.
void use_reference_tokenizer();

}  // namespace easel::diffusion::test
