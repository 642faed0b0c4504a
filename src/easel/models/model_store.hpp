#pragma once
// Where Stable Diffusion weights live on disk and how a model name becomes a path. A name is looked up
// in Easel's own models directory first, then in the Hugging Face hub cache, so models another tool
// already downloaded are used without copying them. Torch-free: the CLI, the API and the planner use it
// to report what is installed even in builds without the diffusion engine.
#include <filesystem>
#include <string>

#include "easel/models/model_paths.hpp"

namespace easel::models {

// A path to a .safetensors file or to a diffusers folder (one holding model_index.json) is returned
// unchanged. Anything else is a model name ("org/repo", or a folder name under the models directory),
// looked up in paths.models_dir and then in the Hugging Face cache. Throws Error(ErrorKind::capability)
// naming the model and the `easel models pull` command that downloads it when nothing is found.
std::filesystem::path resolve_model(const ModelPaths& paths, const std::string& name_or_path);

// A model NAME only, never a path (what the HTTP API accepts from clients): the models directory, then
// the Hugging Face cache. Throws like resolve_model when it is not installed, Error(input) for a bad name.
std::filesystem::path resolve_model_name(const ModelPaths& paths, const std::string& name);

// How a resolved model is named to someone who cannot see this machine's files (HTTP clients): its
// path below the models directory, "org/repo" (plus the file's path) inside the Hugging Face cache, else
// the last component of the path. The name resolve_model_name takes back, where one exists.
std::string model_display_name(const ModelPaths& paths, const std::filesystem::path& resolved);

}  // namespace easel::models
