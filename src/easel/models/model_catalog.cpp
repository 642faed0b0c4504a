#include "easel/models/model_catalog.hpp"

#include <algorithm>
#include <fstream>
#include <string_view>

#include "easel/core/error.hpp"

namespace easel::models {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view hub_prefix = "models--";

bool hidden(const fs::path& path) { return path.filename().string().starts_with('.'); }

bool is_safetensors_file(const fs::path& path) {
  std::error_code error;
  return path.extension() == ".safetensors" && fs::is_regular_file(path, error);
}

bool is_diffusers_folder(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path / "model_index.json", error);
}

std::vector<fs::path> top_level_safetensors(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (!hidden(entry.path()) && is_safetensors_file(entry.path())) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// A repository folder holds one diffusers model, or one or more single-file checkpoints.
std::vector<ModelLocation> models_in_folder(const fs::path& folder, const std::string& name,
                                            const std::string& source) {
  if (is_diffusers_folder(folder)) return {{name, folder, source}};
  const std::vector<fs::path> files = top_level_safetensors(folder);
  if (files.size() == 1) return {{name, files.front(), source}};
  std::vector<ModelLocation> models;
  for (const auto& file : files) models.push_back({name + "/" + file.stem().string(), file, source});
  return models;
}

std::vector<ModelLocation> scan_models_dir(const fs::path& root) {
  std::vector<ModelLocation> models;
  std::error_code error;
  // Pulls are staged under the hidden .partial folder and appear here only by an atomic rename.
  for (const auto& entry : fs::directory_iterator(root, error)) {
    const fs::path& path = entry.path();
    if (hidden(path)) continue;
    const std::string name = path.filename().string();
    if (is_safetensors_file(path)) {
      models.push_back({path.stem().string(), path, "models-dir"});
    } else if (fs::is_directory(path, error)) {
      if (is_diffusers_folder(path) || !top_level_safetensors(path).empty()) {
        for (auto& model : models_in_folder(path, name, "models-dir")) models.push_back(std::move(model));
        continue;
      }
      for (const auto& repo : fs::directory_iterator(path, error))  // an organisation's folder
        if (!hidden(repo.path()) && fs::is_directory(repo.path(), error))
          for (auto& model : models_in_folder(repo.path(), name + "/" + repo.path().filename().string(), "models-dir"))
            models.push_back(std::move(model));
    }
  }
  return models;
}

// huggingface_hub downloads a blob to blobs/<etag>.incomplete and links it into the snapshot only when
// complete, so an .incomplete blob means the repository is being downloaded right now.
bool hub_download_in_progress(const fs::path& repo_folder) {
  std::error_code error;
  for (const auto& blob : fs::directory_iterator(repo_folder / "blobs", error))
    if (blob.path().extension() == ".incomplete") return true;
  return false;
}

// The snapshot refs/main points at; without that ref (a download by commit), the newest snapshot.
fs::path hub_snapshot(const fs::path& repo_folder) {
  std::ifstream ref(repo_folder / "refs" / "main");
  std::string commit;
  if (ref >> commit && fs::is_directory(repo_folder / "snapshots" / commit)) return repo_folder / "snapshots" / commit;
  fs::path newest;
  fs::file_time_type newest_time{};
  std::error_code error;
  for (const auto& snapshot : fs::directory_iterator(repo_folder / "snapshots", error)) {
    const auto time = fs::last_write_time(snapshot.path(), error);
    if (!error && (newest.empty() || time > newest_time)) {
      newest = snapshot.path();
      newest_time = time;
    }
  }
  return newest;
}

std::vector<ModelLocation> hub_repo_models(const fs::path& repo_folder, const std::string& repo) {
  if (hub_download_in_progress(repo_folder)) return {};
  const fs::path snapshot = hub_snapshot(repo_folder);
  if (snapshot.empty()) return {};
  return models_in_folder(snapshot, repo, "hf-cache");
}

std::vector<ModelLocation> scan_hf_cache(const fs::path& cache) {
  std::vector<ModelLocation> models;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(cache, error)) {
    const std::string folder = entry.path().filename().string();
    const auto separator = folder.find("--", hub_prefix.size());
    if (!folder.starts_with(hub_prefix) || separator == std::string::npos) continue;
    const std::string repo =
        folder.substr(hub_prefix.size(), separator - hub_prefix.size()) + "/" + folder.substr(separator + 2);
    for (auto& model : hub_repo_models(entry.path(), repo)) models.push_back(std::move(model));
  }
  return models;
}

// The model's own files; Easel's hidden bookkeeping (.easel-source.json) is not counted.
std::uintmax_t size_on_disk(const fs::path& path) {
  std::error_code error;
  if (!fs::is_directory(path, error)) return fs::file_size(path, error);
  std::uintmax_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(path, error))
    if (!hidden(entry.path()) && fs::is_regular_file(entry.path(), error)) total += fs::file_size(entry.path(), error);
  return total;
}

bool by_name(const ModelLocation& a, const ModelLocation& b) { return a.name < b.name; }

// The repository part of a model name: "org/repo" of "org/repo/stem".
std::string repository_of(const std::string& name) {
  const auto first = name.find('/');
  if (first == std::string::npos) return name;
  const auto second = name.find('/', first + 1);
  return second == std::string::npos ? name : name.substr(0, second);
}

}  // namespace

std::vector<ModelEntry> list_models(const ModelPaths& paths) {
  std::vector<ModelLocation> local = scan_models_dir(paths.required_models_dir());
  std::vector<ModelLocation> cached = scan_hf_cache(paths.hf_hub_cache);
  std::sort(local.begin(), local.end(), by_name);
  std::sort(cached.begin(), cached.end(), by_name);
  std::vector<ModelEntry> entries;
  for (const auto* group : {&local, &cached})
    for (const auto& location : *group) {
      ModelEntry entry = describe_model(paths, location);
      // Hub repositories of other kinds (language models, tokenizers…) are not diffusion models.
      if (location.source == "hf-cache" && entry.problem.empty() && entry.traits.in_channels == 0) continue;
      entries.push_back(std::move(entry));
    }
  return entries;
}

std::vector<ModelLocation> locate_model(const ModelPaths& paths, const std::string& name) {
  std::vector<ModelLocation> found;
  const fs::path as_path(name);
  if (name.empty() || as_path.is_absolute()) return found;
  for (const auto& part : as_path)
    if (part.empty() || part.string().starts_with('.')) return found;
  const auto keep_matching = [&](std::vector<ModelLocation> models) {
    for (auto& model : models)
      if (model.name == name) found.push_back(std::move(model));
  };
  const fs::path& root = paths.required_models_dir();
  const std::string repo = repository_of(name);
  std::error_code error;
  if (is_safetensors_file(root / (name + ".safetensors")))
    found.push_back({name, root / (name + ".safetensors"), "models-dir"});
  if (!repo.starts_with('.') && fs::is_directory(root / repo, error))
    keep_matching(models_in_folder(root / repo, repo, "models-dir"));
  if (!paths.hf_hub_cache.empty() && repo.find('/') != std::string::npos) {
    const fs::path hub_folder = paths.hf_hub_cache / (std::string(hub_prefix) + repo.substr(0, repo.find('/')) + "--" +
                                                      repo.substr(repo.find('/') + 1));
    if (fs::is_directory(hub_folder, error)) keep_matching(hub_repo_models(hub_folder, repo));
  }
  return found;
}

ModelEntry describe_model(const ModelPaths& paths, const ModelLocation& location) {
  ModelEntry entry;
  entry.location = location;
  entry.bytes = size_on_disk(location.path);
  try {
    entry.traits = inspect_model(paths, location.path, location.name);
    entry.problem = entry.traits.problem;
  } catch (const Error& error) {
    entry.traits.layout = fs::is_directory(location.path) ? ModelLayout::diffusers : ModelLayout::single_file;
    entry.traits.family = "unknown";
    entry.traits.variant = "unknown";
    entry.problem = error.what();
  }
  return entry;
}

}  // namespace easel::models
