#include "easel/models/model_store.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <optional>

#include "easel/core/error.hpp"
#include "easel/models/model_catalog.hpp"

namespace easel::models {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Names are relative paths below the models directory: no empty, "." or ".." segment may lead outside.
void check_model_name(const std::string& name) {
  if (name.empty()) throw Error(ErrorKind::usage, "empty model name");
  const fs::path path(name);
  bool valid = path.is_relative() && !name.ends_with('/');
  // Hidden folders (the .partial staging area among them) are never models.
  for (const auto& part : path) valid = valid && !part.empty() && !part.string().starts_with('.');
  if (!valid)
    throw Error(ErrorKind::usage, "invalid model name \"" + name +
                                      "\": use a name from `easel models list`, a Hugging Face repository "
                                      "(org/repo), or a path to a .safetensors file or diffusers folder");
}

std::string pull_command(const std::string& name) {
  const auto first = name.find('/');
  if (first == std::string::npos) return "easel models pull <org>/" + name;
  const auto second = name.find('/', first + 1);
  if (second == std::string::npos) return "easel models pull " + name;
  return "easel models pull " + name.substr(0, second) + " --file " + name.substr(second + 1) + ".safetensors";
}

}  // namespace

fs::path resolve_model(const ModelPaths& paths, const std::string& name_or_path) {
  const fs::path candidate(name_or_path);
  std::error_code error;
  if (candidate.extension() == ".safetensors" && fs::is_regular_file(candidate, error)) return candidate;
  if (fs::is_directory(candidate, error) && fs::is_regular_file(candidate / "model_index.json", error))
    return candidate;

  constexpr std::array pickle_extensions{".ckpt", ".bin", ".pt", ".pth", ".pkl"};
  if (std::find(pickle_extensions.begin(), pickle_extensions.end(), lower(candidate.extension().string())) !=
      pickle_extensions.end())
    throw Error(ErrorKind::input, name_or_path +
                                      " is a pickle checkpoint; Easel reads only .safetensors weights, because "
                                      "loading a pickle runs arbitrary code (convert it, or use the repository's "
                                      ".safetensors files)");
  if (fs::exists(candidate, error) && (candidate.is_absolute() || name_or_path.starts_with('.')))
    throw Error(ErrorKind::input, name_or_path +
                                      " is neither a .safetensors file nor a diffusers folder "
                                      "(a folder with model_index.json)");

  return resolve_model_name(paths, name_or_path);
}

fs::path resolve_model_name(const ModelPaths& paths, const std::string& name) {
  check_model_name(name);
  const std::vector<ModelLocation> found = locate_model(paths, name);
  if (!found.empty()) return found.front().path;
  throw Error(ErrorKind::capability, "model \"" + name + "\" is not installed (looked in " +
                                         paths.required_models_dir().string() + " and the Hugging Face cache " +
                                         paths.hf_hub_cache.string() + "); download it with `" + pull_command(name) +
                                         "`, or pass the path of a .safetensors file or diffusers folder");
}

// Hugging Face's cache keeps ORG/NAME as models--ORG--NAME/snapshots/REVISION/… .
std::string model_display_name(const ModelPaths& paths, const fs::path& resolved) {
  const auto below = [&](const fs::path& root) -> std::optional<fs::path> {
    if (root.empty()) return std::nullopt;
    const fs::path relative = resolved.lexically_normal().lexically_relative(root.lexically_normal());
    if (relative.empty() || relative.native().starts_with("..")) return std::nullopt;
    return relative;
  };
  if (const auto local = below(paths.models_dir)) return local->generic_string();
  if (const auto cached = below(paths.hf_hub_cache)) {
    auto part = cached->begin();
    const std::string repository = part->string();
    if (repository.starts_with("models--")) {
      std::string name = repository.substr(8);
      if (const auto split = name.find("--"); split != std::string::npos) name.replace(split, 2, "/");
      fs::path inside;
      for (std::advance(part, std::min<std::ptrdiff_t>(3, std::distance(part, cached->end()))); part != cached->end();
           ++part)
        inside /= *part;
      if (inside.extension() == ".safetensors") inside.replace_extension();
      return inside.empty() ? name : name + "/" + inside.generic_string();
    }
  }
  const fs::path normal = resolved.lexically_normal();
  return (normal.has_filename() ? normal : normal.parent_path()).filename().string();
}

}  // namespace easel::models
