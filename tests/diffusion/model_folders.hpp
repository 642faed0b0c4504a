#pragma once
// Complete diffusers folders assembled (by symbolic links) from the reference's parts, the way real
// models ship: an SD-Turbo-like folder (sd2 with its trailing Euler ε scheduler) and full inpainting and
// InstructPix2Pix folders (their UNet and scheduler, sd1's text encoder and VAE). The reference keeps
// the shared tokenizer files once, in sd/tokenizer: point EASEL_TOKENIZER there. And the single files
// with the sidecars their tiny networks need.
#include <filesystem>

namespace easel::diffusion::test {

std::filesystem::path turbo_model_folder();
std::filesystem::path inpaint_model_folder();
std::filesystem::path instruct_model_folder();
// A reference single file (sd1, sd2, inpaint_unet_only, ip2p_unet_only) with its sidecar
// (support/reference_models.hpp), in one folder of the test process; the UNet-only files' sidecars
// name ./sd1.safetensors beside them as their base.
std::filesystem::path single_file_model(const std::string& reference);
// Sets EASEL_TOKENIZER to the reference tokenizer folder for this process and the CLI runs it starts.
void use_reference_tokenizer();

}  // namespace easel::diffusion::test
