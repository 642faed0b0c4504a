#pragma once
// The models present on this machine: Easel's models directory and the Hugging Face hub cache. A model
// is a .safetensors checkpoint or a diffusers folder; its name is the file or folder name in the models
// directory, "org/repo" for a pulled or cached hub repository, and "org/repo/STEM" when one repository
// holds several single-file checkpoints. Downloads in progress are never listed.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "easel/models/model_family.hpp"
#include "easel/models/model_paths.hpp"

namespace easel::models {

struct ModelLocation {
  std::string name;
  std::filesystem::path path;  // the .safetensors file or the diffusers folder
  std::string source;          // "models-dir" or "hf-cache"
};

struct ModelEntry {
  ModelLocation location;
  std::uintmax_t bytes = 0;  // on disk, following the hub cache's symlinks into its blobs
  ModelTraits traits;
  // Why the model cannot be used: an unreadable or invalid header, config or sidecar, a sidecar it
  // needs, a base it lacks (ModelTraits::problem). Empty when it can be used.
  std::string problem;
};

// Every model present in paths.models_dir and paths.hf_hub_cache, models directory first; within a
// source, sorted by name. Throws Error(capability) when there is no models directory.
std::vector<ModelEntry> list_models(const ModelPaths& paths);

// The models a name refers to, in lookup order (the models directory first, then the hub cache);
// nothing is inspected, so this is cheap enough for every resolve. Paths and names with hidden or
// relative segments ("..", ".partial") match nothing.
std::vector<ModelLocation> locate_model(const ModelPaths& paths, const std::string& name);

// `paths` finds the base a model's sidecar names.
ModelEntry describe_model(const ModelPaths& paths, const ModelLocation& location);

}  // namespace easel::models
