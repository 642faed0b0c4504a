#pragma once
// The reference's single-file checkpoints installed as a user installs one: a copy in a models folder
// with the sidecar NAME.easel.json its tiny networks need (docs/models.md, "Single-file checkpoints").
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace easel::test {

// The sidecar of a reference single file (sd1, sd2, inpaint_unet_only, ip2p_unet_only): the
// hyper-parameters ../shared/reference/sd/README.md lists for it (GroupNorm 8 groups everywhere; sd1:
// 4 text heads, 4 UNet heads per level, quick_gelu; sd2: 2 text heads, 2 and 4 UNet heads, gelu) and
// the scheduler config of the matching diffusers folder. UNet-only files name no base here.
nlohmann::json reference_sidecar(const std::string& reference);

// Copies sd/models/REFERENCE.safetensors to FOLDER/NAME.safetensors and writes FOLDER/NAME.easel.json:
// reference_sidecar(REFERENCE) with `changes` merged in (RFC 7386: e.g. {"base": "sd1"}, or a key set
// to null to leave it out). Returns the copy's path.
std::filesystem::path install_single_file(const std::filesystem::path& folder, const std::string& reference,
                                          const std::string& name,
                                          const nlohmann::json& changes = nlohmann::json::object());

// The UNet of a reference single file alone (its model.diffusion_model.* tensors, copied byte for byte)
// as FOLDER/NAME.safetensors — a UNet-only checkpoint — with the sidecar its UNet needs
// (reference_sidecar(REFERENCE)'s "unet" section) and `changes` merged in. Returns its path.
std::filesystem::path install_unet_only(const std::filesystem::path& folder, const std::string& reference,
                                        const std::string& name,
                                        const nlohmann::json& changes = nlohmann::json::object());

}  // namespace easel::test
