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

namespace easel::models {

// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
// (the same order as huggingface_hub).
std::filesystem::path hf_hub_cache_dir();

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

// Every model present, models directory first; within a source, sorted by name.
std::vector<ModelEntry> list_models();

// The models a name refers to, in lookup order (the models directory first, then the hub cache);
// nothing is inspected, so this is cheap enough for every resolve. Paths and names with hidden or
// relative segments ("..", ".partial") match nothing.
std::vector<ModelLocation> locate_model(const std::string& name);

ModelEntry describe_model(const ModelLocation& location);

}  // namespace easel::models
