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
// ../shared/reference/sdxl.
std::filesystem::path sdxl_reference();
// Complete SDXL diffusers folders assembled the same way: "base" as it is, "inpaint" and "refiner"
// (their UNet, scheduler and model_index.json; base's text encoders and VAE), and "turbo" (base with
// sdxl-turbo's EulerAncestral trailing scheduler).
std::filesystem::path sdxl_model_folder(const std::string& model);
// The SDXL single files (sdxl_base, sdxl_inpaint_unet_only, sdxl_refiner_unet_only) with sidecars taking
// their tiny networks' settings from the matching diffusers folder ("config"); the UNet-only ones name
// ./sdxl_base.safetensors beside them as their base.
std::filesystem::path sdxl_single_file(const std::string& reference);
// Sets EASEL_TOKENIZER to the reference tokenizer folder for this process and the CLI runs it starts.
void use_reference_tokenizer();

}  // namespace easel::diffusion::test
