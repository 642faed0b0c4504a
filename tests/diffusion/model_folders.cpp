#include "model_folders.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "support/reference_models.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion::test {
namespace fs = std::filesystem;
namespace {

// `parts` come from `first`, everything else of a model folder from `second`.
// One folder for the test process's assembled models.
const fs::path& assembled_models() {
  static const fs::path folder = easel::test::temp_dir();
  return folder;
}

fs::path assemble(const std::string& name, const fs::path& first, const std::vector<std::string>& parts,
                  const fs::path& second) {
  const fs::path folder = assembled_models() / name;
  if (fs::exists(folder / "model_index.json")) return folder;
  fs::create_directories(folder);
  for (const std::string part : {"model_index.json", "text_encoder", "tokenizer", "unet", "vae", "scheduler"}) {
    const bool from_first = std::find(parts.begin(), parts.end(), part) != parts.end();
    fs::create_symlink(fs::absolute((from_first ? first : second) / part), folder / part);
  }
  return folder;
}

}  // namespace

fs::path turbo_model_folder() {
  const fs::path folder = assembled_models() / "sd-turbo-like";
  if (fs::exists(folder / "model_index.json")) return folder;
  const fs::path sd2 = fs::absolute(models() / "sd2");
  fs::create_directories(folder / "scheduler");
  for (const std::string part : {"model_index.json", "text_encoder", "tokenizer", "unet", "vae"})
    fs::create_symlink(sd2 / part, folder / part);
  fs::copy_file(sd2 / "scheduler_variants" / "euler_epsilon_trailing_turbo.json",
                folder / "scheduler" / "scheduler_config.json");
  return folder;
}

fs::path inpaint_model_folder() {
  return assemble("inpainting", models() / "inpaint", {"model_index.json", "unet", "scheduler"}, models() / "sd1");
}

fs::path instruct_model_folder() {
  return assemble("instruct-pix2pix", models() / "ip2p", {"model_index.json", "unet", "scheduler"}, models() / "sd1");
}

fs::path single_file_model(const std::string& reference) {
  const fs::path folder = assembled_models() / "single-files";
  const fs::path file = folder / (reference + ".safetensors");
  if (fs::exists(file)) return file;
  if (reference.ends_with("_unet_only")) {
    single_file_model("sd1");
    return easel::test::install_single_file(folder, reference, reference, {{"base", "./sd1.safetensors"}});
  }
  return easel::test::install_single_file(folder, reference, reference);
}

fs::path sdxl_reference() { return easel::test::reference_dir() / "sdxl"; }

fs::path sdxl_model_folder(const std::string& model) {
  const fs::path base = fs::absolute(sdxl_reference() / "models" / "base");
  if (model == "base") return base;
  const fs::path folder = assembled_models() / ("sdxl-" + model);
  if (fs::exists(folder / "model_index.json")) return folder;
  fs::create_directories(folder);
  const fs::path own = model == "turbo" ? base : fs::absolute(sdxl_reference() / "models" / model);
  for (const std::string part : {"model_index.json", "unet"}) fs::create_symlink(own / part, folder / part);
  if (model == "turbo") {
    fs::create_directories(folder / "scheduler");
    fs::copy_file(base / "scheduler_variants" / "euler_ancestral_trailing_turbo.json",
                  folder / "scheduler" / "scheduler_config.json");
  } else {
    fs::create_symlink(own / "scheduler", folder / "scheduler");
  }
  // The real refiner has no CLIP-L encoder: only text_encoder_2 (and tokenizer_2).
  std::vector<std::string> parts = {"text_encoder_2", "tokenizer_2", "vae"};
  if (model != "refiner") parts.insert(parts.end(), {"text_encoder", "tokenizer"});
  for (const std::string& part : parts) fs::create_symlink(base / part, folder / part);
  return folder;
}

fs::path sdxl_single_file(const std::string& reference) {
  const fs::path folder = assembled_models() / "sdxl-single-files";
  const fs::path file = folder / (reference + ".safetensors");
  if (fs::exists(file)) return file;
  fs::create_directories(folder);
  fs::create_symlink(fs::absolute(sdxl_reference() / "models" / (reference + ".safetensors")), file);
  const std::string model = reference == "sdxl_base" ? "base" : reference.substr(5, reference.find("_unet_only") - 5);
  nlohmann::json sidecar = {{"config", fs::absolute(sdxl_reference() / "models" / model).string()}};
  if (reference != "sdxl_base") {
    sdxl_single_file("sdxl_base");
    sidecar["base"] = "./sdxl_base.safetensors";
  }
  std::ofstream(folder / (reference + ".easel.json")) << sidecar.dump(2);
  return file;
}

void use_reference_tokenizer() { ::setenv("EASEL_TOKENIZER", (sd_reference() / "tokenizer").c_str(), 1); }

}  // namespace easel::diffusion::test
