#pragma once
// Where models are found and where they are fetched from: the settings the models layer takes from its
// caller. The doors (`easel`, `easel serve`) build them once from the environment
// (settings/environment.hpp; docs/models.md lists the variables and their order) and pass them on, so
// nothing in models/ reads the environment and a library caller or test can point it anywhere.
#include <filesystem>
#include <string>

namespace easel::models {

struct ModelPaths {
  // Easel's models directory: names are looked up here first and `easel models pull` publishes here.
  // Empty when none could be chosen (no EASEL_MODELS, XDG_DATA_HOME or HOME). Not created here.
  std::filesystem::path models_dir;
  // The Hugging Face hub cache (models--ORG--NAME folders), searched after the models directory.
  // Empty: none.
  std::filesystem::path hf_hub_cache;

  // models_dir, or Error(capability) saying how to choose one when there is none.
  const std::filesystem::path& required_models_dir() const;
};

// The hub `easel models pull` downloads from.
struct HubSettings {
  std::string endpoint = "https://huggingface.co";  // or any server with the hub's layout; a trailing '/' is ignored
  std::string token;  // sent as a bearer token, for gated or private repositories; empty: none
};

}  // namespace easel::models
