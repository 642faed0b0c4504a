#pragma once
// `easel models pull`: downloads a model repository from the Hugging Face hub (or any server with the
// hub's layout, HubSettings::endpoint: $HF_ENDPOINT, as in huggingface_hub) into the models directory. Only
// .safetensors, .json and .txt files are fetched, never pickle weights (.ckpt, .bin). Each file goes to a .part file in
// a hidden staging folder, resumes with an HTTP Range request after a dropped connection, and is checked
// against the hub's SHA-256 (LFS files) or Git blob id (small files); the repository folder appears in
// the models directory by one rename when every file is complete and verified.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "easel/models/model_paths.hpp"

namespace easel::models {

struct PullRequest {
  std::string repo;                // "org/name"
  std::string revision = "main";   // branch, tag or commit
  std::vector<std::string> files;  // repository paths; empty = the model's files (see docs/models.md)
};

struct PullProgress {
  std::string file;         // repository path
  std::size_t index = 0;    // of the file, from 0
  std::size_t count = 0;    // files in this pull
  std::uint64_t done = 0;   // bytes of this file on disk
  std::uint64_t total = 0;  // bytes of this file; 0 when unknown
  std::string event;        // "download", "resume", "verify", "skip" (already complete) or "retry"
};
using PullProgressCallback = std::function<void(const PullProgress&)>;

struct PullResult {
  std::string name;              // the model's name ("org/name")
  std::filesystem::path folder;  // where it was published
  std::string commit;            // the revision's commit, as the hub reported it
  std::vector<std::string> files;
  std::uint64_t bytes = 0;  // downloaded in this run
  int resumed = 0;          // transfers continued with a Range request
};

// Publishes the repository as paths.models_dir/ORG/NAME, downloading from `hub`. Throws Error: usage
// for a bad request, input for what the hub answers (unknown repository or file, corrupt bytes, retries
// spent), capability when the hub refuses access or there is no models directory, output for the disk.
PullResult pull_model(const PullRequest& request, const ModelPaths& paths, const HubSettings& hub,
                      const PullProgressCallback& progress);

}  // namespace easel::models
